import { isBlocking, SEVERITY_ORDER, type CheckReport, type PolicyInfo, type ReportFinding } from "./model";

/** GitHub rejects comments over 65,536 characters; stay well under it. */
export const MAX_COMMENT_CHARS = 60000;
/** A hidden marker so a workflow can find and update its previous comment. */
export const COMMENT_MARKER = "<!-- bulwark-check -->";

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

function row(f: ReportFinding): string {
  const state = f.waived
    ? `waived until ${f.waived.expires} (${cell(f.waived.approver)}: ${cell(f.waived.reason)})`
    : f.enforcement;
  const name = f.urn ? `\`${f.resourceName ?? f.urn}\`` : "stack";
  const type = f.resourceType ? `\`${f.resourceType}\`` : "";
  return `| ${name} | ${type} | ${state} | ${cell(f.message.trim())} |`;
}

/** A PR comment: the verdict, then one section per control (policy) with the resources that break it. */
export function formatMarkdown(r: CheckReport): string {
  const s = r.summary;
  const head = [
    COMMENT_MARKER,
    `## ${r.verdict === "pass" ? "✅" : "❌"} Bulwark policy check: ${r.verdict === "pass" ? "passed" : "failed"}`,
    "",
    `${s.resources} resources checked from ${r.input.kind}: **${s.mandatory} mandatory**, ${s.advisory} ` +
      `advisory, ${s.waived} waived.`,
    "",
  ];
  if (r.findings.length === 0) return [...head, "No findings: every hardening control holds.", ""].join("\n");

  const meta = new Map<string, PolicyInfo>(r.policies.map((p) => [p.name, p]));
  const groups = new Map<string, ReportFinding[]>();
  for (const f of r.findings) {
    const g = groups.get(f.policy);
    if (g) g.push(f);
    else groups.set(f.policy, [f]);
  }
  const ordered = [...groups.entries()].sort(([, a], [, b]) => {
    const block = Number(b.some(isBlocking)) - Number(a.some(isBlocking));
    return block || SEVERITY_ORDER[a[0].severity] - SEVERITY_ORDER[b[0].severity];
  });

  const body: string[] = [];
  for (const [policy, findings] of ordered) {
    const p = meta.get(policy);
    const icon = findings.some(isBlocking) ? "🛑" : findings.every((f) => f.waived) ? "📝" : "⚠️";
    const section = [
      `### ${icon} \`${policy}\` (${findings[0].severity})`,
      "",
      p ? `${p.description}${p.controls.length ? ` _Controls: ${p.controls.join(", ")}_` : ""}` : "",
      "",
      "| Resource | Type | Status | Finding |",
      "| --- | --- | --- | --- |",
      ...findings.map(row),
      "",
      ...(p?.remediation ? [`**Fix:** ${p.remediation}`, ""] : []),
    ].join("\n");
    const used = head.join("\n").length + body.join("\n").length;
    if (used + section.length > MAX_COMMENT_CHARS) {
      body.push(
        `_…${ordered.length - body.length} more controls not shown; see the SARIF results in code scanning._`,
        "",
      );
      break;
    }
    body.push(section);
  }
  return [...head, ...body].join("\n");
}
