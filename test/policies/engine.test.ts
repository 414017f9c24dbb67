/**
 * Unit tests for the pure evaluator: a compliant baseline, then one-field mutations that must each trip exactly
 * the control they break, in update (ids) and preview (unknown ids, propertyDependencies) shapes.
 */
import {
  blocks,
  evaluate,
  evaluateResource,
  evaluateResourceAll,
  policies,
  remediate,
  UNKNOWN,
  UNKNOWN_SENTINELS,
} from "../../policies/src/engine";
import { PolicyNames } from "../../policies/src/names";
import { asPreview, baseline, postmortem, res, T } from "./fixtures";
import { find, mandatory, MODES, names } from "./helpers";

describe("baseline", () => {
  it("passes every control in update shape (no finding at all)", () => {
    expect(evaluate(baseline())).toEqual([]);
  });
  it("passes in preview shape (ids unknown, links via propertyDependencies)", () => {
    const fs = evaluate(asPreview(baseline()));
    expect(mandatory(fs)).toEqual([]);
  });
});

describe("unknown values (preview)", () => {
  it("never crash any control: every leaf replaced by every unknown sentinel", () => {
    const sentinels = Object.values(UNKNOWN_SENTINELS);
    const base = baseline();
    let runs = 0;
    for (const r of base) {
      for (const key of Object.keys(r.props)) {
        for (const s of sentinels) {
          const stack = baseline();
          find(stack, r.type, r.name).props[key] = s;
          expect(() => evaluate(asPreview(stack))).not.toThrow();
          runs++;
        }
      }
    }
    expect(runs).toBeGreaterThan(500);
  });
  it("never crash any control: every nested value (leaf, object or list) replaced by every unknown sentinel", () => {
    const sentinels = Object.values(UNKNOWN_SENTINELS);
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]) => {
      if (path.length > 1) paths.push(path);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    baseline().forEach((r, i) => walk(r.props, [i]));
    for (const path of paths) {
      for (const sentinel of sentinels) {
        const stack = baseline();
        let o: Record<string | number, unknown> = stack[path[0] as number].props;
        for (const k of path.slice(1, -1)) o = o[k] as Record<string | number, unknown>;
        o[path[path.length - 1]] = sentinel;
        expect(() => evaluate(stack)).not.toThrow();
        expect(() => evaluate(asPreview(stack))).not.toThrow();
      }
    }
    expect(paths.length).toBeGreaterThan(150);
  });
  it("an unknown source is advisory, not a pass and not a block", () => {
    const s = [
      res(T.sg, "g", {
        ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [UNKNOWN], description: "d" }],
      }),
    ];
    const fs = evaluate(s);
    expect(blocks(fs)).toBe(false);
    expect(fs.some((f) => f.unknown && f.policy === PolicyNames.sgInternetAdminIngress)).toBe(true);
  });
  it("a known internet source next to an unknown one still blocks", () => {
    const s = [
      res(T.sg, "g", {
        ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [UNKNOWN, "0.0.0.0/0"], description: "d" }],
      }),
    ];
    expect(blocks(evaluate(s))).toBe(true);
  });
  it("scans adversarial user data in linear time (64 KB of repeated keywords finishes within the test timeout)", () => {
    const s = baseline();
    find(s, T.instance, "web-1").props.userData =
      "password".repeat(8192) + "\nexport DB_PASSWORD=hunter22\n" + "a".repeat(65536);
    expect(names(mandatory(evaluate(s)))).toEqual(["ec2-instance-disallow-secrets-in-user-data"]);
  });
  it("a plaintext password unknown in preview is still a password", () => {
    const s = baseline();
    find(s, T.db, "app").props.password = UNKNOWN;
    expect(names(mandatory(evaluate(asPreview(s))))).toEqual([PolicyNames.rdsManagedPassword]);
  });
});

describe("single-resource evaluation (Analyze) defers what needs links", () => {
  it("decides a local violation alone", () => {
    const r = res(T.sg, "g", {
      ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], description: "d" }],
    });
    const out = evaluateResource(PolicyNames.sgInternetAdminIngress, r);
    expect(out.deferred).toBe(false);
    expect(out.findings).toHaveLength(1);
  });
  it("defers an instance whose IMDS comes from its launch template", () => {
    const out = evaluateResource(PolicyNames.instanceImdsv2, find(baseline(), T.instance, "web-2"));
    expect(out).toEqual({ findings: [], deferred: true });
  });
  it("decides a violating rule resource that carries its own valid waiver", () => {
    const tags = {
      [`bulwark:waiver:${PolicyNames.sgInternetAdminIngress}:reason`]: "vendor support window for the migration",
      [`bulwark:waiver:${PolicyNames.sgInternetAdminIngress}:approver`]: "security@example.com",
      [`bulwark:waiver:${PolicyNames.sgInternetAdminIngress}:expires`]: "2999-12-31",
    };
    const r = res(T.ingress, "r", {
      securityGroupId: "sg-1",
      ipProtocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrIpv4: "0.0.0.0/0",
      description: "d",
      tags,
    });
    const out = evaluateResource(PolicyNames.sgInternetAdminIngress, r);
    expect(out.deferred).toBe(false);
    expect(out.findings.map((f) => [f.enforcement, f.waived?.expires])).toEqual([["advisory", "2999-12-31"]]);
  });
  it("defers a violating rule resource whose waiver may sit on its group", () => {
    const r = res(T.sgRule, "r", {
      type: "ingress",
      securityGroupId: "sg-1",
      protocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrBlocks: ["0.0.0.0/0"],
      description: "d",
    });
    expect(evaluateResource(PolicyNames.sgInternetAdminIngress, r).deferred).toBe(true);
  });
});

describe("config", () => {
  it("rejects bad values naming the field, the value and the fix", () => {
    expect(() => evaluate([], { hopLimit: 0 })).toThrow(/hopLimit = 0: .*>=1/);
    expect(() => evaluate([], { adminCidrs: ["office"] })).toThrow(/adminCidrs\.0 = "office": use a CIDR/);
    expect(() =>
      evaluate([], { waivers: [{ policy: "x", resource: "r", reason: "r", approver: "a", expires: "soon" }] }),
    ).toThrow(/waivers\.0\.policy/);
  });
  it("levels can disable or raise a control", () => {
    const s = [res(T.instance, "vm", { keyName: "ops", subnetId: "subnet-x", associatePublicIpAddress: false })];
    expect(
      evaluate(s, undefined, { levels: { "ec2-instance-disallow-key-pair": "mandatory" } }).find(
        (f) => f.policy === "ec2-instance-disallow-key-pair",
      )?.enforcement,
    ).toBe("mandatory");
    expect(
      evaluate(s, undefined, { levels: { [PolicyNames.instanceImdsv2]: "disabled" } }).some(
        (f) => f.policy === PolicyNames.instanceImdsv2,
      ),
    ).toBe(false);
  });
});

describe("remediate", () => {
  it("requires IMDSv2 and clamps the hop limit", () => {
    const out = remediate(PolicyNames.instanceImdsv2, T.instance, {
      ami: "a",
      metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 3 },
    });
    expect(out).toEqual({
      ami: "a",
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
    });
    const fixed = res(T.instance, "vm", { ...out!, subnetId: "s", associatePublicIpAddress: false });
    expect(evaluate([fixed]).some((f) => f.policy === PolicyNames.instanceImdsv2)).toBe(false);
  });
  it("turns minor upgrades and GuardDuty back on (safe fixes); nothing else is remediated", () => {
    expect(
      remediate("rds-database-disallow-disabled-minor-upgrades", T.db, {
        engine: "mysql",
        autoMinorVersionUpgrade: false,
      }),
    ).toEqual({ engine: "mysql", autoMinorVersionUpgrade: true });
    expect(remediate("guardduty-detector-require-enabled", T.detector, { enable: false })).toEqual({ enable: true });
    expect(remediate(PolicyNames.rdsPublic, T.db, { publiclyAccessible: true })).toBeUndefined();
  });
  it("leaves compliant inputs alone", () => {
    expect(
      remediate(PolicyNames.instanceImdsv2, T.instance, {
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
      }),
    ).toBeUndefined();
  });
});

describe("the postmortem server as a plain Pulumi stack", () => {
  it.each(MODES)("is blocked with one clear message per missing control (%s)", (_n, shape) => {
    const fs = evaluate(shape(postmortem()));
    expect(blocks(fs)).toBe(true);
    const count = new Map<string, number>();
    for (const f of mandatory(fs)) count.set(f.policy, (count.get(f.policy) ?? 0) + 1);
    expect(Object.fromEntries(count)).toEqual({
      [PolicyNames.sgInternetAdminIngress]: 2, // SSH and MySQL, one message each
      [PolicyNames.instancePublicIp]: 1,
      [PolicyNames.instanceImdsv2]: 1,
      [PolicyNames.instanceEncryptedVolumes]: 1,
      [PolicyNames.instanceSsmManaged]: 1,
      "ec2-instance-disallow-secrets-in-user-data": 1,
      "ec2-instance-disallow-ssh-password-auth": 1,
      "ec2-subnet-disallow-public-ip-on-launch": 1,
      "ec2-vpc-require-flow-logs": 1,
      "ec2-vpc-require-restricted-default-security-group": 1,
    });
    const baselineMsg = fs.find((f) => f.policy === "bulwark-stack-require-security-baseline");
    expect(baselineMsg?.message).toMatch(/no intrusion detection/);
    expect(
      evaluate(shape(postmortem()), undefined, {
        levels: { "bulwark-stack-require-security-baseline": "mandatory" },
      }).find((f) => f.policy === "bulwark-stack-require-security-baseline")?.enforcement,
    ).toBe("mandatory");
  });
});

describe("per-resource dispatcher (the pack's one resource policy)", () => {
  it("finds exactly what each control finds on its own, per resource, in both shapes", () => {
    for (const stack of [baseline(), postmortem(), asPreview(postmortem())]) {
      for (const r of stack) {
        const one = policies.flatMap((p) => evaluateResource(p.name, r).findings);
        expect(evaluateResourceAll(r, () => undefined)).toEqual(one);
      }
    }
  });
  it("applies each control's own config and level", () => {
    const sg = res(T.sg, "g", {
      ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["8.8.8.8/32"], description: "d" }],
    });
    expect(evaluateResourceAll(sg, () => undefined).map((f) => f.policy)).toEqual([PolicyNames.sgInternetAdminIngress]);
    expect(
      evaluateResourceAll(sg, (n) =>
        n === PolicyNames.sgInternetAdminIngress ? { adminCidrs: ["8.8.8.0/24"] } : undefined,
      ),
    ).toEqual([]);
    expect(
      evaluateResourceAll(sg, () => undefined, { levels: { [PolicyNames.sgInternetAdminIngress]: "disabled" } }),
    ).toEqual([]);
    expect(
      evaluateResourceAll(sg, () => undefined, { levels: { [PolicyNames.sgInternetAdminIngress]: "advisory" } }).map(
        (f) => f.enforcement,
      ),
    ).toEqual(["advisory"]);
  });
});
