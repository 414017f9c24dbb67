/**
 * Unit tests for the pure evaluator: a compliant baseline, then one-field mutations that must each trip exactly
 * the control they break, in update (ids) and preview (unknown ids, propertyDependencies) shapes.
 */
import { blocks, evaluate, evaluateResource, remediate, UNKNOWN, UNKNOWN_SENTINELS, type Finding } from "../../policies/src/engine";
import type { PolicyInputResource } from "../../policies/src/engine";
import { PolicyNames } from "../../policies/src/names";
import { asPreview, baseline, postmortem, res, T, urnOf } from "./fixtures";

type Stack = PolicyInputResource[];

function find(stack: Stack, type: string, name: string): PolicyInputResource {
  const r = stack.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`fixture has no ${type} ${name}`);
  return r;
}

const mandatory = (fs: Finding[]) => fs.filter((f) => f.enforcement === "mandatory");
const names = (fs: Finding[]) => [...new Set(fs.map((f) => f.policy))].sort();

describe("baseline", () => {
  it("passes every control in update shape (no finding at all)", () => {
    expect(evaluate(baseline())).toEqual([]);
  });
  it("passes in preview shape (ids unknown, links via propertyDependencies)", () => {
    const fs = evaluate(asPreview(baseline()));
    expect(mandatory(fs)).toEqual([]);
  });
});

interface Mutation {
  what: string;
  type: string;
  name: string;
  change: (props: Record<string, unknown>, stack: Stack) => void;
  expect: string[];
  /** Resource the finding lands on (default: the mutated one). */
  on?: [string, string];
}

const m: Mutation[] = [
  // Network
  { what: "SSH open to the world (inline)", type: T.sg, name: "web", change: (p) => ((p.ingress as Record<string, unknown>[])[1].cidrBlocks = ["0.0.0.0/0"]), expect: [PolicyNames.sgInternetAdminIngress] },
  { what: "SSH open to ::/0 (inline, v6)", type: T.sg, name: "web", change: (p) => ((p.ingress as Record<string, unknown>[])[1].ipv6CidrBlocks = ["::/0"]), expect: [PolicyNames.sgInternetAdminIngress] },
  { what: "port 8443 open to the world", type: T.sg, name: "web", change: (p) => Object.assign((p.ingress as Record<string, unknown>[])[0], { fromPort: 8443, toPort: 8443 }), expect: [PolicyNames.sgInternetIngress] },
  { what: "rule resource with protocol -1 from the world", type: T.sgRule, name: "db-from-web", change: (p) => Object.assign(p, { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }), expect: [PolicyNames.sgInternetAdminIngress, PolicyNames.sgInternetIngress] },
  { what: "vpc ingress rule 3306 from the world", type: T.ingress, name: "web-http", change: (p) => Object.assign(p, { fromPort: 3306, toPort: 3306 }), expect: [PolicyNames.sgInternetAdminIngress] },
  { what: "rule attached to the adopted default SG", type: T.sgRule, name: "db-from-web", change: (p) => (p.securityGroupId = "sg-default"), expect: ["ec2-vpc-require-restricted-default-security-group"] },
  { what: "default SG keeps a rule", type: T.defaultSg, name: "main-default", change: (p) => (p.egress = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }]), expect: ["ec2-vpc-require-restricted-default-security-group"] },
  { what: "NACL allow-all before the SSH deny", type: T.nacl, name: "private", change: (p) => (((p.ingress as Record<string, unknown>[])[5].ruleNo = 50)), expect: ["ec2-network-acl-disallow-internet-admin-ingress"] },
  { what: "subnet maps public IPs", type: T.subnet, name: "private-a", change: (p) => (p.mapPublicIpOnLaunch = true), expect: ["ec2-subnet-disallow-public-ip-on-launch"] },
  { what: "subnet maps public IPs and the instance does not opt out", type: T.subnet, name: "private-a", change: (p, s) => { p.mapPublicIpOnLaunch = true; delete find(s, T.instance, "web-1").props.associatePublicIpAddress; }, expect: [PolicyNames.instancePublicIp, "ec2-subnet-disallow-public-ip-on-launch"], on: [T.instance, "web-1"] },
  { what: "VPC without flow log", type: T.flowLog, name: "main", change: (p) => (p.vpcId = "vpc-other"), expect: ["ec2-vpc-require-flow-logs"], on: [T.vpc, "main"] },
  { what: "VPC without adopted default SG", type: T.defaultSg, name: "main-default", change: (p) => (p.vpcId = "vpc-other"), expect: ["ec2-vpc-require-restricted-default-security-group"], on: [T.vpc, "main"] },
  // Compute
  { what: "instance public IP", type: T.instance, name: "web-1", change: (p) => (p.associatePublicIpAddress = true), expect: [PolicyNames.instancePublicIp] },
  { what: "Elastic IP on the instance", type: T.instance, name: "web-1", change: (_p, s) => s.push(res("aws:ec2/eip:Eip", "web-1", { domain: "vpc", instance: "i-1" })), expect: [PolicyNames.instancePublicIp], on: ["aws:ec2/eip:Eip", "web-1"] },
  { what: "launch template public IP (string)", type: T.lt, name: "web", change: (p) => ((p.networkInterfaces as Record<string, unknown>[])[0].associatePublicIpAddress = "true"), expect: ["ec2-launch-template-disallow-public-ip", PolicyNames.instancePublicIp] },
  { what: "IMDSv1 allowed", type: T.instance, name: "web-1", change: (p) => ((p.metadataOptions as Record<string, unknown>).httpTokens = "optional"), expect: [PolicyNames.instanceImdsv2] },
  { what: "hop limit 2", type: T.instance, name: "web-1", change: (p) => ((p.metadataOptions as Record<string, unknown>).httpPutResponseHopLimit = 2), expect: [PolicyNames.instanceImdsv2] },
  { what: "launch template IMDSv1 (inherited by web-2)", type: T.lt, name: "web", change: (p) => ((p.metadataOptions as Record<string, unknown>).httpTokens = "optional"), expect: [PolicyNames.instanceImdsv2] },
  { what: "unencrypted root volume", type: T.instance, name: "web-1", change: (p) => ((p.rootBlockDevice as Record<string, unknown>).encrypted = false), expect: [PolicyNames.instanceEncryptedVolumes] },
  { what: "unencrypted data volume", type: T.instance, name: "web-1", change: (p) => ((p.ebsBlockDevices as Record<string, unknown>[])[0].encrypted = false), expect: [PolicyNames.instanceEncryptedVolumes] },
  { what: "unencrypted standalone volume", type: T.volume, name: "data", change: (p) => (p.encrypted = false), expect: [PolicyNames.instanceEncryptedVolumes] },
  { what: "template volume unencrypted (string)", type: T.lt, name: "web", change: (p) => (((p.blockDeviceMappings as Record<string, Record<string, unknown>>[])[0].ebs.encrypted = "false")), expect: [PolicyNames.instanceEncryptedVolumes] },
  { what: "role without SSM core", type: T.rpa, name: "server-ssm", change: (p) => (p.policyArn = "arn:aws:iam::aws:policy/ReadOnlyAccess"), expect: [PolicyNames.instanceSsmManaged], on: [T.instance, "web-1"] },
  { what: "no instance profile", type: T.instance, name: "web-1", change: (p) => delete p.iamInstanceProfile, expect: [PolicyNames.instanceSsmManaged] },
  { what: "password in user data", type: T.instance, name: "web-1", change: (p) => (p.userData = "#!/bin/sh\nexport MYSQL_ROOT_PASSWORD='S3cr3tPass'\n"), expect: ["ec2-instance-disallow-secrets-in-user-data"] },
  { what: "AWS key in template user data (base64)", type: T.lt, name: "web", change: (p) => (p.userData = Buffer.from("#!/bin/sh\nexport AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n").toString("base64")), expect: ["ec2-instance-disallow-secrets-in-user-data"] },
  { what: "SSH password auth in user data", type: T.instance, name: "web-1", change: (p) => (p.userData = "#cloud-config\nssh_pwauth: true\n"), expect: ["ec2-instance-disallow-ssh-password-auth"] },
  { what: "AdministratorAccess on a role", type: T.rpa, name: "server-ssm", change: (_p, s) => s.push(res(T.rpa, "admin", { role: "server-role", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" })), expect: ["iam-principal-disallow-admin-access"], on: [T.rpa, "admin"] },
  { what: "*:* inline policy", type: T.role, name: "server", change: (_p, s) => s.push(res(T.rolePolicy, "star", { role: "server-role", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["*"], Resource: "*" }] }) })), expect: ["iam-principal-disallow-admin-access"], on: [T.rolePolicy, "star"] },
  { what: "session document without encryption", type: T.ssmDoc, name: "session-prefs", change: (p) => (p.content = JSON.stringify({ inputs: { kmsKeyId: "", cloudWatchLogGroupName: "/ssm", cloudWatchEncryptionEnabled: false } })), expect: ["ssm-document-require-encrypted-session-logging"] },
  // Database
  { what: "public database", type: T.db, name: "app", change: (p) => (p.publiclyAccessible = true), expect: [PolicyNames.rdsPublic] },
  { what: "unencrypted database", type: T.db, name: "app", change: (p) => (p.storageEncrypted = false), expect: ["rds-database-require-storage-encryption"] },
  { what: "no IAM auth (MariaDB)", type: T.db, name: "app", change: (p) => Object.assign(p, { engine: "mariadb", iamDatabaseAuthenticationEnabled: false }), expect: [PolicyNames.rdsIamAuth] },
  { what: "plain master password", type: T.db, name: "app", change: (p) => Object.assign(p, { password: "hunter22", manageMasterUserPassword: undefined }), expect: [PolicyNames.rdsManagedPassword] },
  { what: "no parameter group", type: T.db, name: "app", change: (p) => delete p.parameterGroupName, expect: ["rds-database-require-tls"] },
  { what: "parameter group without TLS", type: T.pg, name: "mysql-tls", change: (p) => (p.parameters = [{ name: "require_secure_transport", value: "0" }]), expect: ["rds-database-require-tls"], on: [T.db, "app"] },
  { what: "no deletion protection", type: T.db, name: "app", change: (p) => (p.deletionProtection = false), expect: ["rds-database-require-deletion-protection"] },
  { what: "backups kept 3 days", type: T.db, name: "app", change: (p) => (p.backupRetentionPeriod = 3), expect: ["rds-database-require-backup-retention"] },
  { what: "no log exports", type: T.db, name: "app", change: (p) => (p.enabledCloudwatchLogsExports = []), expect: ["rds-database-require-log-exports"] },
  { what: "minor upgrades off", type: T.db, name: "app", change: (p) => (p.autoMinorVersionUpgrade = false), expect: ["rds-database-disallow-disabled-minor-upgrades"] },
  // Secrets and detection
  { what: "secret without rotation", type: T.rotation, name: "api-key", change: (p) => (p.secretId = "arn:other"), expect: [PolicyNames.secretRotation], on: [T.secret, "api-key"] },
  { what: "rotation every 120 days", type: T.rotation, name: "api-key", change: (p) => (p.rotationRules = { automaticallyAfterDays: 120 }), expect: [PolicyNames.secretRotation], on: [T.secret, "api-key"] },
  { what: "GuardDuty off", type: T.detector, name: "main", change: (p) => (p.enable = false), expect: ["guardduty-detector-require-enabled"] },
  { what: "single-region trail", type: T.trail, name: "main", change: (p) => (p.isMultiRegionTrail = false), expect: ["cloudtrail-trail-require-secure-configuration"] },
  { what: "trail without KMS", type: T.trail, name: "main", change: (p) => delete p.kmsKeyId, expect: ["cloudtrail-trail-require-secure-configuration"] },
];

describe.each([
  ["update", (s: Stack) => s],
  ["preview", asPreview],
])("one-field mutations (%s shape)", (_shape, shape) => {
  it.each(m.map((x) => [x.what, x] as const))("%s", (_what, mu) => {
    const stack = baseline();
    const target = find(stack, mu.type, mu.name);
    mu.change(target.props, stack);
    const fs = mandatory(evaluate(shape(stack)));
    expect(names(fs)).toEqual([...mu.expect].sort());
    const [ot, on] = mu.on ?? [mu.type, mu.name];
    expect(fs.some((f) => f.policy === mu.expect[0] && f.urn === urnOf(ot, on))).toBe(true);
    for (const f of fs) expect(f.message.length).toBeGreaterThan(10);
  });
});

describe("security-group rule shapes and sources", () => {
  const sgInline = (rule: Record<string, unknown>) => [res(T.sg, "g", { ingress: [{ description: "d", ...rule }] })];
  const sgRule = (rule: Record<string, unknown>) => [res(T.sgRule, "r", { type: "ingress", securityGroupId: "sg-1", description: "d", ...rule })];
  const vpcRule = (rule: Record<string, unknown>) => {
    const { protocol, cidrBlocks, ipv6CidrBlocks, ...rest } = rule;
    const c4 = (cidrBlocks as string[] | undefined) ?? [];
    const c6 = (ipv6CidrBlocks as string[] | undefined) ?? [];
    return [...c4.map((c, i) => res(T.ingress, `v4-${i}`, { ...rest, ipProtocol: protocol, cidrIpv4: c, description: "d" })), ...c6.map((c, i) => res(T.ingress, `v6-${i}`, { ...rest, ipProtocol: protocol, cidrIpv6: c, description: "d" }))];
  };
  const verdict = (stack: Stack) => names(mandatory(evaluate(stack)));

  const open: [string, Record<string, unknown>, string[]][] = [
    ["0.0.0.0/0 on 22", { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }, [PolicyNames.sgInternetAdminIngress]],
    ["split halves 0/1 + 128/1 on 3389", { protocol: "tcp", fromPort: 3389, toPort: 3389, cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"] }, [PolicyNames.sgInternetAdminIngress]],
    ["IPv6 written long-hand", { protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["0000:0000:0000:0000:0000:0000:0000:0000/0"] }, [PolicyNames.sgInternetAdminIngress]],
    ["IPv4-mapped IPv6 all", { protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::ffff:0.0.0.0/96"] }, [PolicyNames.sgInternetAdminIngress]],
    ["global unicast 2000::/3", { protocol: "tcp", fromPort: 3306, toPort: 3306, ipv6CidrBlocks: ["2000::/3"] }, [PolicyNames.sgInternetAdminIngress]],
    ["a public /8", { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["52.0.0.0/8"] }, [PolicyNames.sgInternetAdminIngress]],
    ["range 20-25 covers 22 (and unauthorized 24)", { protocol: "tcp", fromPort: 20, toPort: 25, cidrBlocks: ["0.0.0.0/0"] }, [PolicyNames.sgInternetAdminIngress, PolicyNames.sgInternetIngress]],
    ["range 21-23 holds only high-risk ports", { protocol: "tcp", fromPort: 21, toPort: 23, cidrBlocks: ["0.0.0.0/0"] }, [PolicyNames.sgInternetAdminIngress]],
    ["protocol all", { protocol: "all", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }, [PolicyNames.sgInternetAdminIngress, PolicyNames.sgInternetIngress]],
    ["protocol 50 (ESP) covers every port", { protocol: "50", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }, [PolicyNames.sgInternetAdminIngress, PolicyNames.sgInternetIngress]],
    ["tcp 0-65535", { protocol: "6", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }, [PolicyNames.sgInternetAdminIngress, PolicyNames.sgInternetIngress]],
    ["udp 8000-8010 (unauthorized)", { protocol: "udp", fromPort: 8000, toPort: 8010, cidrBlocks: ["0.0.0.0/0"] }, [PolicyNames.sgInternetIngress]],
    // Fail closed (issue 10): CGNAT and documentation ranges are the internet.
    ["CGNAT 100.64.0.0/10 on 3306", { protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["100.64.0.0/10"] }, [PolicyNames.sgInternetAdminIngress]],
    ["documentation range on 22", { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] }, [PolicyNames.sgInternetAdminIngress]],
    ["a public /24 on 22", { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["81.2.69.0/24"] }, [PolicyNames.sgInternetAdminIngress]],
    ["a public IPv6 /48 on 5432", { protocol: "tcp", fromPort: 5432, toPort: 5432, ipv6CidrBlocks: ["2a00:1450:4009::/48"] }, [PolicyNames.sgInternetAdminIngress]],
    // Lateral movement (issue 11): remote admin from a private range.
    ["private 10/8 on 22", { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"] }, [PolicyNames.sgLateralAdminIngress]],
    ["unparseable CIDR fails closed", { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/33"] }, [PolicyNames.sgInternetAdminIngress]],
  ];
  const closed: [string, Record<string, unknown>][] = [
    ["private 10/8 on 3306 (database from a private range)", { protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["10.0.0.0/8"] }],
    ["RFC1918 + ULA", { protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["172.16.0.0/12", "192.168.0.0/16"], ipv6CidrBlocks: ["fd00::/8"] }],
    ["443 from the world", { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }],
    ["ICMP echo from the world (no ports)", { protocol: "icmp", fromPort: 8, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
  ];
  for (const [shape, build] of [["inline", sgInline], ["SecurityGroupRule", sgRule], ["vpc ingress rules", vpcRule]] as const) {
    it.each(open)(`${shape}: %s is blocked`, (_n, rule, want) => expect(verdict(build(rule))).toEqual([...want].sort()));
    it.each(closed)(`${shape}: %s passes`, (_n, rule) => expect(verdict(build(rule))).toEqual([]));
  }

  it("a safe source in the same rule never excuses an unsafe one", () => {
    const s = [res(T.sg, "g", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, self: true, securityGroups: ["sg-2"], prefixListIds: ["pl-1"], cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"], description: "d" }] })];
    expect(verdict(s)).toEqual([PolicyNames.sgInternetAdminIngress, PolicyNames.sgLateralAdminIngress].sort());
  });
  it("a prefix list declared in the stack is followed to its CIDRs (inline entries and entry resources)", () => {
    const pl = (entries: string[]) => res("aws:ec2/managedPrefixList:ManagedPrefixList", "pl", { id: "pl-1", name: "admins", addressFamily: "IPv4", maxEntries: 5, entries: entries.map((cidr) => ({ cidr })) });
    const rule = res(T.sgRule, "r", { type: "ingress", securityGroupId: "sg-1", protocol: "tcp", fromPort: 22, toPort: 22, prefixListIds: ["pl-1"], description: "d" });
    expect(verdict([pl(["10.0.0.0/8"]), rule])).toEqual([]);
    expect(verdict([pl(["10.0.0.0/8", "0.0.0.0/0"]), rule])).toEqual([PolicyNames.sgInternetAdminIngress]);
    const entry = res("aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry", "e", { prefixListId: "pl-1", cidr: "::/0" });
    expect(verdict([pl([]), entry, rule])).toEqual([PolicyNames.sgInternetAdminIngress]);
    expect(verdict(asPreview([pl(["0.0.0.0/0"]), rule]))).toEqual([PolicyNames.sgInternetAdminIngress]);
    // An AWS-managed list outside the stack is a safe source.
    expect(verdict([rule])).toEqual([]);
  });
  it("the admin CIDR allowlist excuses admin ports only, and only sources inside it", () => {
    const cfg = { adminCidrs: ["198.51.100.0/24", "81.2.69.0/24"] };
    const ok = [res(T.sg, "g", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["81.2.69.160/27"], description: "office" }] })];
    expect(mandatory(evaluate(ok, cfg))).toEqual([]);
    const wide = [res(T.sg, "g", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["81.2.0.0/16"], description: "too wide" }] })];
    expect(names(mandatory(evaluate(wide, cfg)))).toEqual([PolicyNames.sgInternetAdminIngress]);
  });
  it("authorized and high-risk ports are configurable", () => {
    const s = [res(T.sg, "g", { ingress: [{ protocol: "tcp", fromPort: 8443, toPort: 8443, cidrBlocks: ["0.0.0.0/0"], description: "d" }] })];
    expect(mandatory(evaluate(s, { authorizedPorts: [443, 8443] }))).toEqual([]);
    expect(names(mandatory(evaluate(s, { highRiskPorts: [8443] })))).toEqual([PolicyNames.sgInternetAdminIngress]);
  });
  it("unrestricted egress and missing descriptions are advisory", () => {
    const s = [res(T.sg, "g", { egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] })];
    const fs = evaluate(s);
    expect(mandatory(fs)).toEqual([]);
    expect(names(fs)).toEqual([PolicyNames.sgUnrestrictedEgress, "ec2-security-group-require-rule-descriptions"]);
  });
});

describe("NACL rule resources are judged in rule order with their ACL", () => {
  const acl = res(T.nacl, "acl", { id: "acl-1", vpcId: "vpc-1" });
  const rule = (n: string, ruleNumber: number, ruleAction: string, cidrBlock: string, protocol = "tcp", from = 22, to = 22) =>
    res(T.naclRule, n, { networkAclId: "acl-1", ruleNumber, egress: false, ruleAction, protocol, fromPort: from, toPort: to, cidrBlock });
  it("an allow-all after a deny of 22 and 3389 passes; before it, fails", () => {
    const deny = [rule("d22", 100, "deny", "0.0.0.0/0"), rule("d3389", 110, "deny", "0.0.0.0/0", "tcp", 3389, 3389)];
    expect(mandatory(evaluate([acl, ...deny, rule("all", 200, "allow", "0.0.0.0/0", "-1", 0, 0)]))).toEqual([]);
    const fs = mandatory(evaluate([acl, ...deny, rule("all", 50, "allow", "0.0.0.0/0", "-1", 0, 0)]));
    expect(fs.map((f) => f.name)).toEqual(["all"]);
  });
});

describe("launch-template inheritance", () => {
  it("an instance from a compliant template is compliant (no own settings)", () => {
    const s = baseline();
    expect(evaluate(s).filter((f) => f.name === "web-2")).toEqual([]);
  });
  it("an instance's own setting overrides its template", () => {
    const s = baseline();
    find(s, T.instance, "web-2").props.metadataOptions = { httpTokens: "optional" };
    expect(names(mandatory(evaluate(s)))).toEqual([PolicyNames.instanceImdsv2]);
  });
  it("an Auto Scaling group's instances take their SSM profile from its launch template or configuration", () => {
    const asg = (props: Record<string, unknown>) => res("aws:autoscaling/group:Group", "web", { minSize: 1, maxSize: 2, vpcZoneIdentifiers: ["subnet-1"], ...props });
    const s = baseline();
    s.push(asg({ launchTemplate: { id: "lt-1", version: "$Latest" } }));
    expect(mandatory(evaluate(s))).toEqual([]);
    expect(mandatory(evaluate(asPreview(s)))).toEqual([]);
    delete find(s, T.lt, "web").props.iamInstanceProfile;
    const fs = mandatory(evaluate(s)).filter((f) => f.policy === PolicyNames.instanceSsmManaged);
    // The group and web-2 (launched from the same template) both lose SSM management.
    expect(fs.map((f) => f.type).sort()).toEqual(["aws:autoscaling/group:Group", T.instance]);
    expect(fs.find((f) => f.type === "aws:autoscaling/group:Group")!.message).toMatch(/launch template web has no instance profile/);
    const lc = res(T.lc, "web", { imageId: "ami-1", instanceType: "t3.micro", iamInstanceProfile: "server-profile", metadataOptions: { httpTokens: "required" }, rootBlockDevice: { encrypted: true } });
    const withLc = [...baseline(), lc, asg({ launchConfiguration: "web" })];
    expect(mandatory(evaluate(withLc))).toEqual([]);
  });
  it("SSM core granted through an exclusive attachment set counts", () => {
    const s = baseline().filter((r) => r.type !== T.rpa);
    expect(names(mandatory(evaluate(s)))).toEqual([PolicyNames.instanceSsmManaged]);
    s.push(res("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "server", { roleName: "server-role", policyArns: ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"] }));
    expect(mandatory(evaluate(s))).toEqual([]);
  });
  it("EBS encryption by default in the stack satisfies unencrypted volumes", () => {
    const s = baseline();
    (find(s, T.instance, "web-1").props.rootBlockDevice as Record<string, unknown>).encrypted = false;
    find(s, T.volume, "data").props.encrypted = false;
    expect(names(mandatory(evaluate(s)))).toEqual([PolicyNames.instanceEncryptedVolumes]);
    s.push(res(T.ebsDefault, "account", { enabled: true }));
    expect(mandatory(evaluate(s))).toEqual([]);
  });
  it("a spot instance request is held to the instance controls", () => {
    const s = baseline();
    const i = find(s, T.instance, "web-1");
    s.push(res("aws:ec2/spotInstanceRequest:SpotInstanceRequest", "spot", { ...i.props, metadataOptions: { httpTokens: "optional" } }));
    expect(names(mandatory(evaluate(s)))).toEqual([PolicyNames.instanceImdsv2]);
  });
  it("an instance without a subnet launches into the default VPC and gets a public IP", () => {
    const s = baseline();
    const i = find(s, T.instance, "web-1");
    delete i.props.subnetId;
    delete i.props.associatePublicIpAddress;
    expect(names(mandatory(evaluate(s)))).toEqual([PolicyNames.instancePublicIp]);
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
    const s = [res(T.sg, "g", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [UNKNOWN], description: "d" }] })];
    const fs = evaluate(s);
    expect(blocks(fs)).toBe(false);
    expect(fs.some((f) => f.unknown && f.policy === PolicyNames.sgInternetAdminIngress)).toBe(true);
  });
  it("a known internet source next to an unknown one still blocks", () => {
    const s = [res(T.sg, "g", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [UNKNOWN, "0.0.0.0/0"], description: "d" }] })];
    expect(blocks(evaluate(s))).toBe(true);
  });
  it("scans adversarial user data in linear time (64 KB of repeated keywords finishes within the test timeout)", () => {
    const s = baseline();
    find(s, T.instance, "web-1").props.userData = "password".repeat(8192) + "\nexport DB_PASSWORD=hunter22\n" + "a".repeat(65536);
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
    const r = res(T.sg, "g", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], description: "d" }] });
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
    const r = res(T.ingress, "r", { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0", description: "d", tags });
    const out = evaluateResource(PolicyNames.sgInternetAdminIngress, r);
    expect(out.deferred).toBe(false);
    expect(out.findings.map((f) => [f.enforcement, f.waived?.expires])).toEqual([["advisory", "2999-12-31"]]);
  });
  it("defers a violating rule resource whose waiver may sit on its group", () => {
    const r = res(T.sgRule, "r", { type: "ingress", securityGroupId: "sg-1", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], description: "d" });
    expect(evaluateResource(PolicyNames.sgInternetAdminIngress, r).deferred).toBe(true);
  });
});

describe("waivers", () => {
  const today = new Date("2026-06-01T12:00:00Z");
  const openSsh = (tags?: Record<string, string>) => [
    res(T.sg, "bastion", { tags, ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], description: "d" }] }),
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
    expect(f.waived).toEqual({ reason: "temporary vendor access during migration", approver: "security@example.com", expires: "2026-12-31" });
    expect(f.message).toContain("until 2026-12-31");
  });
  it("a config waiver by logical name does the same; another resource stays blocked", () => {
    const cfg = { waivers: [{ policy: PolicyNames.sgInternetAdminIngress, resource: "bastion", reason: "temporary vendor access during migration", approver: "sec@example.com", expires: "2026-12-31" }] };
    expect(blocks(evaluate(openSsh(), cfg, { today }))).toBe(false);
    const other = [res(T.sg, "other", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], description: "d" }] })];
    expect(blocks(evaluate(other, cfg, { today }))).toBe(true);
  });
  it("a waiver on a group covers its rule resources", () => {
    const s = [
      res(T.sg, "bastion", { id: "sg-b", tags: w(PolicyNames.sgInternetAdminIngress, "2026-12-31") }),
      res(T.sgRule, "ssh", { type: "ingress", securityGroupId: "sg-b", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], description: "d" }),
    ];
    expect(blocks(evaluate(s, undefined, { today }))).toBe(false);
  });
  it("an expired waiver blocks, with its own message too", () => {
    const fs = evaluate(openSsh(w(PolicyNames.sgInternetAdminIngress, "2026-05-31")), undefined, { today });
    expect(names(mandatory(fs))).toEqual(["bulwark-waiver-disallow-expired-or-incomplete", PolicyNames.sgInternetAdminIngress]);
    expect(fs.find((f) => f.policy === PolicyNames.sgInternetAdminIngress)!.message).toContain("expired on 2026-05-31");
  });
  it("an incomplete waiver blocks", () => {
    const tags = w(PolicyNames.sgInternetAdminIngress, "2026-12-31");
    delete tags[`bulwark:waiver:${PolicyNames.sgInternetAdminIngress}:approver`];
    const fs = evaluate(openSsh(tags), undefined, { today });
    expect(names(mandatory(fs))).toEqual(["bulwark-waiver-disallow-expired-or-incomplete", PolicyNames.sgInternetAdminIngress]);
  });
  it.each(["2026-02-30", "2026-13-01", "2026-12-32"])("a waiver expiring on an impossible date (%s) blocks as malformed", (expires) => {
    const fs = evaluate(openSsh(w(PolicyNames.sgInternetAdminIngress, expires)), undefined, { today });
    expect(names(mandatory(fs))).toEqual(["bulwark-waiver-disallow-expired-or-incomplete", PolicyNames.sgInternetAdminIngress]);
    expect(fs.find((f) => f.policy === "bulwark-waiver-disallow-expired-or-incomplete")!.message).toContain("real calendar date");
  });
  it("a waiver for another policy does not waive", () => {
    expect(blocks(evaluate(openSsh(w(PolicyNames.rdsPublic, "2026-12-31")), undefined, { today }))).toBe(true);
  });
});

describe("config", () => {
  it("rejects bad values naming the field, the value and the fix", () => {
    expect(() => evaluate([], { hopLimit: 0 })).toThrow(/hopLimit = 0: .*>=1/);
    expect(() => evaluate([], { adminCidrs: ["office"] })).toThrow(/adminCidrs\.0 = "office": use a CIDR/);
    expect(() => evaluate([], { waivers: [{ policy: "x", resource: "r", reason: "r", approver: "a", expires: "soon" }] })).toThrow(/waivers\.0\.policy/);
  });
  it("levels can disable or raise a control", () => {
    const s = [res(T.instance, "vm", { keyName: "ops", subnetId: "subnet-x", associatePublicIpAddress: false })];
    expect(evaluate(s, undefined, { levels: { "ec2-instance-disallow-key-pair": "mandatory" } }).find((f) => f.policy === "ec2-instance-disallow-key-pair")?.enforcement).toBe("mandatory");
    expect(evaluate(s, undefined, { levels: { [PolicyNames.instanceImdsv2]: "disabled" } }).some((f) => f.policy === PolicyNames.instanceImdsv2)).toBe(false);
  });
});

describe("remediate", () => {
  it("requires IMDSv2 and clamps the hop limit", () => {
    const out = remediate(PolicyNames.instanceImdsv2, T.instance, { ami: "a", metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 3 } });
    expect(out).toEqual({ ami: "a", metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } });
    const fixed = res(T.instance, "vm", { ...out!, subnetId: "s", associatePublicIpAddress: false });
    expect(evaluate([fixed]).some((f) => f.policy === PolicyNames.instanceImdsv2)).toBe(false);
  });
  it("turns minor upgrades and GuardDuty back on (safe fixes); nothing else is remediated", () => {
    expect(remediate("rds-database-disallow-disabled-minor-upgrades", T.db, { engine: "mysql", autoMinorVersionUpgrade: false })).toEqual({ engine: "mysql", autoMinorVersionUpgrade: true });
    expect(remediate("guardduty-detector-require-enabled", T.detector, { enable: false })).toEqual({ enable: true });
    expect(remediate(PolicyNames.rdsPublic, T.db, { publiclyAccessible: true })).toBeUndefined();
  });
  it("leaves compliant inputs alone", () => {
    expect(remediate(PolicyNames.instanceImdsv2, T.instance, { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 } })).toBeUndefined();
  });
});

describe("the postmortem server as a plain Pulumi stack", () => {
  it.each([
    ["update", (s: Stack) => s],
    ["preview", asPreview],
  ])("is blocked with one clear message per missing control (%s)", (_n, shape) => {
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
    expect(evaluate(shape(postmortem()), undefined, { levels: { "bulwark-stack-require-security-baseline": "mandatory" } }).find((f) => f.policy === "bulwark-stack-require-security-baseline")?.enforcement).toBe("mandatory");
  });
});
