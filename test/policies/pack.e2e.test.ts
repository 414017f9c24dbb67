/**
 * End-to-end: starts `policies/` exactly as the engine does (`node node_modules/@pulumi/pulumi/cmd/run-policy-pack
 * 127.0.0.1:0 .` in the pack folder) and drives it over gRPC: GetAnalyzerInfo, Configure, Remediate/Analyze per
 * resource, AnalyzeStack — in preview (unknown ids, propertyDependencies, secrets) and update (ids known) mode.
 * No PolicyPack is ever constructed in this process.
 */
import type { AnalyzerDiagnostic } from "../../cli/analyzer";
import { evaluate, policyMetadata } from "../../policies/src/engine";
import { PolicyNames } from "../../policies/src/names";
import { asPreview, baseline, postmortem, res, T } from "./fixtures";
import { run, wire } from "./e2e";
import { startPack } from "./helpers";

const STACK_POLICY = "bulwark-stack-evaluate-cross-resource-controls";
/** Runs every control per resource (one deserialisation per Analyze instead of one per control). */
const RESOURCE_POLICY = "bulwark-resource-evaluate-controls";
jest.setTimeout(120_000);

const mandatory = (ds: AnalyzerDiagnostic[]) => ds.filter((d) => d.enforcementLevel === "mandatory");
const key = (d: { policy?: string; policyName?: string; urn?: string; message: string }) =>
  `${d.policyName ?? d.policy}|${d.urn ?? ""}|${d.message.split("\n").pop()}`;

describe("policy pack in preview mode", () => {
  const c = startPack({ mode: "preview", stack: "prod", project: "plain", preload: [] });

  it("GetAnalyzerInfo lists every control with metadata and a config schema", async () => {
    const info = await c().info();
    expect(info.name).toBe("bulwark");
    expect(info.supportsConfig).toBe(true);
    expect(info.policies.map((p) => p.name).sort()).toEqual(
      [...policyMetadata.map((p) => p.name), RESOURCE_POLICY, STACK_POLICY].sort(),
    );
    for (const p of info.policies) {
      expect(p.description.length).toBeGreaterThan(20);
      expect(p.severity).not.toBe("unspecified");
      expect(p.remediationSteps.length).toBeGreaterThan(10);
      expect(Object.keys(p.configSchema?.properties ?? {})).toEqual(
        expect.arrayContaining([
          "authorizedPorts",
          "highRiskPorts",
          "adminCidrs",
          "hopLimit",
          "backupDays",
          "rotationDays",
          "waivers",
        ]),
      );
    }
    expect(info.policies.find((p) => p.name === STACK_POLICY)?.policyType).toBe("stack");
    expect(info.policies.find((p) => p.name === RESOURCE_POLICY)?.policyType).toBe("resource");
    expect(info.policies.find((p) => p.name === PolicyNames.instanceImdsv2)?.enforcementLevel).toBe("mandatory");
    expect((await c().pluginInfo()).version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("Configure accepts the reconciled --policy-pack-config", async () => {
    const cfg = await c().configureFromFile({
      all: { adminCidrs: ["198.51.100.0/24"] },
      "ec2-instance-disallow-key-pair": "mandatory",
    });
    expect(cfg["ec2-instance-disallow-key-pair"].enforcementLevel).toBe("mandatory");
    expect(cfg[PolicyNames.sgInternetAdminIngress].properties).toMatchObject({
      adminCidrs: ["198.51.100.0/24"],
      hopLimit: 1,
      authorizedPorts: [80, 443],
    });
  });

  it("the compliant baseline passes (Analyze per resource and AnalyzeStack)", async () => {
    const out = await run(c(), asPreview(baseline()));
    expect(mandatory([...out.analyze, ...out.stack])).toEqual([]);
  });

  it("blocks the postmortem server with one clear message per missing control, each reported once", async () => {
    const stack = asPreview(postmortem());
    const out = await run(c(), stack);
    const all = [...out.analyze, ...out.stack];
    // Same verdicts as the in-process evaluator (key pair raised to mandatory by the config above).
    const want = evaluate(
      stack,
      { adminCidrs: ["198.51.100.0/24"] },
      { levels: { "ec2-instance-disallow-key-pair": "mandatory" } },
    );
    expect(all.map(key).sort()).toEqual(want.map(key).sort());
    expect(new Set(all.map(key)).size).toBe(all.length);
    const m = mandatory(all);
    expect([...new Set(m.map((d) => d.policyName))].sort()).toEqual(
      [
        PolicyNames.sgInternetAdminIngress,
        PolicyNames.instancePublicIp,
        PolicyNames.instanceImdsv2,
        PolicyNames.instanceEncryptedVolumes,
        PolicyNames.instanceSsmManaged,
        "ec2-instance-disallow-secrets-in-user-data",
        "ec2-instance-disallow-ssh-password-auth",
        "ec2-instance-disallow-key-pair",
        "ec2-subnet-disallow-public-ip-on-launch",
        "ec2-vpc-require-flow-logs",
        "ec2-vpc-require-restricted-default-security-group",
      ].sort(),
    );
    const text = m.map((d) => d.message).join("\n");
    expect(text).toMatch(/tcp\/22 .* from 0\.0\.0\.0\/0/);
    expect(text).toMatch(/tcp\/3306 .* from 0\.0\.0\.0\/0/);
    expect(text).toMatch(/SSH password authentication/);
    expect(text).toMatch(/SQL password \(IDENTIFIED BY\)/);
    // No IDS: reported (advisory by default) against the stack.
    expect(all.find((d) => d.policyName === "bulwark-stack-require-security-baseline")?.message).toMatch(
      /no intrusion detection/,
    );
    // Cross-resource verdicts come from AnalyzeStack (the subnet link is only a propertyDependency in preview).
    expect(out.stack.some((d) => d.policyName === PolicyNames.instancePublicIp)).toBe(true);
    expect(out.analyze.some((d) => d.policyName === PolicyNames.instancePublicIp)).toBe(false);
  });

  it("a secret-wrapped plaintext password on RDS is blocked at Analyze", async () => {
    const db = baseline().find((r) => r.type === T.db)!;
    db.props.password = "hunter22";
    const out = await c().analyze(wire(db));
    expect(mandatory(out.diagnostics).map((d) => d.policyName)).toContain(PolicyNames.rdsManagedPassword);
  });

  it("unknown values never fail a policy: advisory at most", async () => {
    const sg = res(T.sg, "g", {
      ingress: [
        {
          protocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrBlocks: ["04da6b54-80e4-46f7-96ec-b56ff0331ba9"],
          description: "d",
        },
      ],
    });
    const out = await c().analyze(wire(sg));
    expect(out.diagnostics.length).toBeGreaterThan(0);
    expect(mandatory(out.diagnostics)).toEqual([]);
  });

  it("Remediate fixes IMDSv2 when the policy is set to remediate", async () => {
    await c().configureFromFile({ [PolicyNames.instanceImdsv2]: "remediate" });
    const vm = res(T.instance, "vm", { ami: "ami-1", metadataOptions: { httpTokens: "optional" } });
    const out = await c().remediate(wire(vm));
    expect(out.remediations.map((r) => r.policyName)).toEqual([PolicyNames.instanceImdsv2]);
    expect(out.remediations[0].properties?.metadataOptions).toMatchObject({
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
    });
  });

  it("a bad config value fails Configure with the policy, the field, the value and the fix", async () => {
    await expect(
      c().configure({
        [PolicyNames.sgInternetAdminIngress]: {
          enforcementLevel: "mandatory",
          properties: { adminCidrs: ["the office"] },
        },
      }),
    ).rejects.toThrow(
      new RegExp(
        `${PolicyNames.sgInternetAdminIngress}: invalid Bulwark policy config:` +
          `\\s+adminCidrs\\.0 = "the office": use a CIDR`,
      ),
    );
  });
});

describe("policy pack in update mode", () => {
  const c = startPack({ mode: "update", preload: [] }, { [PolicyNames.instanceSsmManaged]: "advisory" });

  it("the baseline with known ids passes", async () => {
    const out = await run(c(), baseline());
    expect(mandatory([...out.analyze, ...out.stack])).toEqual([]);
  });

  it("links by id: a role losing SSM core is found at AnalyzeStack, with the configured level", async () => {
    const s = baseline();
    s.find((r) => r.type === T.rpa)!.props.policyArn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    const out = await run(c(), s);
    expect(out.analyze.filter((d) => d.policyName === PolicyNames.instanceSsmManaged)).toEqual([]);
    const ssm = out.stack.filter((d) => d.policyName === PolicyNames.instanceSsmManaged);
    expect(ssm.map((d) => d.urn).sort()).toEqual(
      s
        .filter((r) => r.type === T.instance)
        .map((r) => r.urn)
        .sort(),
    );
    expect(ssm.every((d) => d.enforcementLevel === "advisory")).toBe(true);
  });

  it("per-policy config reaches cross-resource verdicts made at AnalyzeStack", async () => {
    await c().configureFromFile({
      [PolicyNames.instanceSsmManaged]: "advisory",
      [PolicyNames.secretRotation]: { rotationDays: 14 },
    });
    const out = await run(c(), baseline());
    expect(mandatory(out.analyze)).toEqual([]);
    expect(mandatory(out.stack).map((d) => [d.policyName, d.message.split("\n").pop()])).toEqual([
      [PolicyNames.secretRotation, "rotates every 30 days (maximum 14)"],
    ]);
    await c().configureFromFile({ [PolicyNames.instanceSsmManaged]: "advisory" });
  });

  it("a tag waiver turns the finding advisory with reason and expiry; an expired one blocks", async () => {
    const tags = (expires: string) => ({
      [`bulwark:waiver:${PolicyNames.sgInternetAdminIngress}:reason`]: "vendor support window for the migration",
      [`bulwark:waiver:${PolicyNames.sgInternetAdminIngress}:approver`]: "security@example.com",
      [`bulwark:waiver:${PolicyNames.sgInternetAdminIngress}:expires`]: expires,
    });
    const sg = (expires: string) =>
      res(T.sg, "bastion", {
        tags: tags(expires),
        ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], description: "d" }],
      });
    const ok = await c().analyze(wire(sg("2999-12-31")));
    const d = ok.diagnostics.find((x) => x.policyName === PolicyNames.sgInternetAdminIngress)!;
    expect(d.enforcementLevel).toBe("advisory");
    expect(d.message).toMatch(/waived by security@example.com until 2999-12-31: vendor support window/);
    const expired = await c().analyze(wire(sg("2020-01-01")));
    expect(
      mandatory(expired.diagnostics)
        .map((x) => x.policyName)
        .sort(),
    ).toEqual(["bulwark-waiver-disallow-expired-or-incomplete", PolicyNames.sgInternetAdminIngress]);
  });
});
