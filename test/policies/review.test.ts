/**
 * Regression tests from the policy review: each case pairs a compliant resource with a one-field mutation that
 * must flip the verdict (false negatives and false positives found by probing `evaluate`).
 */
import { evaluate, type Finding, type PolicyInputResource } from "../../policies/src/engine";
import { PolicyNames } from "../../policies/src/names";
import { baseline, res, T } from "./fixtures";

const mandatory = (fs: Finding[]) => fs.filter((f) => f.enforcement === "mandatory");
const names = (fs: Finding[]) => [...new Set(fs.map((f) => f.policy))].sort();
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

describe("instances on an existing network interface", () => {
  const web = (s: PolicyInputResource[]) => {
    const i = s.find((x) => x.type === T.instance && x.name === "web-1")!;
    delete i.props.subnetId;
    delete i.props.associatePublicIpAddress;
    return i;
  };
  it.each([
    ["primaryNetworkInterface", { primaryNetworkInterface: { networkInterfaceId: "eni-0123" } }],
    ["networkInterfaces", { networkInterfaces: [{ networkInterfaceId: "eni-0123", deviceIndex: 0 }] }],
  ])("get no auto-assigned public IP (%s), so no default-VPC finding", (_n, extra) => {
    const s = baseline();
    Object.assign(web(s).props, extra);
    expect(mandatory(evaluate(s))).toEqual([]);
  });
  it("an empty interface list still launches into the default VPC", () => {
    const s = baseline();
    web(s).props.networkInterfaces = [];
    expect(names(mandatory(evaluate(s)))).toEqual([PolicyNames.instancePublicIp]);
  });
});
