/**
 * Issue 10 items 4 and 5: SSM schedule grammar (each bad schedule names field, value and fix, exit 2 from the CLI)
 * and an estate too big to plan (exit 2 with a message, never a V8 crash).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as YAML from "yaml";
import { ArgsError, ConfigError, parseStackConfig } from "../../components/config";
import { scheduleProblem } from "../../components/patching/ssm-schedule";
import { PatchManagement } from "../../components/patching/patch-management";
import { readStackFile } from "../../cli/plan-runner";
import { MAX_PLAN_SERVERS, PLAN_HEAP_ENV, PLAN_HEAP_MB } from "../../cli/plan-limits";
import { record } from "../components/harness";
import { bulwark, inProcess, noStackTrace, ROOT, type Run, runAll } from "./run-cli";

const tmp = mkdtempSync(join(tmpdir(), "bulwark-schedule-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const prodText = readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8");

describe("SSM schedule grammar", () => {
  test.each([
    "cron(0 3 ? * SUN *)",
    "cron(0 2 ? * MON-FRI *)",
    "cron(0/15 * ? * * *)",
    "cron(30 1 L * ? *)",
    "cron(0 3 ? * 6#3 *)",
    "cron(0 3 ? * 6L 2027)",
    "cron(0 3 15W * ? *)",
    "cron(0 3 ? JAN,JUL SUN *)",
    "rate(1 day)",
    "rate(12 hours)",
    "rate(30 minutes)",
    "rate(1 minute)",
  ])("accepts %s", (e) => {
    expect(scheduleProblem(e)).toBeUndefined();
  });

  test.each([
    ["sundays", /not an SSM schedule expression: write cron\(minutes hours day-of-month month day-of-week year\)/],
    ["cron(0 3 ? * SUN)", /cron has 5 fields; SSM takes 6/],
    ["cron(0 3 * * * * *)", /cron has 7 fields/],
    ["cron(61 3 ? * SUN *)", /cron field 1 \(minutes\) "61" is not 0-59/],
    ["cron(0 24 ? * SUN *)", /cron field 2 \(hours\) "24" is not 0-23/],
    ["cron(0 3 32 * ? *)", /cron field 3 \(day-of-month\) "32" is not 1-31/],
    ["cron(0 3 ? 13 SUN *)", /cron field 4 \(month\) "13" is not 1-12 or JAN-DEC/],
    ["cron(0 3 ? * FUNDAY *)", /cron field 5 \(day-of-week\) "FUNDAY" is not 1-7 or SUN-SAT/],
    ["cron(0 3 ? * SUN 1900)", /cron field 6 \(year\) "1900" is not 1970-2199/],
    ["cron(0 3 * * SUN *)", /exactly one of the two must be "\?"/],
    ["cron(0 3 ? * ? *)", /exactly one of the two must be "\?"/],
    ["cron(? 3 1 * ? *)", /cron field 1 \(minutes\) "\?" is only allowed in day-of-month or day-of-week/],
    ["rate(5 weeks)", /the rate is not rate\(N minutes\|hours\|days\)/],
    ["rate(0 days)", /the value must be at least 1/],
    ["rate(1 days)", /write rate\(1 day\)/],
    ["rate(2 day)", /write rate\(2 days\)/],
  ])("refuses %s", (expr, message) => {
    expect(scheduleProblem(expr)).toMatch(message);
  });

  // One grammar: the PatchManagement component's own args refuse exactly what the config refuses.
  test.each([
    ["cron(0 3 ? * SUN)", "schedule"],
    ["cron(0 24 ? * SUN *)", "schedule"],
    ["rate(5 weeks)", "scanSchedule"],
    ["sundays", "scanSchedule"],
  ])("PatchManagement refuses %s as %s with the grammar's message", (expr, field) => {
    const make = () => new PatchManagement("p", { patchGroup: "g", operatingSystems: ["UBUNTU"], [field]: expr });
    expect(make).toThrow(ArgsError);
    expect(make).toThrow(`args.${field}: got "${expr}": invalid. Fix: ${scheduleProblem(expr)}`);
  });

  test("PatchManagement accepts what the grammar accepts, and the schedules reach its window and scan", async () => {
    // Recorded under mocks until every registration settles: none outlives the suite.
    const rec = await record(
      () =>
        new PatchManagement("p", {
          patchGroup: "g",
          operatingSystems: ["UBUNTU"],
          schedule: "cron(0 3 ? * 6#3 *)",
          scanSchedule: "rate(12 hours)",
        }),
    );
    expect(rec.one("aws:ssm/maintenanceWindow:MaintenanceWindow").inputs.schedule).toBe("cron(0 3 ? * 6#3 *)");
    expect(rec.one("aws:ssm/association:Association").inputs.scheduleExpression).toBe("rate(12 hours)");
  });

  test.each(["schedule", "scanSchedule"])("patching.%s: the config error names field, value and fix", (field) => {
    const { config } = readStackFile(join(ROOT, "Pulumi.prod.yaml"));
    const patching = { ...(config["bulwark:patching"] as Record<string, unknown>), [field]: "cron(0 3 ? * SUN)" };
    expect(() => parseStackConfig({ ...config, "bulwark:patching": patching })).toThrow(ConfigError);
    expect(() => parseStackConfig({ ...config, "bulwark:patching": patching })).toThrow(
      new RegExp(
        `bulwark:patching\\.${field}: got "cron\\(0 3 \\? \\* SUN\\)": invalid\\. Fix: cron has 5 fields; SSM takes 6`,
      ),
    );
  });
});

let r: Record<string, Run>;
let midServers = 0;
beforeAll(async () => {
  const badSchedule = join(tmp, "Pulumi.badschedule.yaml");
  writeFileSync(badSchedule, prodText.replace("schedule: cron(0 2 ? * SUN *)", "schedule: every sunday at 2"));
  /** Pulumi.prod.yaml with `n` more servers; returns the file and the estate's server count. */
  const estate = (n: number, file: string): number => {
    const doc = YAML.parse(prodText) as { config: Record<string, unknown> };
    const sites = doc.config["bulwark:sites"] as { servers?: unknown[] }[];
    for (let i = 0; i < n; i++) (sites[i % sites.length].servers ??= []).push({ name: `s-${i}`, role: "app" });
    writeFileSync(file, YAML.stringify(doc));
    return sites.reduce((k, s) => k + (s.servers?.length ?? 0), 0);
  };
  const huge = join(tmp, "Pulumi.huge.yaml");
  estate(MAX_PLAN_SERVERS + 1, huge);
  // Within MAX_PLAN_SERVERS but past the smallest heap cap: the worker's out-of-memory path, reached cheaply.
  const mid = join(tmp, "Pulumi.mid.yaml");
  midServers = estate(300, mid);
  // Refused before any plan: in-process (bin/bulwark's `run`). The heap cap is the plan worker's: processes.
  r = {
    badSchedule: await inProcess(["plan", "--config-file", badSchedule]),
    huge: await inProcess(["plan", "--config-file", huge]),
  };
  Object.assign(
    r,
    await runAll({
      outOfHeap: () => bulwark(["plan", "--config-file", mid], { env: { [PLAN_HEAP_ENV]: "64" } }),
      badHeapSetting: () => bulwark(["plan", "--config-file", mid], { env: { [PLAN_HEAP_ENV]: "lots" } }),
    }),
  );
}, 300000);

test("bulwark plan: a bad schedule exits 2 naming the field, the value and the fix", () => {
  expect(r.badSchedule.code).toBe(2);
  expect(r.badSchedule.stderr).toMatch(
    /bulwark:patching\.schedule: got "every sunday at 2": invalid\. Fix: not an SSM schedule expression/,
  );
});

test("bulwark plan: an estate too big to plan exits 2 with a message, before declaring anything", () => {
  expect(r.huge.code).toBe(2);
  expect(r.huge.stderr).toMatch(
    new RegExp(`the estate declares \\d+ servers; an offline plan takes at most ${MAX_PLAN_SERVERS}.*Split the estate`),
  );
  expect(r.huge.stderr).not.toMatch(/heap out of memory|FATAL ERROR|\n\s+at /);
});

test("bulwark plan: an estate past the plan's heap cap exits 2 naming its size and the fix, never a V8 crash", () => {
  expect(r.outOfHeap.code).toBe(2); // not 134 (V8 abort) nor 1
  expect(r.outOfHeap.stderr).toMatch(
    new RegExp(
      `bulwark plan: the plan ran out of its 64 MiB heap: the estate of ${midServers} servers is too big to plan ` +
        `offline\\. Split the estate into smaller stacks .*or unset ${PLAN_HEAP_ENV} \\(default ${PLAN_HEAP_MB} MiB\\)`,
    ),
  );
  expect(r.outOfHeap.stderr).not.toMatch(/heap out of memory|FATAL ERROR|Aborted|core dumped/);
  expect(noStackTrace(r.outOfHeap)).toBe(true);
  expect(r.outOfHeap.stdout).toBe("");
});

test("bulwark plan: a heap setting that is not a number of MiB exits 2 naming the variable, value and fix", () => {
  expect(r.badHeapSetting.code).toBe(2);
  expect(r.badHeapSetting.stderr).toMatch(
    new RegExp(`${PLAN_HEAP_ENV}="lots": not a whole number of MiB from 64 to 65536\\. Fix: set e\\.g\\.`),
  );
  expect(noStackTrace(r.badHeapSetting)).toBe(true);
});
