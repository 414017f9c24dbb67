/** The drift workflow's on-prem job runs `bulwark host verify` per stack, alerts on 4 and 5, and fails the run. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

type Step = { run?: string; if?: string; env?: Record<string, string>; uses?: string };
const w = parse(readFileSync(join(__dirname, "..", "..", ".github", "workflows", "drift.yml"), "utf8")) as {
  jobs: Record<string, { "runs-on": unknown; steps: Step[]; strategy?: { matrix?: { stack?: string } } }>;
};

test("on-prem job: host verify over SSH for every stack, key from a secret, alert and fail on 4 or 5", () => {
  const job = w.jobs["on-prem"];
  expect(job["runs-on"]).toEqual(["self-hosted", "linux"]);
  expect(job.strategy?.matrix?.stack).toMatch(/fromJSON/);
  const verify = job.steps.find((s) => /bin\/bulwark host verify --stack "\$STACK"/.test(s.run ?? ""))!;
  expect(verify.env?.BULWARK_SSH_KEY).toMatch(/secrets\./);
  expect(verify.run).toMatch(/--write html:host-posture\.html/);
  expect(verify.run!.match(/bin\/bulwark host verify/g)).toHaveLength(1); // one SSH round per host
  expect(job.steps.some((s) => s.if === "steps.verify.outputs.rc == '4' || steps.verify.outputs.rc == '5'")).toBe(true);
  const verdict = job.steps[job.steps.length - 1].run ?? "";
  expect(verdict).toMatch(/4\) .*exit 1/);
  expect(verdict).toMatch(/5\) .*exit 1/);
});
