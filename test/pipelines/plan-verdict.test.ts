/**
 * `bulwark plan`'s verdict goes through the real engine path: the pack started by run-policy-pack, gRPC Analyze and
 * AnalyzeStack. It must agree with the in-process evaluator `bulwark check` uses.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkResources, loadResources } from "../../cli/check";
import type { PlannedResource } from "../../cli/plan-runner";
import { packVerdict } from "../../cli/report/pack-verdict";
import * as YAML from "yaml";
import { bulwark, fx, inProcess, prodFirstSite } from "./run-cli";

function asPlanned(file: string): PlannedResource[] {
  return loadResources("state", file).map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    custom: r.custom,
    parent: r.parent,
    provider: r.provider,
    inputs: r.props,
    dependencies: r.dependencies,
    propertyDependencies: r.propertyDependencies,
    secretPaths: r.secretPaths,
  }));
}
const key = (f: { policy: string; urn?: string; enforcement: string; waived?: unknown }) =>
  `${f.enforcement}${f.waived ? "(waived)" : ""} ${f.policy} ${f.urn ?? "(stack)"}`;
const keys = (fs: { policy: string; urn?: string; enforcement: string; waived?: unknown }[]) =>
  [...new Set(fs.filter((f) => f.enforcement === "mandatory").map(key))].sort();

test("postmortem estate: the analyzer path and the in-process evaluator block on the same controls", async () => {
  const planned = asPlanned(fx("state-postmortem.v4.json"));
  const viaPack = await packVerdict(planned);
  const inProcess = checkResources(loadResources("state", fx("state-postmortem.v4.json")), { kind: "state" });
  expect(viaPack.verdict).toBe("fail");
  expect(keys(viaPack.findings).length).toBeGreaterThanOrEqual(5);
  expect(keys(viaPack.findings)).toEqual(keys(inProcess.findings));
}, 120000);

test("clean estate passes through the pack", async () => {
  const r = await packVerdict(asPlanned(fx("state-clean.v3.json")));
  expect(r).toMatchObject({ verdict: "pass", summary: { mandatory: 0 } });
}, 120000);

test("bulwark plan exits 1 when the pack finds a mandatory violation, 2 on a bad policy config", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "bulwark-plan-"));
  const run = async (args: string[]) => {
    const r = await bulwark(["plan", ...args]);
    return { code: r.code, out: r.stdout, err: r.stderr };
  };
  const strict = join(tmp, "strict.json");
  writeFileSync(strict, JSON.stringify({ "rds-database-require-backup-retention": { backupDays: 35 } }));
  const site = join(tmp, "Pulumi.site.yaml"); // head office has the RDS database the strict setting fails
  writeFileSync(site, YAML.stringify(prodFirstSite()));
  const bad = join(tmp, "bad.json");
  writeFileSync(bad, JSON.stringify({ all: { hopLimit: "one" } }));
  const fail = await run(["--config", site, "--policy-config", strict]);
  // Refused before any plan: in-process (bin/bulwark's `run`).
  const refused = await inProcess(["plan", "--policy-config", bad]);
  const usage = { code: refused.code, err: refused.stderr };
  expect(fail.code).toBe(1);
  expect(fail.out).toMatch(/policy pack \(analyzer\): \d+ resources from plan/);
  expect(fail.out).toMatch(/\[MANDATORY\] rds-database-require-backup-retention/);
  expect(usage.code).toBe(2);
  expect(usage.err).toMatch(/hopLimit/);
  expect(usage.err).not.toMatch(/\n\s+at .+:\d+:\d+/);
  rmSync(tmp, { recursive: true, force: true });
}, 180000);
