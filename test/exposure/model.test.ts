/** The exposure model's own contract (policies/src/exposure.ts). */
import {
  carryWaivers,
  classifyPorts,
  isAnywhere,
  isInternet,
  isWithin,
  judgeExposure,
  portsOf,
  waiverPolicies,
} from "../../policies/src/exposure";
import { PolicyNames } from "../../policies/src/names";

describe(
  "isInternet: internal only when wholly inside RFC 1918, " + "fc00::/7, loopback, link-local or declared ranges",
  () => {
    it.each([
      ["10.0.0.0/8", false],
      ["172.16.0.0/12", false],
      ["192.168.3.0/24", false],
      ["127.0.0.1", false],
      ["169.254.169.254/32", false],
      ["fd12:3456::/32", false],
      ["fe80::/64", false],
      ["::1/128", false],
      ["::ffff:10.1.0.0/112", false],
      ["0.0.0.0/0", true],
      ["81.2.69.0/24", true],
      ["2a00:1450:4009::/48", true],
      ["203.0.113.0/24", true],
      ["2001:db8::/32", true],
      ["100.64.0.0/10", true],
      ["224.0.0.0/4", true],
      ["10.0.0.0/7", true],
      ["::ffff:81.2.69.0/120", true],
      ["not a cidr", true],
    ])("%s -> %s", (src, want) => expect(isInternet(src)).toBe(want));

    it("declared internal ranges count as a union", () => {
      expect(isInternet("81.2.69.0/24", ["81.2.69.0/25", "81.2.69.128/25"])).toBe(false);
      expect(isInternet("81.2.69.0/24", ["81.2.69.0/25"])).toBe(true);
    });
  },
);

describe("isAnywhere: more of the internet than a /8 (v4) or /16 (v6), taken together", () => {
  it.each([
    [["0.0.0.0/0"], true],
    [["0.0.0.0/1", "128.0.0.0/1"], true],
    [["2000::/3"], true],
    [["::ffff:0:0/96"], true],
    [["8.0.0.0/7"], true],
    [["52.0.0.0/8"], false],
    [["81.2.69.0/24"], false],
    [["10.0.0.0/8", "11.0.0.0/8"], false],
    [["11.0.0.0/8", "12.0.0.0/8"], true],
  ])("%j -> %s", (srcs, want) => expect(isAnywhere(srcs)).toBe(want));
});

describe("port classes and the waiver policy they name", () => {
  it.each([
    ["tcp", 22, 22, ["remote-admin"], [PolicyNames.sgInternetAdminIngress]],
    ["tcp", 5901, 5901, ["remote-admin"], [PolicyNames.sgInternetAdminIngress]],
    ["tcp", 3306, 3306, ["high-risk"], [PolicyNames.sgInternetAdminIngress]],
    ["tcp", 443, 443, ["web"], []],
    ["udp", 443, 443, ["web"], []],
    ["tcp", 8443, 8443, ["other"], [PolicyNames.sgInternetIngress]],
    [
      "tcp",
      20,
      25,
      ["high-risk", "other", "remote-admin"],
      [PolicyNames.sgInternetAdminIngress, PolicyNames.sgInternetIngress],
    ],
    [
      "-1",
      undefined,
      undefined,
      ["high-risk", "other", "remote-admin", "web"],
      [PolicyNames.sgInternetAdminIngress, PolicyNames.sgInternetIngress],
    ],
    ["icmp", 8, -1, [], []],
  ] as const)("%s %s-%s", (p, from, to, classes, policies) => {
    const c = classifyPorts(portsOf(p, from, to));
    expect([...c].sort()).toEqual([...classes]);
    expect(waiverPolicies(c)).toEqual(policies);
  });

  it("a network ACL is judged on SSH and RDP under its own policy name", () => {
    expect(judgeExposure("81.2.69.0/24", portsOf("tcp", 22, 22), { layer: "network-acl" }).policies).toEqual([
      PolicyNames.naclInternetAdminIngress,
    ]);
    expect(judgeExposure("81.2.69.0/24", portsOf("tcp", 3306, 3306), { layer: "network-acl" }).policies).toEqual([]);
    expect(judgeExposure("10.0.0.0/8", portsOf("tcp", 22, 22), { layer: "network-acl" }).policies).toEqual([]);
  });
});

describe("carryWaivers: one waiver reaches the same exposure on another layer, and nothing more", () => {
  const w = {
    policy: PolicyNames.sgInternetAdminIngress,
    reason: "office VPN",
    approver: "sec@example.com",
    expires: "2099-12-31",
  };
  const ssh = portsOf("tcp", 22, 22);
  it("carries the SG waiver to the NACL policy for a public SSH source", () => {
    expect(carryWaivers([w], "81.2.69.0/24", ssh, "network-acl")).toEqual([
      { ...w, policy: PolicyNames.naclInternetAdminIngress },
    ]);
  });
  it("carries nothing for a private source, a port the NACL control ignores, or an unwaived exposure", () => {
    expect(carryWaivers([w], "10.0.0.0/8", ssh, "network-acl")).toEqual([]);
    expect(carryWaivers([w], "81.2.69.0/24", portsOf("tcp", 3306, 3306), "network-acl")).toEqual([]);
    expect(carryWaivers([{ ...w, policy: PolicyNames.sgInternetIngress }], "81.2.69.0/24", ssh, "network-acl")).toEqual(
      [],
    );
  });
  it("isWithin only counts the given ranges", () => {
    expect(isWithin("10.50.1.0/24", ["10.50.0.0/16"])).toBe(true);
    expect(isWithin("10.0.0.0/8", ["10.50.0.0/16"])).toBe(false);
    expect(isWithin("10.0.0.0/8", [])).toBe(false);
  });
});
