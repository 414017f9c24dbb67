/** Issue 11 item 3: remote-admin ports only from security groups, prefix lists or adminCidrs (unit, in-process). */
import { evaluate } from "../../policies/src/engine";
import { PolicyNames } from "../../policies/src/names";
import {
  checkRule,
  metadata,
} from "../../policies/src/rules/network/ec2-security-group-disallow-lateral-admin-ingress";
import { rulesOf, SG_TYPES } from "../../policies/src/net";
import { asPreview, baseline, res, T } from "./fixtures";

const LATERAL = PolicyNames.sgLateralAdminIngress;
const blocked = (stack: ReturnType<typeof res>[], cfg?: unknown) =>
  evaluate(stack, cfg).filter((f) => f.policy === LATERAL && f.enforcement === "mandatory" && !f.unknown);
const inline = (rule: Record<string, unknown>) => res(T.sg, "g", { ingress: [{ description: "d", ...rule }] });
const vpcRule = (rule: Record<string, unknown>) =>
  res(T.ingress, "r", { securityGroupId: "sg-1", description: "d", ...rule });

describe(LATERAL, () => {
  it("is named by the convention and mandatory", () => {
    expect(metadata.name).toMatch(/^ec2-security-group-disallow-[a-z-]+$/);
    expect(metadata.enforcement).toBe("mandatory");
  });

  it.each([
    ["SSH from 10.0.0.0/8", inline({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"] })],
    ["RDP from 172.16.0.0/12", vpcRule({ ipProtocol: "tcp", fromPort: 3389, toPort: 3389, cidrIpv4: "172.16.0.0/12" })],
    [
      "WinRM 5985-5986 from a /24",
      vpcRule({ ipProtocol: "tcp", fromPort: 5985, toPort: 5986, cidrIpv4: "10.1.2.0/24" }),
    ],
    ["VNC 5901 from ULA", vpcRule({ ipProtocol: "tcp", fromPort: 5900, toPort: 5903, cidrIpv6: "fd00::/8" })],
    ["telnet from one host", inline({ protocol: "tcp", fromPort: 23, toPort: 23, cidrBlocks: ["192.168.1.5/32"] })],
    ["all traffic from the VPC", inline({ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/16"] })],
    [
      "a range 20-30 from the VPC",
      res(T.sgRule, "r", {
        type: "ingress",
        securityGroupId: "sg-1",
        protocol: "tcp",
        fromPort: 20,
        toPort: 30,
        cidrBlocks: ["10.0.0.0/16"],
        description: "d",
      }),
    ],
  ])("%s blocks", (_n, r) => {
    expect(blocked([r]).map((f) => f.policy)).toEqual([LATERAL]);
  });

  it.each([
    [
      "SSH from a security group",
      inline({ protocol: "tcp", fromPort: 22, toPort: 22, securityGroups: ["sg-bastion"] }),
    ],
    ["SSH from self", inline({ protocol: "tcp", fromPort: 22, toPort: 22, self: true })],
    ["SSH from a prefix list", vpcRule({ ipProtocol: "tcp", fromPort: 22, toPort: 22, prefixListId: "pl-123" })],
    [
      "MySQL from a private subnet",
      vpcRule({ ipProtocol: "tcp", fromPort: 3306, toPort: 3306, cidrIpv4: "10.0.1.0/24" }),
    ],
    [
      "the app port from the VPC",
      inline({ protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["10.0.0.0/16"] }),
    ],
    ["HTTPS from the internet", inline({ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] })],
    [
      "SSH egress to the VPC",
      res(T.egress, "e", {
        securityGroupId: "sg-1",
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrIpv4: "10.0.0.0/16",
        description: "d",
      }),
    ],
  ])("%s passes", (_n, r) => {
    expect(blocked([r])).toEqual([]);
  });

  it("internet sources are the internet-admin control's: one message per control", () => {
    const fs = evaluate([
      inline({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["81.2.69.0/24", "10.0.0.0/8"] }),
    ]).filter((f) => f.enforcement === "mandatory");
    expect(fs.map((f) => f.policy).sort()).toEqual([PolicyNames.sgInternetAdminIngress, LATERAL].sort());
    expect(fs.find((f) => f.policy === LATERAL)!.message).toMatch(/10\.0\.0\.0\/8/);
    expect(fs.find((f) => f.policy === LATERAL)!.message).not.toMatch(/81\.2\.69/);
  });

  it("sources wholly inside adminCidrs pass; wider ones still block", () => {
    const cfg = { adminCidrs: ["10.50.0.0/16"] };
    expect(blocked([inline({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.50.3.0/24"] })], cfg)).toEqual(
      [],
    );
    expect(
      blocked([inline({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.50.0.0/15"] })], cfg),
    ).toHaveLength(1);
  });

  it("remoteAdminPorts is configurable (the exposure model's list)", () => {
    const r = inline({ protocol: "tcp", fromPort: 2222, toPort: 2222, cidrBlocks: ["10.0.0.0/8"] });
    expect(blocked([r])).toEqual([]);
    expect(blocked([r], { remoteAdminPorts: [2222] })).toHaveLength(1);
  });

  it("an unknown source is advisory in preview, decided at update", () => {
    const r = inline({
      protocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrBlocks: ["04da6b54-80e4-46f7-96ec-b56ff0331ba9"],
    });
    const fs = evaluate(asPreview([r])).filter((f) => f.policy === LATERAL);
    expect(fs.length).toBeGreaterThan(0);
    expect(fs.every((f) => f.enforcement === "advisory")).toBe(true);
  });

  it("the pure check judges one normalised rule", () => {
    const [rule] = rulesOf(SG_TYPES.ingress, { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.0.0.0/8" });
    const v = checkRule(rule, { remoteAdminPorts: [22], adminCidrs: [], internalCidrs: [] });
    expect(v.fail).toHaveLength(1);
    expect(checkRule(rule, { remoteAdminPorts: [22], adminCidrs: ["10.0.0.0/8"], internalCidrs: [] }).fail).toEqual([]);
  });

  it("the compliant baseline passes in update and preview shape", () => {
    expect(blocked(baseline())).toEqual([]);
    expect(blocked(asPreview(baseline()))).toEqual([]);
  });
});
