/**
 * Issue 10 items 4 and 5: SSM schedule grammar (each bad schedule names field, value and fix, exit 2 from the CLI)
 * and an estate too big to plan (exit 2 with a message, never a V8 crash).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as YAML from "yaml";
import { ConfigError, parseStackConfig } from "../../components/config";
import { scheduleProblem } from "../../components/patching/ssm-schedule";
import { readStackFile } from "../../cli/plan-runner";
import { MAX_PLAN_SERVERS } from "../../cli/plan-limits";
import { bulwark, ROOT, runAll, type Run } from "./run-cli";

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
beforeAll(async () => {
  const badSchedule = join(tmp, "Pulumi.badschedule.yaml");
  writeFileSync(badSchedule, prodText.replace("schedule: cron(0 2 ? * SUN *)", "schedule: every sunday at 2"));
  const doc = YAML.parse(prodText) as { config: Record<string, unknown> };
  const sites = doc.config["bulwark:sites"] as { servers?: unknown[] }[];
  for (let i = 0; i <= MAX_PLAN_SERVERS; i++)
    (sites[i % sites.length].servers ??= []).push({ name: `s-${i}`, role: "app" });
  const huge = join(tmp, "Pulumi.huge.yaml");
  writeFileSync(huge, YAML.stringify(doc));
  r = await runAll({
    badSchedule: () => bulwark(["plan", "--config-file", badSchedule]),
    huge: () => bulwark(["plan", "--config-file", huge]),
  });
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
