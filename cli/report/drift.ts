import type { DriftedResource, DriftSeverity, DriftSource } from "../inputs/drift";

/** What `bulwark drift --format json` prints (docs/check-output.schema.json, kind "drift"). */
export interface DriftReport {
  kind: "drift";
  tool: { name: "bulwark"; version: string };
  input: { file: string; format: "digest" | "events"; source: DriftSource };
  /** none: exit 0; drift: exit 3 (no control broken); control-broken: exit 4. */
  verdict: "none" | "drift" | "control-broken";
  summary: { resources: number; drifted: number; critical: number; warning: number; info: number };
  resources: DriftedResource[];
}

export const DRIFT_EXIT: Record<DriftReport["verdict"], number> = { none: 0, drift: 3, "control-broken": 4 };

export function buildDriftReport(
  input: DriftReport["input"],
  checked: number,
  resources: DriftedResource[],
  version: string,
): DriftReport {
  const count = (s: DriftSeverity) => resources.filter((r) => r.severity === s).length;
  const critical = count("critical");
  return {
    kind: "drift",
    tool: { name: "bulwark", version },
    input,
    verdict: resources.length === 0 ? "none" : critical > 0 ? "control-broken" : "drift",
    summary: {
      resources: checked,
      drifted: resources.length,
      critical,
      warning: count("warning"),
      info: count("info"),
    },
    resources,
  };
}

/** Short, single-line rendering of a decoded value (secrets are already "[secret]"). */
export function show(v: unknown): string {
  if (v === undefined) return "(none)";
  const s = JSON.stringify(v);
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

const LABEL: Record<DriftSeverity, string> = { critical: "CRITICAL", warning: "warning", info: "info" };

export function formatDriftText(r: DriftReport): string {
  const lines = [
    `bulwark drift: ${r.summary.resources} resources from ${r.input.file} (${r.input.source} ${r.input.format})`,
  ];
  for (const res of r.resources) {
    lines.push(
      `  [${LABEL[res.severity]}] ${res.type} ${res.name}${res.drift === "delete" ? " DELETED outside Pulumi" : ""}`,
    );
    lines.push(`      ${res.urn}`);
    for (const c of res.changes) {
      if (res.drift === "delete") {
        lines.push(`      ${c.reason}${c.control ? ` [${c.control}]` : ""}`);
        continue;
      }
      lines.push(`      ${c.path} (${c.kind}): ${show(c.before)} -> ${show(c.after)}`);
      lines.push(`        ${LABEL[c.severity]}: ${c.reason}${c.control ? ` [${c.control}]` : ""}`);
    }
    for (const v of res.violations) lines.push(`      now breaks ${v.policy}: ${v.message}`);
  }
  const s = r.summary;
  const head =
    r.verdict === "none" ? "NO DRIFT" : r.verdict === "drift" ? "DRIFT (no control broken)" : "DRIFT BREAKS CONTROLS";
  lines.push(`${head}: ${s.drifted} drifted (${s.critical} critical, ${s.warning} warning, ${s.info} info)`);
  return lines.join("\n") + "\n";
}

/** For an alert or an issue body: grouped by control. */
export function formatDriftMarkdown(r: DriftReport): string {
  const s = r.summary;
  const icon = r.verdict === "control-broken" ? "🛑" : r.verdict === "drift" ? "⚠️" : "✅";
  const lines = [
    "<!-- bulwark-drift -->",
    `## ${icon} Bulwark drift: ${r.verdict === "none" ? "no drift" : `${s.drifted} resources drifted`}`,
    "",
    `${s.critical} break a hardening control, ${s.warning} touch one, ${s.info} touch none.`,
    "",
  ];
  if (r.resources.length === 0) return lines.join("\n") + "\n";
  const byControl = new Map<string, { res: DriftedResource; change: DriftedResource["changes"][number] }[]>();
  for (const res of r.resources)
    for (const change of res.changes) {
      const k = change.control ?? "(no control)";
      const g = byControl.get(k);
      if (g) g.push({ res, change });
      else byControl.set(k, [{ res, change }]);
    }
  for (const res of r.resources)
    for (const v of res.violations) {
      const change = {
        path: "",
        kind: "policy",
        severity: "critical" as const,
        reason: `the pack now fails: ${v.message}`,
        control: v.policy,
      };
      const g = byControl.get(v.policy);
      if (g) g.push({ res, change });
      else byControl.set(v.policy, [{ res, change }]);
    }
  const cell = (x: string) => x.replace(/\|/g, "\\|");
  for (const [control, items] of [...byControl.entries()].sort(([a], [b]) =>
    a === "(no control)" ? 1 : b === "(no control)" ? -1 : a.localeCompare(b),
  )) {
    lines.push(`### \`${control}\``, "", "| Severity | Resource | Property | Change |", "| --- | --- | --- | --- |");
    for (const { res, change } of items) {
      const values =
        change.kind === "policy" || res.drift === "delete"
          ? ""
          : `: ${cell(show(change.before))} → ${cell(show(change.after))}`;
      lines.push(
        `| ${change.severity} | \`${res.name}\` (\`${res.type}\`) | \`${change.path || "(resource)"}\` ` +
          `| ${cell(change.reason)}${values} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}
