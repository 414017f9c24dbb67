/** Every policy carries complete metadata; names are strict; the config's JSON schema and zod schema agree. */
import Ajv from "ajv";
import { policies, policyMetadata } from "../../policies/src/engine";
import { packConfigJsonSchema } from "../../policies/src/config-schema";
import { parseConfig } from "../../policies/src/config";
import { PolicyNames } from "../../policies/src/names";
import { classifyCidr, portsOf } from "../../policies/src/net";

const SERVICES = ["ec2", "rds", "iam", "ssm", "kms", "secretsmanager", "guardduty", "cloudtrail", "bulwark"];
const VERBS = ["require", "disallow", "evaluate"];
const NAME = new RegExp(`^(${SERVICES.join("|")})-[a-z0-9]+(-[a-z0-9]+)*-(${VERBS.join("|")})(-[a-z0-9]+)+$`);

describe("policy metadata", () => {
  it.each(policyMetadata.map((p) => [p.name, p] as const))("%s", (name, p) => {
    expect(name).toMatch(NAME);
    expect(p.description.length).toBeGreaterThan(20);
    expect(p.description.endsWith(".")).toBe(true);
    expect(["low", "medium", "high", "critical"]).toContain(p.severity);
    expect(["mandatory", "advisory"]).toContain(p.enforcement);
    expect(p.remediation.length).toBeGreaterThan(20);
    expect(p.unknowns.length).toBeGreaterThan(10);
    for (const id of p.securityHub) expect(id).toMatch(/^[A-Za-z0-9]+\.\d+$/);
    for (const id of p.cis) expect(id).toMatch(/^\d+(\.\d+)+$/);
    expect(Array.isArray(p.types)).toBe(true);
  });
  it("names are unique", () => {
    expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
  });
  const MAPPED =
    "every mandatory network/compute/database/detection control maps to Security Hub or CIS, " +
    "unless it is a Bulwark-specific postmortem control";
  it(MAPPED, () => {
    const bulwarkSpecific = new Set([
      "ec2-instance-disallow-ssh-password-auth",
      "ec2-instance-disallow-secrets-in-user-data",
      "rds-instance-require-managed-master-password",
      "rds-database-require-tls",
      "bulwark-waiver-disallow-expired-or-incomplete",
      // No FSBP control asks for EC2 termination protection; Bulwark's terminationProtection switch does.
      "ec2-instance-require-termination-protection",
    ]);
    const unmapped = policyMetadata
      .filter((p) => p.enforcement === "mandatory" && !p.securityHub.length && !p.cis.length)
      .map((p) => p.name);
    expect(unmapped.sort()).toEqual([...bulwarkSpecific].sort());
  });
  it("every name components refer to (PolicyNames) exists in the pack", () => {
    const have = new Set(policies.map((p) => p.name));
    for (const n of Object.values(PolicyNames)) expect(have).toContain(n);
  });
  it("remediate is offered for IMDSv2", () => {
    expect(policyMetadata.find((p) => p.name === PolicyNames.instanceImdsv2)?.remediable).toBe(true);
  });
});

const ajv = new Ajv({ useDefaults: true, strict: false });
const validate = ajv.compile({ type: "object", properties: packConfigJsonSchema });

describe("config schema", () => {
  const good = {
    authorizedPorts: [443],
    highRiskPorts: [22, 3389],
    adminCidrs: ["198.51.100.0/24", "2001:db8::/48"],
    hopLimit: 2,
    backupDays: 14,
    rotationDays: 30,
    waivers: [
      {
        policy: "ec2-instance-disallow-public-ip",
        resource: "bastion",
        reason: "public bastion during migration",
        approver: "sec@example.com",
        expires: "2027-01-31",
      },
    ],
  };
  it("JSON schema defaults equal zod defaults", () => {
    const viaJson: Record<string, unknown> = {};
    validate(viaJson);
    expect(viaJson).toEqual(parseConfig({}));
  });
  it.each([
    ["a full valid config", good, true],
    ["hop limit 0", { hopLimit: 0 }, false],
    ["port 70000", { authorizedPorts: [70000] }, false],
    ["waiver without approver", { waivers: [{ ...good.waivers[0], approver: undefined }] }, false],
    ["waiver with a bad date", { waivers: [{ ...good.waivers[0], expires: "31/01/2027" }] }, false],
  ])("JSON schema and zod agree on %s", (_n, cfg, ok) => {
    const clean = JSON.parse(JSON.stringify(cfg));
    expect(validate(JSON.parse(JSON.stringify(clean)))).toBe(ok);
    if (ok) expect(() => parseConfig(clean)).not.toThrow();
    else expect(() => parseConfig(clean)).toThrow(/invalid Bulwark policy config/);
  });
});

describe.each(["docs/pack.md", "examples/policy-config.json"])("%s", (file) => {
  it("the documented --policy-pack-config example is valid", () => {
    const text = require("fs").readFileSync(require("path").resolve(__dirname, "../..", file), "utf8") as string;
    const example = JSON.parse(file.endsWith(".json") ? text : text.split("```json")[1].split("```")[0]);
    expect(validate(JSON.parse(JSON.stringify(example.all)))).toBe(true);
    expect(() => parseConfig(example.all)).not.toThrow();
    const names = new Set(policies.map((p) => p.name));
    for (const k of Object.keys(example)) if (k !== "all") expect(names).toContain(k);
  });
});

describe("normalisers", () => {
  it.each([
    ["0.0.0.0/0", true],
    ["0/0", true],
    ["::/0", true],
    ["::ffff:0.0.0.0/96", true],
    ["64:ff9b::/96", true],
    ["128.0.0.0/1", true],
    ["8.8.8.8/32", true],
    ["2600::/16", true],
    [" 0.0.0.0/0 ", true],
    ["10.0.0.0/8", false],
    ["172.16.0.0/12", false],
    ["192.168.1.0/24", false],
    ["169.254.169.254/32", false],
    ["fd00::/8", false],
    ["fe80::/10", false],
    ["::ffff:10.0.0.0/104", false],
    // The exposure model fails closed: multicast, reserved and documentation ranges are the internet (issue 10).
    ["224.0.0.0/3", true],
    ["2001:db8::/32", true],
  ])("CIDR %s covers the internet: %s", (cidr, internet) => {
    expect(classifyCidr(cidr).internet).toBe(internet);
  });
  it.each([
    ["-1", 0, 0, true],
    ["all", undefined, undefined, true],
    ["58", -1, -1, false],
    ["50", 0, 0, true],
    ["icmp", 8, 0, false],
    ["1", -1, -1, false],
    ["132", 22, 22, true],
    ["tcp", 0, 65535, true],
    ["tcp", -1, -1, true],
    ["tcp", 22, 22, false],
    ["6", 1000, 2000, false],
  ])("protocol %s ports %s-%s covers every port: %s", (proto, from, to, all) => {
    const ps = portsOf(proto, from, to);
    expect(ps !== "unknown" && ps.all).toBe(all);
  });
});
