/**
 * The prod stack's offline plan (`runPlan({ stack: "prod" })`), planned once per jest run and shared by the suites
 * that only read it: five suites planned it each, ~2.5 s of CPU apiece. The first suite to ask plans it in its own
 * worker and writes it to the run's temporary folder; a suite asking meanwhile waits for that file (with a deadline),
 * and one that finds the attempt failed plans on its own. A plan is plain data: it reads back deep-equal.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPlan, type PlanResult } from "../../cli/plan-runner";

const WAIT_MS = 180_000;
const POLL_MS = 100;

let mine: Promise<PlanResult> | undefined;
const plan = (): Promise<PlanResult> => runPlan({ stack: "prod" });

export function prodPlan(): Promise<PlanResult> {
  return (mine ??= shared());
}

async function shared(): Promise<PlanResult> {
  // Only inside a run's own folder (test/setup/tmp-setup.js): a plan left in a shared folder could be stale.
  if (!process.env.BULWARK_TMP_BASE) return plan();
  const dir = tmpdir();
  const file = join(dir, "prod-plan.json");
  const failed = join(dir, "prod-plan.failed");
  try {
    mkdirSync(join(dir, "prod-plan.lock"));
  } catch {
    return waitFor(file, failed);
  }
  try {
    const result = await plan();
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(result));
    renameSync(tmp, file);
    return result;
  } catch (err) {
    writeFileSync(failed, String(err));
    throw err;
  }
}

async function waitFor(file: string, failed: string): Promise<PlanResult> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as PlanResult;
    if (existsSync(failed)) return plan();
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`the shared prod plan (${file}) was not written within ${WAIT_MS / 1000} s`);
}
