import { isBlocking, type CheckReport } from "./model";

/** Terminal output: one line per finding, blocking ones first, then the verdict. */
export function formatText(r: CheckReport): string {
  const lines: string[] = [];
  const src = r.input.file ? ` (${r.input.file})` : "";
  lines.push(`bulwark check: ${r.summary.resources} resources from ${r.input.kind}${src}`);
  for (const f of r.findings) {
    const tag = f.waived ? "WAIVED" : isBlocking(f) ? "MANDATORY" : "advisory";
    const where = f.urn ?? "(stack)";
    lines.push(`  [${tag}] ${f.policy} (${f.severity}) ${where}`);
    lines.push(`      ${f.message.split("\n").join("\n      ")}`);
    if (f.waived) lines.push(`      waived by ${f.waived.approver} until ${f.waived.expires}: ${f.waived.reason}`);
    if (f.source) lines.push(`      at ${f.source.uri}${f.source.line ? `:${f.source.line}` : ""}`);
  }
  const s = r.summary;
  lines.push(
    `${r.verdict === "pass" ? "PASS" : "FAIL"}: ${s.mandatory} mandatory, ${s.advisory} advisory, ${s.waived} waived`,
  );
  return lines.join("\n") + "\n";
}
