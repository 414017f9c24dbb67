/**
 * The HTML posture report rendered by a real headless Chromium (Debian's `chromium` package): a screenshot goes to
 * test-output/fleet/, and the assertions read the DOM Chromium rendered (failing cells, summary cards, findings by
 * severity). The page carries a CSP of default-src 'none', so any external asset would not load at all.
 */
import * as fs from "fs";
import * as path from "path";
import { runCheck } from "../../cli/check";
import type { FleetReport, HostResult } from "../../cli/fleet/model";
import { fleetPosture, formatFleetReport } from "../../cli/fleet/report";
import { checkPosture, formatHtml } from "../../cli/report/html";
import { isBlocking } from "../../cli/report/model";
import { run, tmpDir } from "../host/helpers";

const CHROMIUM = "/usr/bin/chromium";
const OUT = path.join(__dirname, "..", "..", "test-output", "fleet");
const FIXTURES = path.join(__dirname, "..", "fixtures");

function chromium(args: string[]): { stdout: string; stderr: string; code: number } {
  const profile = tmpDir("bulwark-chromium-");
  try {
    return run(
      CHROMIUM,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        "--hide-scrollbars",
        ...args,
      ],
      { timeoutMs: 90_000 },
    );
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** Renders the page in one Chromium run: screenshot, PDF (print media) and the rendered DOM. */
function render(html: string, name: string, height = 1400): string {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `${name}.html`);
  fs.writeFileSync(file, html);
  const [png, pdf] = [path.join(OUT, `${name}.png`), path.join(OUT, `${name}.pdf`)];
  for (const f of [png, pdf]) fs.rmSync(f, { force: true });
  const r = chromium([
    `--screenshot=${png}`,
    `--window-size=1280,${height}`,
    `--print-to-pdf=${pdf}`,
    "--no-pdf-header-footer",
    "--dump-dom",
    `file://${file}`,
  ]);
  expect(r.code).toBe(0);
  expect(fs.statSync(png).size).toBeGreaterThan(10_000);
  expect(fs.readFileSync(pdf).subarray(0, 5).toString()).toBe("%PDF-");
  expect(r.stdout).toContain("</html>");
  return r.stdout;
}

const count = (dom: string, re: RegExp) => (dom.match(re) ?? []).length;

const host = (name: string, over: Partial<HostResult>): HostResult => ({
  name,
  site: "leeds",
  address: "10.231.51.1",
  port: 22,
  os: "debian-12",
  role: "app",
  status: "pass",
  durationMs: 1200,
  checks: [],
  failed: [],
  ...over,
});
const CONTROLS = ["firewall", "ssh", "fail2ban", "auditd", "aide", "updates", "logging"];
const passAll = CONTROLS.map((control) => ({ control, status: "pass" as const, description: `${control} ok` }));

export const FLEET: FleetReport = {
  kind: "fleet-verify",
  tool: { name: "bulwark", version: "0.1.0" },
  input: { stack: "prod" },
  verdict: "unreachable",
  summary: {
    hosts: 4,
    passed: 2,
    failed: 1,
    unreachable: 1,
    brokenControls: 2,
    concurrency: 10,
    timeoutSeconds: 60,
    wallMs: 3100,
  },
  hosts: [
    host("leeds-jump", { role: "bastion", checks: passAll }),
    host("leeds-files", {
      os: "ubuntu-22.04",
      bastion: "leeds-jump (ops@10.231.63.1:22)",
      checks: passAll.map((c) =>
        c.control === "ssh" || c.control === "fail2ban"
          ? { ...c, status: "fail" as const, description: `${c.control} tampered <script>alert(1)</script>` }
          : c,
      ),
      status: "fail",
      failed: ["ssh", "fail2ban"],
    }),
    host("bristol-pos", {
      os: "ubuntu-24.04",
      checks: [...passAll, { control: "ids", status: "waived", description: "IDS waived until 2099-12-31" }],
    }),
    host("glasgow-erp", { status: "unreachable", error: "no answer within the 60 s timeout", failed: ["unreachable"] }),
  ],
};

describe("HTML posture report in headless Chromium", () => {
  jest.setTimeout(240_000);
  const missing = !fs.existsSync(CHROMIUM);
  if (missing && process.env.CI) throw new Error(`${CHROMIUM} missing: apt-get install -y chromium`);
  const t = missing ? test.skip : test;

  t(
    "host verify: the matrix shows each host's failing controls, unreachable hosts, waivers; findings by severity",
    () => {
      const html = formatFleetReport(FLEET, "html");
      // Self-contained: no script, no external reference of any kind.
      expect(html).not.toMatch(/<script|<link|src=|url\(|@import|https?:\/\//i);
      const dom = render(html, "host-verify");
      const posture = fleetPosture(FLEET);
      expect(count(dom, /<td class="cell fail"/g)).toBe(2);
      expect(dom).toMatch(/<tr data-row="leeds-files">.*data-control="ssh"[^>]*>✗/s);
      expect(count(dom, /<td class="cell unknown"/g)).toBe(posture.columns.length); // glasgow-erp: nothing checked
      expect(count(dom, /<td class="cell waived"/g)).toBe(1);
      expect(posture.columns.length).toBe(8); // the 7 controls and ids
      expect(count(dom, /<td class="cell pass"/g)).toBe(7 + 5 + 7);
      expect(dom).toMatch(/data-metric="unreachable"><div class="n">1</);
      expect(dom).toMatch(/id="verdict">UNREACHABLE HOSTS</);
      // Findings: ssh (critical) before fail2ban (medium); each with remediation; the payload is text, not markup.
      expect(dom.indexOf('data-severity="critical"')).toBeLessThan(dom.indexOf('data-severity="medium"'));
      expect(count(dom, /<article class="finding"/g)).toBe(3);
      expect(count(dom, /<b>Remediation:<\/b>/g)).toBe(3);
      expect(dom).toContain("tampered &lt;script&gt;alert(1)&lt;/script&gt;");
    },
  );

  t("bulwark check --format html: resources × controls from the postmortem preview", () => {
    const report = runCheck("preview", path.join(FIXTURES, "preview-postmortem.json"));
    const html = formatHtml(report);
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import|https?:\/\//i);
    const dom = render(html, "check-postmortem", 1800);
    const blocking = new Set(report.findings.filter(isBlocking).map((f) => `${f.urn}|${f.policy}`));
    expect(blocking.size).toBeGreaterThan(0);
    expect(count(dom, /<td class="cell fail"/g)).toBe(blocking.size);
    expect(count(dom, /<tr data-row=/g)).toBe(checkPosture(report).rows.length);
    expect(dom).toMatch(new RegExp(`data-metric="mandatory"><div class="n">${report.summary.mandatory}<`));
    expect(dom).toMatch(/id="verdict">FAIL</);
  });
});
