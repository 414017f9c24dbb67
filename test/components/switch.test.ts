/** Hardening switches: on by default, off only with a waiver, which servers carry as a waiver tag the pack reads. */
import { Bastion } from "../../components/access/bastion";
import { parseStackConfig } from "../../components/config";
import { estateSwitchWaivers, isOn, switchField, switchWaiver } from "../../components/switch";
import { PolicyNames, SwitchWaiverNames } from "../../policies/src/names";
import type { PlannedResource } from "../../cli/plan-runner";
import { evaluate } from "../../policies/src/engine";
import { BASTION_ARGS } from "./fixtures/bastion";
import { smallConfig } from "./fixtures/estate";
import { record, T } from "./harness";

const WAIVER = {
  reason: "a reason of ten or more characters",
  approver: "security@example.com",
  expires: "2999-12-31",
};

describe("switchField", () => {
  const f = switchField("detailedMonitoring");
  it("true, {enabled: true} and the default keep it on", () => {
    expect(f.parse(true)).toBe(true);
    expect(f.parse({ enabled: true })).toBe(true);
    expect(isOn(undefined)).toBe(true);
    expect(isOn(undefined, false)).toBe(false);
  });
  it("a bare false is refused, naming the fix", () => {
    const r = f.safeParse(false);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/needs a waiver.*enabled: false, waiver/);
    expect(f.safeParse({ enabled: false }).success).toBe(false);
    expect(f.safeParse({ enabled: false, waiver: { ...WAIVER, reason: "short" } }).success).toBe(false);
  });
  it("{enabled: false, waiver} turns it off and yields the waiver under the policy", () => {
    const off = f.parse({ enabled: false, waiver: WAIVER });
    expect(isOn(off)).toBe(false);
    expect(switchWaiver(off, PolicyNames.instanceDetailedMonitoring)).toEqual([
      { policy: PolicyNames.instanceDetailedMonitoring, ...WAIVER },
    ]);
    expect(switchWaiver(true, PolicyNames.instanceDetailedMonitoring)).toEqual([]);
  });
});

describe("stack config switches", () => {
  const parse = (extra: Record<string, unknown>) => parseStackConfig({ ...smallConfig(), ...extra });
  it("defaults: all on (termination protection follows the environment)", () => {
    const c = parse({});
    expect([
      c.encryption.customerManagedKey,
      c.detailedMonitoring,
      c.baseline.enabled,
      c.terminationProtection,
    ]).toEqual([true, true, true, undefined]);
    expect(estateSwitchWaivers(c)).toEqual([]);
  });
  it.each([
    ["bulwark:encryption", { customerManagedKey: false }],
    ["bulwark:detailedMonitoring", false],
    ["bulwark:terminationProtection", false],
    ["bulwark:baseline", { enabled: false }],
  ])("%s off without a waiver is refused", (key, value) => {
    expect(() => parse({ [key]: value })).toThrow(/waiver/);
  });
  it("each off with a waiver parses, and the estate-wide ones become waivers every server carries", () => {
    const c = parse({
      "bulwark:encryption": { customerManagedKey: { enabled: false, waiver: WAIVER } },
      "bulwark:detailedMonitoring": { enabled: false, waiver: WAIVER },
      "bulwark:terminationProtection": { enabled: false, waiver: WAIVER },
      "bulwark:baseline": { enabled: false, waiver: WAIVER },
    });
    expect(isOn(c.detailedMonitoring)).toBe(false);
    expect(switchWaiver(c.terminationProtection, SwitchWaiverNames.terminationProtection)).toHaveLength(1);
    expect(
      estateSwitchWaivers(c)
        .map((w) => w.policy)
        .sort(),
    ).toEqual([PolicyNames.kmsCustomerManagedKey, PolicyNames.stackSecurityBaseline].sort());
  });
});

describe("Bastion switches: the servers' switches, secure by default, waivers seen by the pack", () => {
  const args = { ...BASTION_ARGS, allowedCidrs: ["192.168.50.0/24"] };
  const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const W = { ...WAIVER, expires };
  const judge = (r: PlannedResource) =>
    evaluate([{ urn: r.urn, type: r.type, name: r.name, props: r.inputs }]).filter(
      (f) =>
        f.policy === PolicyNames.instanceTerminationProtection || f.policy === PolicyNames.instanceDetailedMonitoring,
    );

  it.each(["prod", "dev"] as const)("on by default, in %s too: monitoring and termination protection", async (env) => {
    const r = await record(() => new Bastion("hq", { ...args, environment: env }));
    const i = r.one(T.instance);
    expect(i.inputs).toMatchObject({ monitoring: true, disableApiTermination: true });
    expect(judge(i)).toEqual([]);
  });

  it("a bare false is refused by the same schema, naming the fix; nothing is created", async () => {
    const r = await record(() => {
      expect(() => new Bastion("a", { ...args, environment: "prod", terminationProtection: false as never })).toThrow(
        /terminationProtection.*needs a waiver.*enabled: false, waiver/s,
      );
      expect(
        () => new Bastion("b", { ...args, environment: "prod", detailedMonitoring: { enabled: false } as never }),
      ).toThrow(/detailedMonitoring/);
    });
    expect(r.resources).toHaveLength(0);
  });

  it("off with a waiver: the instance carries it as a tag and the pack reports the findings waived", async () => {
    const r = await record(
      () =>
        new Bastion("hq", {
          ...args,
          environment: "prod",
          terminationProtection: { enabled: false, waiver: W },
          detailedMonitoring: { enabled: false, waiver: W },
        }),
    );
    const i = r.one(T.instance);
    expect(i.inputs).toMatchObject({ monitoring: false, disableApiTermination: false });
    const fs = judge(i);
    expect(fs.map((f) => [f.policy, f.enforcement, f.waived?.approver]).sort()).toEqual(
      [
        [PolicyNames.instanceDetailedMonitoring, "advisory", WAIVER.approver],
        [PolicyNames.instanceTerminationProtection, "advisory", WAIVER.approver],
      ].sort(),
    );
  });
});
