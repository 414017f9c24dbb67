/** IAM controls (policies/src/rules/iam): administrator-equivalent access. */
import { evaluate, type PolicyInputResource } from "../../../policies/src/engine";
import { res, T } from "../fixtures";
import { mandatory, mutationSuite, names, type Mutation } from "../helpers";

const m: Mutation[] = [
  { what: "AdministratorAccess on a role", type: T.rpa, name: "server-ssm", change: (_p, s) => s.push(res(T.rpa, "admin", { role: "server-role", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" })), expect: ["iam-principal-disallow-admin-access"], on: [T.rpa, "admin"] },
  { what: "*:* inline policy", type: T.role, name: "server", change: (_p, s) => s.push(res(T.rolePolicy, "star", { role: "server-role", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["*"], Resource: "*" }] }) })), expect: ["iam-principal-disallow-admin-access"], on: [T.rolePolicy, "star"] },
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
    ["a scoped action on NotResource", { Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::audit/*" }],
  ])("passes %s", (_n, st) => {
    expect(mandatory(evaluate([policy(st)]))).toEqual([]);
  });
});
