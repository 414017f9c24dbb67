/** Governance controls (policies/src/rules/governance): waivers, the security baseline. */
import { evaluate, blocks } from "../../../policies/src/engine";
import { PolicyNames } from "../../../policies/src/names";
import { res, T } from "../fixtures";
import { mandatory, names } from "../helpers";

describe("waivers", () => {
  const today = new Date("2026-06-01T12:00:00Z");
  const openSsh = (tags?: Record<string, string>) => [
    res(T.sg, "bastion", {
      tags,
      ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], description: "d" }],
    }),
  ];
  const w = (policy: string, expires: string) => ({
    [`bulwark:waiver:${policy}:reason`]: "temporary vendor access during migration",
    [`bulwark:waiver:${policy}:approver`]: "security@example.com",
    [`bulwark:waiver:${policy}:expires`]: expires,
  });
  it("a tag waiver downgrades the finding to advisory and reports reason and expiry", () => {
    const fs = evaluate(openSsh(w(PolicyNames.sgInternetAdminIngress, "2026-12-31")), undefined, { today });
    expect(blocks(fs)).toBe(false);
    const f = fs.find((x) => x.policy === PolicyNames.sgInternetAdminIngress)!;
    expect(f.waived).toEqual({
      reason: "temporary vendor access during migration",
      approver: "security@example.com",
      expires: "2026-12-31",
    });
    expect(f.message).toContain("until 2026-12-31");
  });
  it("a config waiver by logical name does the same; another resource stays blocked", () => {
    const cfg = {
      waivers: [
        {
          policy: PolicyNames.sgInternetAdminIngress,
          resource: "bastion",
          reason: "temporary vendor access during migration",
          approver: "sec@example.com",
          expires: "2026-12-31",
        },
      ],
    };
    expect(blocks(evaluate(openSsh(), cfg, { today }))).toBe(false);
    const other = [
      res(T.sg, "other", {
        ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], description: "d" }],
      }),
    ];
    expect(blocks(evaluate(other, cfg, { today }))).toBe(true);
  });
  it("a waiver on a group covers its rule resources", () => {
    const s = [
      res(T.sg, "bastion", { id: "sg-b", tags: w(PolicyNames.sgInternetAdminIngress, "2026-12-31") }),
      res(T.sgRule, "ssh", {
        type: "ingress",
        securityGroupId: "sg-b",
        protocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrBlocks: ["0.0.0.0/0"],
        description: "d",
      }),
    ];
    expect(blocks(evaluate(s, undefined, { today }))).toBe(false);
  });
  it("an expired waiver blocks, with its own message too", () => {
    const fs = evaluate(openSsh(w(PolicyNames.sgInternetAdminIngress, "2026-05-31")), undefined, { today });
    expect(names(mandatory(fs))).toEqual([
      "bulwark-waiver-disallow-expired-or-incomplete",
      PolicyNames.sgInternetAdminIngress,
    ]);
    expect(fs.find((f) => f.policy === PolicyNames.sgInternetAdminIngress)!.message).toContain("expired on 2026-05-31");
  });
  it("an incomplete waiver blocks", () => {
    const tags = w(PolicyNames.sgInternetAdminIngress, "2026-12-31");
    delete tags[`bulwark:waiver:${PolicyNames.sgInternetAdminIngress}:approver`];
    const fs = evaluate(openSsh(tags), undefined, { today });
    expect(names(mandatory(fs))).toEqual([
      "bulwark-waiver-disallow-expired-or-incomplete",
      PolicyNames.sgInternetAdminIngress,
    ]);
  });
  it.each(["2026-02-30", "2026-13-01", "2026-12-32"])(
    "a waiver expiring on an impossible date (%s) blocks as malformed",
    (expires) => {
      const fs = evaluate(openSsh(w(PolicyNames.sgInternetAdminIngress, expires)), undefined, { today });
      expect(names(mandatory(fs))).toEqual([
        "bulwark-waiver-disallow-expired-or-incomplete",
        PolicyNames.sgInternetAdminIngress,
      ]);
      expect(fs.find((f) => f.policy === "bulwark-waiver-disallow-expired-or-incomplete")!.message).toContain(
        "real calendar date",
      );
    },
  );
  it("a waiver for another policy does not waive", () => {
    expect(blocks(evaluate(openSsh(w(PolicyNames.rdsPublic, "2026-12-31")), undefined, { today }))).toBe(true);
  });
});

describe("security baseline", () => {
  it("a stack with servers but no SecurityBaseline gets an advisory stack finding; with one, none", () => {
    const server = res(T.instance, "web", { ami: "ami-1", instanceType: "t3.micro" });
    const f = evaluate([server]).filter((x) => x.policy === PolicyNames.stackSecurityBaseline);
    expect(f).toHaveLength(1);
    expect(f[0].enforcement).toBe("advisory");
    expect(f[0].urn).toBeUndefined();
    expect(f[0].message).toMatch(/1 server resource\(s\) but no SecurityBaseline/);
    const withBaseline = [server, res("bulwark:security:SecurityBaseline", "baseline", {})];
    expect(evaluate(withBaseline).filter((x) => x.policy === PolicyNames.stackSecurityBaseline)).toEqual([]);
  });
});
