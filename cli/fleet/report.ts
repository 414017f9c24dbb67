/** `bulwark host verify` output: text, json, sarif, markdown or html (the posture page of cli/report/html.ts). */
import type * as sarif from "sarif";
import { renderPostureHtml, type CellState, type Posture, type PostureFinding } from "../report/html";
import { SEVERITY_ORDER, type Severity } from "../report/model";
import { remediationOf, severityOf, type FleetReport, type HostResult } from "./model";

export const FLEET_FORMATS = ["text", "json", "sarif", "markdown", "html"] as const;
export type FleetFormat = (typeof FLEET_FORMATS)[number];

const where = (h: HostResult) => `${h.name} (${h.address}${h.bastion ? ` via ${h.bastion}` : ""})`;
const source = (r: FleetReport) => (r.input.inventory ? `inventory ${r.input.inventory}` : `stack ${r.input.stack}`);

/** One finding per broken control per host, and one per unreachable host. */
export function fleetFindings(r: FleetReport): PostureFinding[] {
  const out: PostureFinding[] = [];
  for (const h of r.hosts) {
    if (h.status === "unreachable") {
      out.push({
        severity: severityOf("unreachable"),
        state: "unreachable",
        control: "unreachable",
        subject: where(h),
        message: h.error ?? "not reachable",
        remediation: remediationOf("unreachable"),
      });
      continue;
    }
    for (const c of h.checks.filter((x) => x.status === "fail")) {
      out.push({
        severity: severityOf(c.control),
        state: "fail",
        control: c.control,
        subject: where(h),
        message: c.description,
        remediation: remediationOf(c.control),
      });
    }
  }
  return out.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.control.localeCompare(b.control) ||
      a.subject.localeCompare(b.subject),
  );
}

export function fleetPosture(r: FleetReport, generated = new Date().toISOString()): Posture {
  const ids = [...new Set(r.hosts.flatMap((h) => h.checks.map((c) => c.control)))];
  const columns = ids
    .map((id) => ({ id, severity: severityOf(id) as Severity }))
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.id.localeCompare(b.id));
  const rows = r.hosts.map((h) => {
    const cells: Record<string, CellState> = {};
    for (const c of columns) {
      const mine = h.checks.filter((x) => x.control === c.id);
      cells[c.id] =
        h.status === "unreachable"
          ? "unknown"
          : mine.some((x) => x.status === "fail")
            ? "fail"
            : mine.some((x) => x.status === "waived")
              ? "waived"
              : mine.some((x) => x.status === "pass")
                ? "pass"
                : "skip";
    }
    return {
      id: h.name,
      meta: `${h.address} · ${h.os} · ${h.role} · ${h.site}${h.bastion ? ` · via ${h.bastion.split(" ")[0]}` : ""}`,
      cells,
      ...(h.status === "unreachable" ? { note: `unreachable: ${h.error ?? ""}` } : {}),
    };
  });
  const s = r.summary;
  return {
    title: "Bulwark posture report: host verify",
    subtitle:
      `${s.hosts} hosts from ${source(r)}; concurrency ${s.concurrency}, timeout ${s.timeoutSeconds} s; ` +
      `bulwark ${r.tool.version}`,
    verdict: r.verdict,
    generated,
    summary: [
      { label: "hosts", value: s.hosts, tone: "neutral" },
      { label: "passing", value: s.passed, tone: s.passed === s.hosts ? "good" : "neutral" },
      { label: "failing", value: s.failed, tone: s.failed ? "bad" : "good" },
      { label: "unreachable", value: s.unreachable, tone: s.unreachable ? "bad" : "good" },
      { label: "broken controls", value: s.brokenControls, tone: s.brokenControls ? "bad" : "good" },
    ],
    rowLabel: "host",
    columns,
    rows,
    findings: fleetFindings(r),
  };
}

export function formatFleetText(r: FleetReport): string {
  const lines = [
    `bulwark host verify: ${r.summary.hosts} hosts from ${source(r)} (concurrency ${r.summary.concurrency}, ` +
      `timeout ${r.summary.timeoutSeconds} s)`,
  ];
  for (const h of r.hosts) {
    const state = h.status === "pass" ? "PASS" : h.status === "fail" ? "FAIL" : "UNREACHABLE";
    lines.push(
      `  ${state.padEnd(11)} ${where(h)} ${h.os} ${h.role}` +
        `${h.bundleHash ? ` bundle ${h.bundleHash.slice(0, 12)}` : ""} ` +
        `(${(h.durationMs / 1000).toFixed(1)} s)`,
    );
    if (h.status === "unreachable") lines.push(`      ${h.error ?? ""}`);
    for (const c of h.checks.filter((x) => x.status === "fail"))
      lines.push(`      FAIL ${c.control}: ${c.description}`);
  }
  const s = r.summary;
  lines.push(
    `${r.verdict === "pass" ? "PASS" : "FAIL"}: ${s.passed} passed, ${s.failed} with broken controls ` +
      `(${s.brokenControls}), ${s.unreachable} unreachable in ${(s.wallMs / 1000).toFixed(1)} s`,
  );
  return lines.join("\n") + "\n";
}

export function formatFleetMarkdown(r: FleetReport): string {
  const s = r.summary;
  const icon = r.verdict === "pass" ? "✅" : "❌";
  const lines = [
    "<!-- bulwark-host-verify -->",
    `## ${icon} Bulwark host verify: ` +
      `${r.verdict === "pass" ? "passed" : r.verdict === "fail" ? "controls broken" : "hosts unreachable"}`,
    "",
    `${s.hosts} hosts from ${source(r)}: **${s.failed} failing**, **${s.unreachable} ` +
      `unreachable**, ${s.passed} passing.`,
    "",
    "| host | address | OS | role | bastion | status | broken controls |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...r.hosts.map(
      (h) =>
        `| \`${h.name}\` | ${h.address}:${h.port} | ${h.os} | ${h.role} | ${h.bastion ?? ""} | ${h.status} ` +
        `| ${(h.status === "unreachable" ? [h.error ?? ""] : h.failed).join(", ").replace(/\|/g, "\\|")} |`,
    ),
    "",
  ];
  return lines.join("\n");
}

export function formatFleetSarif(r: FleetReport): string {
  const findings = fleetFindings(r);
  const ruleIds = [...new Set(findings.map((f) => f.control))];
  const score: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };
  const rules: sarif.ReportingDescriptor[] = ruleIds.map((id) => ({
    id: `host-${id}`,
    name: `host-${id}`,
    shortDescription: {
      text: id === "unreachable" ? "host could not be verified" : `host control ${id} (Bulwark bundle verify)`,
    },
    help: { text: remediationOf(id) },
    properties: { tags: ["security", "host"], "security-severity": score[severityOf(id)] },
  }));
  const log: sarif.Log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "bulwark", version: r.tool.version, rules } },
        results: findings.map((f) => ({
          ruleId: `host-${f.control}`,
          ruleIndex: ruleIds.indexOf(f.control),
          level: "error",
          message: { text: `${f.subject}: ${f.message}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: {
                  uri: r.input.inventory ?? `Pulumi.${r.input.stack ?? "prod"}.yaml`,
                  uriBaseId: "%SRCROOT%",
                },
                region: { startLine: 1 },
              },
              logicalLocations: [{ fullyQualifiedName: f.subject.split(" ")[0], kind: "host" }],
            },
          ],
        })),
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
}

export function formatFleetReport(r: FleetReport, format: FleetFormat): string {
  switch (format) {
    case "text":
      return formatFleetText(r);
    case "json":
      return JSON.stringify(r, null, 2) + "\n";
    case "sarif":
      return formatFleetSarif(r);
    case "markdown":
      return formatFleetMarkdown(r);
    case "html":
      return renderPostureHtml(fleetPosture(r));
  }
}
