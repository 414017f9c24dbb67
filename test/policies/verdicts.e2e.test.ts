/**
 * End-to-end for issue 11's verdicts through the built pack (run-policy-pack, gRPC), in preview and update modes:
 * Secrets Manager rotation periods, EBS encryption by default, iam:* on *, PowerUserAccess, and a component's
 * switch waiver seen as a waiver tag.
 */
import type { AnalyzerDiagnostic } from "../../cli/analyzer";
import { UNKNOWN, type PolicyInputResource } from "../../policies/src/engine";
import { PolicyNames } from "../../policies/src/names";
import { waiverTags } from "../../policies/src/waiver";
import { run } from "./e2e";
import { res, T } from "./fixtures";
import { MODES, startPack } from "./helpers";

jest.setTimeout(120_000);

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:vendor-AbCd";
const rotation = (name: string, rules: unknown) =>
  res(T.rotation, name, {
    secretId: SECRET_ARN,
    rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:rotate",
    rotationRules: rules,
  });
const policy = (name: string, st: Record<string, unknown>) =>
  res("aws:iam/policy:Policy", name, { policy: JSON.stringify({ Version: "2012-10-17", Statement: [st] }) });
const verdicts = (ds: AnalyzerDiagnostic[], policyName: string) =>
  ds
    .filter((d) => d.policyName === policyName)
    .map((d) => [d.urn.split("::").pop(), d.enforcementLevel])
    .sort();

const cases: PolicyInputResource[] = [
  rotation("after-91", { automaticallyAfterDays: 91 }),
  rotation("rate-180", { scheduleExpression: "rate(180 days)" }),
  rotation("cron-quarterly", { scheduleExpression: "cron(0 4 1 1/4 ? *)" }),
  rotation("after-30", { automaticallyAfterDays: 30 }),
  rotation("cron-weekly", { scheduleExpression: "cron(0 4 ? * MON *)" }),
  res(T.ebsDefault, "ebs-off", { enabled: false }),
  res(T.ebsDefault, "ebs-on", { enabled: true }),
  policy("iam-star", { Effect: "Allow", Action: "iam:*", Resource: "*" }),
  policy("iam-read", { Effect: "Allow", Action: "iam:Get*", Resource: "*" }),
  res(T.rpa, "power-user", { role: "ops", policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" }),
];

describe.each(MODES)("new verdicts through the pack (%s)", (mode, shape) => {
  const c = startPack({ mode }, {});

  it("rotation beyond 90 days blocks (automaticallyAfterDays, rate, cron's longest gap); within passes", async () => {
    const out = await run(c(), shape(cases));
    const all = [...out.analyze, ...out.stack];
    expect(verdicts(all, PolicyNames.secretRotation)).toEqual([
      ["after-91", "mandatory"],
      ["cron-quarterly", "mandatory"],
      ["rate-180", "mandatory"],
    ]);
    expect(all.find((d) => d.urn.endsWith("rate-180"))!.message).toMatch(/rotates every 180 days \(maximum 90\)/);
  });

  it("EBS encryption by default off blocks at Analyze; on passes", async () => {
    const out = await run(c(), shape(cases));
    expect(verdicts(out.analyze, PolicyNames.ebsEncryptionByDefault)).toEqual([["ebs-off", "mandatory"]]);
    expect(verdicts(out.stack, PolicyNames.ebsEncryptionByDefault)).toEqual([]);
  });

  it("iam:* on * blocks as administrator-equivalent; PowerUserAccess is advisory", async () => {
    const out = await run(c(), shape(cases));
    const all = [...out.analyze, ...out.stack];
    expect(verdicts(all, PolicyNames.iamAdminAccess)).toEqual([["iam-star", "mandatory"]]);
    expect(all.find((d) => d.policyName === PolicyNames.iamAdminAccess)!.message).toMatch(
      /allows "iam:\*" on "\*" \(administrator-equivalent/,
    );
    expect(verdicts(all, PolicyNames.iamPowerUserAccess)).toEqual([["power-user", "advisory"]]);
  });

  it("a component's switch waiver (a waiver tag) is seen: the finding names who waived it and until when", async () => {
    const tags = waiverTags([
      {
        policy: PolicyNames.instanceDetailedMonitoring,
        reason: "cost review for the dev estate",
        approver: "security@example.com",
        expires: "2999-12-31",
      },
    ]);
    const i = res(T.instance, "quiet", { ami: "ami-1", instanceType: "t3.micro", monitoring: false, tags });
    const out = await run(c(), shape([i]));
    const d = [...out.analyze, ...out.stack].find((x) => x.policyName === PolicyNames.instanceDetailedMonitoring)!;
    expect(d.enforcementLevel).toBe("advisory");
    expect(d.message).toMatch(/waived by security@example.com until 2999-12-31/);
  });

  if (mode === "preview") {
    it("an unknown rotation period or EBS flag is advisory in preview, never a block", async () => {
      const out = await run(c(), [
        rotation("unknown", { automaticallyAfterDays: UNKNOWN }),
        res(T.ebsDefault, "ebs-unknown", { enabled: UNKNOWN }),
      ]);
      const all = [...out.analyze, ...out.stack];
      expect(verdicts(all, PolicyNames.secretRotation)).toEqual([["unknown", "advisory"]]);
      expect(verdicts(all, PolicyNames.ebsEncryptionByDefault)).toEqual([["ebs-unknown", "advisory"]]);
    });
  } else {
    it("at update the same rotation, now known, is decided", async () => {
      const out = await run(c(), [rotation("known", { automaticallyAfterDays: 120 })]);
      expect(verdicts([...out.analyze, ...out.stack], PolicyNames.secretRotation)).toEqual([["known", "mandatory"]]);
    });
  }
});
