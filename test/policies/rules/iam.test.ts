/** IAM controls (policies/src/rules/iam): administrator-equivalent access, PowerUserAccess. */
import { evaluate, evaluateResource, UNKNOWN, type PolicyInputResource } from "../../../policies/src/engine";
import { PolicyNames } from "../../../policies/src/names";
import { res, T } from "../fixtures";
import { mandatory, mutationSuite, names, type Mutation } from "../helpers";

const m: Mutation[] = [
  {
    what: "AdministratorAccess on a role",
    type: T.rpa,
    name: "server-ssm",
    change: (_p, s) =>
      s.push(res(T.rpa, "admin", { role: "server-role", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" })),
    expect: ["iam-principal-disallow-admin-access"],
    on: [T.rpa, "admin"],
  },
  {
    what: "*:* inline policy",
    type: T.role,
    name: "server",
    change: (_p, s) =>
      s.push(
        res(T.rolePolicy, "star", {
          role: "server-role",
          policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["*"], Resource: "*" }],
          }),
        }),
      ),
    expect: ["iam-principal-disallow-admin-access"],
    on: [T.rolePolicy, "star"],
  },
  {
    what: "iam:* on * in an inline policy",
    type: T.role,
    name: "server",
    change: (_p, s) =>
      s.push(
        res(T.rolePolicy, "iam-star", {
          role: "server-role",
          policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "iam:*", Resource: "*" }],
          }),
        }),
      ),
    expect: ["iam-principal-disallow-admin-access"],
    on: [T.rolePolicy, "iam-star"],
  },
  {
    what: "a customer policy with iam:* attached by ARN",
    type: T.rpa,
    name: "server-ssm",
    change: (_p, s) =>
      s.push(
        res("aws:iam/policy:Policy", "iam-all", {
          arn: "arn:aws:iam::123456789012:policy/iam-all",
          policy: JSON.stringify({
            Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "IAM:*"], Resource: ["*"] }],
          }),
        }),
        res(T.rpa, "iam-all", { role: "server-role", policyArn: "arn:aws:iam::123456789012:policy/iam-all" }),
      ),
    expect: ["iam-principal-disallow-admin-access"],
    on: ["aws:iam/policy:Policy", "iam-all"],
  },
];

mutationSuite(m);

const ADMIN = "iam-principal-disallow-admin-access";

describe("IAM admin-equivalent documents", () => {
  const policy = (st: Record<string, unknown>): PolicyInputResource =>
    res("aws:iam/policy:Policy", "p", { policy: JSON.stringify({ Version: "2012-10-17", Statement: [st] }) });
  it.each([
    ["Allow NotAction on every resource", { Effect: "Allow", NotAction: "iam:PassRole", Resource: "*" }],
    ["Allow NotAction (list) on every resource", { Effect: "Allow", NotAction: ["s3:DeleteBucket"], Resource: ["*"] }],
    ["Allow every action on NotResource", { Effect: "Allow", Action: "*", NotResource: "arn:aws:s3:::audit" }],
  ])("blocks %s", (_n, st) => {
    expect(names(mandatory(evaluate([policy(st)])))).toEqual([ADMIN]);
  });
  it.each([
    ["NotAction on one bucket", { Effect: "Allow", NotAction: "s3:DeleteBucket", Resource: "arn:aws:s3:::data/*" }],
    ["NotAction excluding everything", { Effect: "Allow", NotAction: "*", Resource: "*" }],
    ["Deny NotAction", { Effect: "Deny", NotAction: "s3:GetObject", Resource: "*" }],
    [
      "a scoped action on NotResource",
      { Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::audit/*" },
    ],
  ])("passes %s", (_n, st) => {
    expect(mandatory(evaluate([policy(st)]))).toEqual([]);
  });
});

describe("iam:* on * is administrator-equivalent", () => {
  const doc = (st: Record<string, unknown>) =>
    res("aws:iam/policy:Policy", "p", { policy: JSON.stringify({ Version: "2012-10-17", Statement: [st] }) });
  it.each([
    ["iam:* on *", { Effect: "Allow", Action: "iam:*", Resource: "*" }],
    ["IAM:* (any case) in a list on *", { Effect: "Allow", Action: ["ec2:Describe*", "IAM:*"], Resource: ["*"] }],
    ["* on *", { Effect: "Allow", Action: "*", Resource: "*" }],
  ])("blocks %s, at Analyze, with a message naming the grant", (_n, st) => {
    const out = evaluateResource(ADMIN, doc(st));
    expect(out.deferred).toBe(false);
    expect(out.findings.map((f) => f.enforcement)).toEqual(["mandatory"]);
    expect(out.findings[0].message).toMatch(/allows "(\*|iam:\*)" on "\*"/);
  });
  it.each([
    ["iam:* on one role", { Effect: "Allow", Action: "iam:*", Resource: "arn:aws:iam::123456789012:role/app" }],
    ["iam:Get* on *", { Effect: "Allow", Action: "iam:Get*", Resource: "*" }],
    ["Deny iam:* on *", { Effect: "Deny", Action: "iam:*", Resource: "*" }],
  ])("passes %s", (_n, st) => {
    expect(mandatory(evaluate([doc(st)]))).toEqual([]);
  });
  it("an unknown document is advisory in preview", () => {
    expect(
      evaluate([res("aws:iam/policy:Policy", "p", { policy: UNKNOWN })]).map((f) => [f.policy, f.enforcement]),
    ).toEqual([[ADMIN, "advisory"]]);
  });
});

describe("PowerUserAccess is advisory", () => {
  const POWER = "arn:aws:iam::aws:policy/PowerUserAccess";
  it.each([
    ["a role attachment", res(T.rpa, "pu", { role: "server-role", policyArn: POWER })],
    [
      "a user attachment",
      res("aws:iam/userPolicyAttachment:UserPolicyAttachment", "pu", { user: "ops", policyArn: POWER }),
    ],
    ["a role's managedPolicyArns", res(T.role, "pu", { assumeRolePolicy: "{}", managedPolicyArns: [POWER] })],
    [
      "an exclusive attachment set",
      res("aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive", "pu", {
        groupName: "ops",
        policyArns: [POWER],
      }),
    ],
  ])("on %s: one advisory finding, nothing mandatory", (_n, r) => {
    const fs = evaluate([r]);
    expect(fs.map((f) => [f.policy, f.enforcement])).toEqual([[PolicyNames.iamPowerUserAccess, "advisory"]]);
    expect(fs[0].message).toMatch(/attaches PowerUserAccess/);
  });
  it("a level override can make it mandatory", () => {
    const fs = evaluate([res(T.rpa, "pu", { role: "r", policyArn: POWER })], undefined, {
      levels: { [PolicyNames.iamPowerUserAccess]: "mandatory" },
    });
    expect(mandatory(fs).map((f) => f.policy)).toEqual([PolicyNames.iamPowerUserAccess]);
  });
});
