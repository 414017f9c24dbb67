/** Secrets controls (policies/src/rules/secrets): rotation, customer-managed keys. */
import {
  evaluate,
  evaluateResource,
  UNKNOWN,
  type Finding,
  type PolicyInputResource,
} from "../../../policies/src/engine";
import { cronLongestGap, rotationPeriod } from "../../../policies/src/lib/schedule";
import { PolicyNames } from "../../../policies/src/names";
import { baseline, res, T, urnOf } from "../fixtures";
import { find, mandatory, MODES, mutationSuite, type Mutation } from "../helpers";

const m: Mutation[] = [
  {
    what: "secret without rotation",
    type: T.rotation,
    name: "api-key",
    change: (p) => (p.secretId = "arn:other"),
    expect: [PolicyNames.secretRotation],
    on: [T.secret, "api-key"],
  },
  {
    what: "rotation every 120 days",
    type: T.rotation,
    name: "api-key",
    change: (p) => (p.rotationRules = { automaticallyAfterDays: 120 }),
    expect: [PolicyNames.secretRotation],
    on: [T.secret, "api-key"],
  },
  {
    what: "rotation every 91 days",
    type: T.rotation,
    name: "api-key",
    change: (p) => (p.rotationRules = { automaticallyAfterDays: 91 }),
    expect: [PolicyNames.secretRotation],
    on: [T.secret, "api-key"],
  },
  {
    what: "rotation rate(180 days)",
    type: T.rotation,
    name: "api-key",
    change: (p) => (p.rotationRules = { scheduleExpression: "rate(180 days)" }),
    expect: [PolicyNames.secretRotation],
    on: [T.secret, "api-key"],
  },
  {
    what: "rotation cron every fourth month",
    type: T.rotation,
    name: "api-key",
    change: (p) => (p.rotationRules = { scheduleExpression: "cron(0 4 1 1/4 ? *)" }),
    expect: [PolicyNames.secretRotation],
    on: [T.secret, "api-key"],
  },
  {
    what: "rotation with an unreadable schedule",
    type: T.rotation,
    name: "api-key",
    change: (p) => (p.rotationRules = { scheduleExpression: "every quarter" }),
    expect: [PolicyNames.secretRotation],
    on: [T.rotation, "api-key"],
  },
];

mutationSuite(m);

const rotation = (
  rules: unknown,
  secretId: unknown = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:vendor-AbCd",
): PolicyInputResource =>
  res(T.rotation, "vendor", {
    secretId,
    rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:rotate",
    rotationRules: rules,
  });
const verdict = (fs: Finding[]) =>
  fs.filter((f) => f.policy === PolicyNames.secretRotation).map((f) => [f.enforcement, f.name, f.message]);

describe("rotation period", () => {
  it.each([
    [{ automaticallyAfterDays: 90 }, 90],
    [{ automaticallyAfterDays: 91 }, 91],
    [{ scheduleExpression: "rate(180 days)" }, 180],
    [{ scheduleExpression: "rate(1 day)" }, 1],
    [{ scheduleExpression: "rate(12 hours)" }, 0.5],
    [{ scheduleExpression: "rate(2160 hours)" }, 90],
    [{ scheduleExpression: "cron(0 16 1,15 * ? *)" }, 17],
    [{ scheduleExpression: "cron(0 4 ? * MON *)" }, 7],
    [{ scheduleExpression: "cron(0 4 ? * 2#1 *)" }, 35],
    [{ scheduleExpression: "cron(0 4 L * ? *)" }, 31],
    [{ scheduleExpression: "cron(0 0 1 1/3 ? *)" }, 92],
    [{ scheduleExpression: "cron(0 0 1 JAN,JUL ? *)" }, 184],
    [{ scheduleExpression: "cron(0 0 1 1 ? *)" }, 366],
    [{ automaticallyAfterDays: 30, scheduleExpression: "rate(120 days)" }, 120],
    [{}, Infinity],
  ])("%j → %s days", (rules, days) => {
    expect(rotationPeriod(rules)).toBe(days);
  });
  it("unknown values are unknown, unreadable schedules say why", () => {
    expect(rotationPeriod({ automaticallyAfterDays: UNKNOWN })).toBe("unknown");
    expect(rotationPeriod({ scheduleExpression: UNKNOWN })).toBe("unknown");
    expect(rotationPeriod(UNKNOWN)).toBe("unknown");
    expect(rotationPeriod({ scheduleExpression: "rate(3 weeks)" })).toEqual({
      invalid: expect.stringMatching(/neither rate/),
    });
    expect(cronLongestGap("0 4 * * * *")).toEqual({ invalid: expect.stringMatching(/six-field/) });
    expect(cronLongestGap("0 4 1 13 ? *")).toEqual({ invalid: expect.any(String) });
  });
  it("a cron limited to some years stops rotating", () => {
    expect(cronLongestGap("0 4 1 * ? 2025")).toBeGreaterThan(1000);
    expect(cronLongestGap("0 4 31 2 ? *")).toBe(Infinity);
  });
});

describe("SecretRotation judged on its own (the secret lives elsewhere)", () => {
  it("blocks a period beyond rotationDays, passes one within, in update and preview", () => {
    for (const [, shape] of MODES) {
      expect(verdict(evaluate(shape([rotation({ automaticallyAfterDays: 91 })])))).toEqual([
        ["mandatory", "vendor", "rotationRules: rotates every 91 days (maximum 90)"],
      ]);
      expect(verdict(evaluate(shape([rotation({ scheduleExpression: "rate(180 days)" })])))).toEqual([
        ["mandatory", "vendor", "rotationRules: rotates every 180 days (maximum 90)"],
      ]);
      expect(verdict(evaluate(shape([rotation({ scheduleExpression: "rate(2184 hours)" })])))).toEqual([
        ["mandatory", "vendor", "rotationRules: rotates every 91 days (maximum 90)"],
      ]);
      expect(verdict(evaluate(shape([rotation({ automaticallyAfterDays: 90 })])))).toEqual([]);
      expect(verdict(evaluate(shape([rotation({ scheduleExpression: "cron(0 4 ? * SUN#1 *)" })])))).toEqual([]);
    }
  });
  it("an unknown period is advisory in preview and decided at update", () => {
    const preview = verdict(evaluate([rotation({ automaticallyAfterDays: UNKNOWN })]));
    expect(preview).toEqual([["advisory", "vendor", expect.stringMatching(/unknown during preview/)]]);
    expect(verdict(evaluate([rotation({ automaticallyAfterDays: 120 })]))[0][0]).toBe("mandatory");
  });
  it("the configured rotationDays applies", () => {
    expect(verdict(evaluate([rotation({ automaticallyAfterDays: 30 })], { rotationDays: 14 }))).toEqual([
      ["mandatory", "vendor", "rotationRules: rotates every 30 days (maximum 14)"],
    ]);
  });
  it(
    "Analyze defers the rotation to the stack (its secret may be in the stack), an unknown period is reported " +
      "at once (advisory)",
    () => {
      expect(evaluateResource(PolicyNames.secretRotation, rotation({ automaticallyAfterDays: 91 }))).toEqual({
        findings: [],
        deferred: true,
      });
      const unknown = evaluateResource(PolicyNames.secretRotation, rotation({ automaticallyAfterDays: UNKNOWN }));
      expect(unknown.deferred).toBe(false);
      expect(unknown.findings.map((f) => [f.enforcement, f.unknown])).toEqual([["advisory", true]]);
    },
  );
  it("with its secret in the stack, a long period is reported once, on the secret", () => {
    const s = baseline();
    find(s, T.rotation, "api-key").props.rotationRules = { automaticallyAfterDays: 91 };
    const fs = mandatory(evaluate(s)).filter((f) => f.policy === PolicyNames.secretRotation);
    expect(fs.map((f) => f.urn)).toEqual([urnOf(T.secret, "api-key")]);
  });
});
