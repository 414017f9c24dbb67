/**
 * The posture report: one self-contained HTML page (inline CSS, no script, no external asset) for a security lead.
 * Summary counts, a matrix of hosts or resources against controls (pass, fail, waived), and the findings by
 * severity with their remediation. Reads on screen and on paper (@media print). `bulwark check --format html` and
 * `bulwark host verify --format html` both render through `renderPostureHtml`.
 */
import { isBlocking, SEVERITY_ORDER, type CheckReport, type Severity } from "./model";

export type CellState = "pass" | "fail" | "waived" | "advisory" | "skip" | "unknown";

export interface PostureFinding {
  severity: Severity;
  state: "fail" | "advisory" | "waived" | "unreachable";
  control: string;
  subject: string;
  message: string;
  remediation?: string;
  waiver?: string;
}

export interface Posture {
  title: string;
  subtitle: string;
  verdict: "pass" | "fail" | "unreachable";
  generated: string;
  summary: { label: string; value: number; tone: "good" | "bad" | "warn" | "neutral" }[];
  rowLabel: string;
  columns: { id: string; severity?: Severity }[];
  rows: { id: string; meta: string; cells: Record<string, CellState>; note?: string }[];
  /** Rows left out of the matrix because they have nothing to show (e.g. resources with no finding). */
  omitted?: string;
  findings: PostureFinding[];
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const SYMBOL: Record<CellState, string> = { pass: "✓", fail: "✗", waived: "W", advisory: "!", skip: "–", unknown: "?" };
const LABEL: Record<CellState, string> = {
  pass: "pass",
  fail: "fail",
  waived: "waived",
  advisory: "advisory",
  skip: "skipped",
  unknown: "not checked",
};

// A trailing backslash continues a line inside the template: the CSS text is unchanged.
const CSS = `
:root{--fg:#1b1f24;--muted:#5b6470;--line:#d7dce2;--bg:#fff;--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#b42318;\
--fail-bg:#ffe4e1;
--waived:#7a4d00;--waived-bg:#fff1c2;--adv:#8a5a00;--adv-bg:#fff8e5;--unk:#57606a;--unk-bg:#eaeef2;--crit:#7d1010;\
--high:#b42318;--med:#9a6700;--low:#57606a}
*{box-sizing:border-box}\
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);\
background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:24px}
header{display:flex;justify-content:space-between;align-items:flex-start;gap:16px;border-bottom:3px solid var(--fg);\
padding-bottom:12px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}h3{font-size:15px;margin:18px 0 8px}
.sub{color:var(--muted)}.verdict{font-weight:700;font-size:18px;padding:6px 14px;border-radius:6px;white-space:nowrap}
.verdict.pass{background:var(--pass-bg);color:var(--pass)}.verdict.fail{background:var(--fail-bg);color:var(--fail)}\
.verdict.unreachable{background:var(--unk-bg);color:var(--fail)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:10px;margin-top:16px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px}.card .n{font-size:26px;font-weight:700}\
.card .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card.bad .n{color:var(--fail)}.card.good .n{color:var(--pass)}.card.warn .n{color:var(--waived)}
.legend{display:flex;gap:14px;flex-wrap:wrap;color:var(--muted);font-size:12px;margin:6px 0 10px}
.legend span{display:inline-flex;align-items:center;gap:5px}
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:8px}
table.matrix{border-collapse:collapse;width:100%;font-size:12px}
.matrix th,.matrix td{border-bottom:1px solid var(--line);padding:5px 6px;text-align:center}
.matrix thead th{background:#f6f8fa;font-weight:600;vertical-align:bottom;position:sticky;top:0}
.matrix thead th.ctl{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;padding:8px 4px;\
font-weight:500}
.matrix th.row{text-align:left;white-space:nowrap;font-weight:600}\
.matrix td.meta{text-align:left;color:var(--muted);white-space:nowrap}
.cell{font-weight:700;min-width:26px}
.cell.pass{color:var(--pass);background:var(--pass-bg)}.cell.fail{color:var(--fail);background:var(--fail-bg)}
.cell.waived{color:var(--waived);background:var(--waived-bg)}.cell.advisory{color:var(--adv);background:var(--adv-bg)}
.cell.skip{color:var(--unk)}.cell.unknown{color:var(--unk);background:var(--unk-bg)}
.note{color:var(--fail);font-size:11px;text-align:left}
.sev{border-left:4px solid var(--line);padding-left:12px;margin-bottom:8px}
.sev.critical{border-color:var(--crit)}.sev.high{border-color:var(--high)}.sev.medium{border-color:var(--med)}\
.sev.low{border-color:var(--low)}
.finding{border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:6px 0;break-inside:avoid}
.finding .t{font-weight:600}.finding .s{color:var(--muted);font-size:12px}.finding .fix{margin-top:4px}
.finding .fix b{color:var(--pass)}\
.tag{display:inline-block;font-size:11px;padding:1px 6px;border-radius:10px;margin-right:6px;font-weight:600;\
text-transform:uppercase}
.tag.fail,.tag.unreachable{background:var(--fail-bg);color:var(--fail)}\
.tag.waived{background:var(--waived-bg);color:var(--waived)}.tag.advisory{background:var(--adv-bg);color:var(--adv)}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px;background:#f6f8fa;padding:0 3px;\
border-radius:3px;word-break:break-all}
footer{margin-top:28px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@media print{@page{size:A4 landscape;margin:12mm}main{max-width:none;padding:0}body{font-size:11px}
.scroll{overflow:visible;border:none}.matrix thead th{position:static}.card,.finding{break-inside:avoid}
.cell,.verdict,.tag{-webkit-print-color-adjust:exact;print-color-adjust:exact}h2{break-after:avoid}\
tr{break-inside:avoid}}
`;

export function renderPostureHtml(p: Posture): string {
  const verdictText = p.verdict === "pass" ? "PASS" : p.verdict === "fail" ? "FAIL" : "UNREACHABLE HOSTS";
  const cards = p.summary
    .map(
      (c) =>
        `<div class="card ${c.tone}" data-metric="${esc(c.label)}">` +
        `<div class="n">${c.value}</div><div class="l">${esc(c.label)}</div></div>`,
    )
    .join("");
  const legend = (Object.keys(SYMBOL) as CellState[])
    .map((s) => `<span><span class="cell ${s}">${SYMBOL[s]}</span>${LABEL[s]}</span>`)
    .join("");
  const columnHeads = p.columns
    .map((c) => `<th class="ctl" scope="col" title="${esc(c.severity ?? "")}">${esc(c.id)}</th>`)
    .join("");
  const head = `<tr><th class="row">${esc(p.rowLabel)}</th><th class="row">details</th>${columnHeads}</tr>`;
  const body = p.rows
    .map((r) => {
      const cells = p.columns
        .map((c) => {
          const s = r.cells[c.id] ?? "skip";
          const title = esc(`${r.id} / ${c.id}: ${LABEL[s]}`);
          return (
            `<td class="cell ${s}" data-state="${s}" data-control="${esc(c.id)}" ` +
            `title="${title}">${SYMBOL[s]}</td>`
          );
        })
        .join("");
      const note = r.note
        ? `<tr class="note-row"><td></td><td class="note" colspan="${p.columns.length + 1}">${esc(r.note)}</td></tr>`
        : "";
      return (
        `<tr data-row="${esc(r.id)}"><th class="row" scope="row">${esc(r.id)}</th>` +
        `<td class="meta">${esc(r.meta)}</td>${cells}</tr>${note}`
      );
    })
    .join("\n");
  const bySeverity = (["critical", "high", "medium", "low"] as Severity[])
    .map((sev) => {
      const fs = p.findings.filter((f) => f.severity === sev);
      if (fs.length === 0) return "";
      const items = fs
        .map(
          (f) =>
            `<article class="finding" data-severity="${sev}" data-state="${f.state}">` +
            `<div class="t"><span class="tag ${f.state}">${esc(f.state)}</span>` +
            `${esc(f.control)} · ${esc(f.subject)}</div>` +
            `<div class="s">${esc(f.message)}</div>${f.waiver ? `<div class="s">Waiver: ${esc(f.waiver)}</div>` : ""}` +
            `${f.remediation ? `<div class="fix"><b>Remediation:</b> ${esc(f.remediation)}</div>` : ""}</article>`,
        )
        .join("");
      const title = `${sev[0].toUpperCase() + sev.slice(1)} (${fs.length})`;
      return `<section class="sev ${sev}"><h3>${title}</h3>${items}</section>`;
    })
    .join("\n");
  const matrix = p.rows.length
    ? `<div class="scroll"><table class="matrix" id="matrix">` +
      `<thead>${head}</thead><tbody>\n${body}\n</tbody></table></div>`
    : `<p>No ${esc(p.rowLabel)} to show.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(p.title)}</title><style>${CSS}</style></head>
<body><main>
<header><div><h1>${esc(p.title)}</h1><div class="sub">${esc(p.subtitle)}</div>\
<div class="sub">Generated ${esc(p.generated)}</div></div>
<div class="verdict ${p.verdict}" id="verdict">${verdictText}</div></header>
<section id="summary" class="cards">${cards}</section>
<h2>Controls matrix</h2>
<div class="legend">${legend}</div>
${matrix}
${p.omitted ? `<p class="sub">${esc(p.omitted)}</p>` : ""}
<h2>Findings by severity</h2>
<div id="findings">${bySeverity || "<p>No findings: every control holds.</p>"}</div>
<footer>Bulwark posture report. Self-contained: no script, no external asset.</footer>
</main></body></html>
`;
}

/** The policy check as a posture: resources with findings against the controls they break. */
export function checkPosture(r: CheckReport, generated = new Date().toISOString()): Posture {
  const info = new Map(r.policies.map((p) => [p.name, p]));
  const columns = [...new Set(r.findings.map((f) => f.policy))]
    .map((id) => ({ id, severity: info.get(id)?.severity ?? r.findings.find((f) => f.policy === id)!.severity }))
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.id.localeCompare(b.id));
  const rows = new Map<string, { id: string; meta: string; cells: Record<string, CellState> }>();
  for (const f of r.findings) {
    const id = f.resourceName ?? f.urn ?? "(stack)";
    const key = f.urn ?? "(stack)";
    const row = rows.get(key) ?? {
      id,
      meta: f.resourceType ?? "stack",
      cells: Object.fromEntries(columns.map((c) => [c.id, "pass" as CellState])),
    };
    const state: CellState = f.waived ? "waived" : isBlocking(f) ? "fail" : "advisory";
    const rank: CellState[] = ["fail", "advisory", "waived", "pass"];
    if (rank.indexOf(state) < rank.indexOf(row.cells[f.policy])) row.cells[f.policy] = state;
    rows.set(key, row);
  }
  const s = r.summary;
  const clean = Math.max(0, s.resources - [...rows.keys()].filter((k) => k !== "(stack)").length);
  return {
    title: "Bulwark posture report: policy check",
    subtitle:
      `${s.resources} resources from ${r.input.kind}${r.input.file ? ` (${r.input.file})` : ""}; ` +
      `bulwark ${r.tool.version}`,
    verdict: r.verdict,
    generated,
    summary: [
      { label: "resources", value: s.resources, tone: "neutral" },
      { label: "clean resources", value: clean, tone: "good" },
      { label: "mandatory", value: s.mandatory, tone: s.mandatory ? "bad" : "good" },
      { label: "advisory", value: s.advisory, tone: s.advisory ? "warn" : "good" },
      { label: "waived", value: s.waived, tone: s.waived ? "warn" : "neutral" },
    ],
    rowLabel: "resource",
    columns,
    rows: [...rows.values()],
    omitted:
      clean > 0
        ? `${clean} resource${clean === 1 ? " has" : "s have"} no finding: every control passes (not shown in ` +
          `the matrix).`
        : undefined,
    findings: r.findings.map((f) => ({
      severity: f.severity,
      state: f.waived ? "waived" : isBlocking(f) ? "fail" : "advisory",
      control: f.policy,
      subject: f.resourceName ? `${f.resourceName} (${f.resourceType ?? "resource"})` : (f.urn ?? "stack"),
      message: f.message.trim(),
      remediation: info.get(f.policy)?.remediation,
      ...(f.waived ? { waiver: `${f.waived.reason}; approved by ${f.waived.approver} until ${f.waived.expires}` } : {}),
    })),
  };
}

export function formatHtml(r: CheckReport): string {
  return renderPostureHtml(checkPosture(r));
}
