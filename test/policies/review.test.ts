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
const SECRETS = "ec2-instance-disallow-secrets-in-user-data";
/** The baseline stack with web-1's user data replaced: the mandatory policies it then trips. */
const withUserData = (userData: string) => {
  const s = baseline();
  s.find((x) => x.type === T.instance && x.name === "web-1")!.props.userData = userData;
  return names(mandatory(evaluate(s)));
};

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

describe("passwords in user data (cloud-config chpasswd lists, mysqladmin)", () => {
  it.each([
    ["chpasswd list block", "#cloud-config\nchpasswd:\n  list: |\n    root:Winter2024x\n  expire: False\n"],
    ["chpasswd inline list", "#cloud-config\nchpasswd:\n  list: [ 'admin:Winter2024x' ]\n"],
    ["mysqladmin password", "#!/bin/bash\nmysqladmin -u root password Winter2024x\n"],
  ])("blocks %s", (_n, ud) => {
    expect(withUserData(ud)).toEqual([SECRETS]);
  });
  it.each([
    ["random chpasswd", "#cloud-config\nchpasswd:\n  expire: false\n  list: |\n    root:RANDOM\nruncmd:\n  - echo done:ok\n"],
    ["chpasswd with a hash", "#cloud-config\nchpasswd:\n  list: |\n    root:$6$rounds=4096$salt$hash\n"],
    ["mysqladmin password from a variable", "#!/bin/bash\nmysqladmin -u root password \"$DB_PW\"\n"],
    ["a key:value after the chpasswd block", "#cloud-config\nchpasswd: { expire: False }\nruncmd:\n  - curl -o /tmp/x http://10.0.0.1:8080/x\n"],
  ])("passes %s", (_n, ud) => {
    expect(withUserData(ud)).toEqual([]);
  });
});

describe("user data that names secrets without holding one", () => {
  it.each([
    ["an IMDSv2 token request", '#!/bin/bash\nTOKEN=$(curl -s -X PUT "http://169.254.169.254/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")\n'],
    ["a secret fetched by ARN", "#!/bin/bash\nDB=$(aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf)\n"],
    ["a secret fetched by --secret-id=", "#!/bin/bash\naws secretsmanager get-secret-value --secret-id=prod/db\n"],
    ["a token TTL setting", "#cloud-config\nwrite_files:\n  - path: /etc/app.yaml\n    content: |\n      token_ttl: 21600\n"],
  ])("passes %s", (_n, ud) => {
    expect(withUserData(ud)).toEqual([]);
  });
  it.each([
    ["an API key header value", '#!/bin/bash\ncurl -H "X-Api-Key: 9f8e7d6c5b4a" https://example.com\n'],
    ["a token value", "#!/bin/bash\nexport GITHUB_TOKEN=ghp_abcdefghijklmnop\n"],
  ])("still blocks %s", (_n, ud) => {
    expect(withUserData(ud)).toEqual([SECRETS]);
  });
});

describe("Elastic IPs", () => {
  const eip = (props: Record<string, unknown>) => names(mandatory(evaluate([res("aws:ec2/eip:Eip", "e", { domain: "vpc", ...props })])));
  const assoc = (props: Record<string, unknown>) => names(mandatory(evaluate([res("aws:ec2/eipAssociation:EipAssociation", "a", { allocationId: "eipalloc-1", ...props })])));
  it("an Elastic IP bound to a network interface (directly or by association) is a public IP", () => {
    expect(eip({ networkInterface: "eni-0123" })).toEqual([PolicyNames.instancePublicIp]);
    expect(assoc({ networkInterfaceId: "eni-0123" })).toEqual([PolicyNames.instancePublicIp]);
  });
  it("an unbound Elastic IP (e.g. for a NAT gateway) passes", () => {
    expect(eip({})).toEqual([]);
    expect(assoc({})).toEqual([]);
  });
});

describe("passwords taken from shell variables at boot are not written in user data", () => {
  const fetch = "#!/bin/bash\nPW=$(aws secretsmanager get-secret-value --secret-id prod/db --query SecretString --output text)\n";
  it.each([
    ["IDENTIFIED BY '$PW'", `${fetch}mysql -e "CREATE USER 'app'@'%' IDENTIFIED BY '$PW'"\n`],
    ["IDENTIFIED BY '${PW}'", `${fetch}mysql -e "ALTER USER 'root'@'localhost' IDENTIFIED BY '\${PW}'"\n`],
    ["mysql -p\"$PW\"", `${fetch}mysql -uroot -p"$PW" -e 'select 1'\n`],
    ["chpasswd from a variable", `${fetch}echo "app:$PW" | chpasswd\n`],
  ])("passes %s", (_n, ud) => {
    expect(withUserData(ud)).toEqual([]);
  });
  it.each([
    ["IDENTIFIED BY a literal", `mysql -e "CREATE USER 'app'@'%' IDENTIFIED BY 'Hunter2024!'"\n`],
    ["mysql -p literal", "mysql -uroot -pHunter2024 -e 'select 1'\n"],
    ["chpasswd literal", 'echo "app:Hunter2024" | chpasswd\n'],
  ])("still blocks %s", (_n, ud) => {
    expect(withUserData(`#!/bin/bash\n${ud}`)).toEqual([SECRETS]);
  });
});

describe("RDS TLS parameter group", () => {
  it("an empty parameterGroupName is the default group: TLS not enforced", () => {
    const s = baseline();
    const db = s.find((x) => x.type === "aws:rds/instance:Instance");
    if (!db) throw new Error("baseline has no RDS instance");
    expect(names(mandatory(evaluate(s)))).toEqual([]);
    db.props.parameterGroupName = "";
    expect(names(mandatory(evaluate(s)))).toEqual([PolicyNames.rdsTls]);
  });
});

describe("subnets: an adopted default subnet maps public IPs unless told otherwise", () => {
  const SUBNET = "ec2-subnet-disallow-public-ip-on-launch";
  const defaultSubnet = (props: Record<string, unknown>) => res("aws:ec2/defaultSubnet:DefaultSubnet", "d", { availabilityZone: "eu-west-1a", ...props });
  const hits = (r: PolicyInputResource) => mandatory(evaluate([r])).filter((f) => f.policy === SUBNET);
  test("DefaultSubnet with mapPublicIpOnLaunch unset is blocked (the provider's default is true)", () => {
    expect(hits(defaultSubnet({}))).toHaveLength(1);
    expect(hits(defaultSubnet({}))[0]!.message).toContain("default subnet maps public IPs by default");
  });
  test("DefaultSubnet with mapPublicIpOnLaunch false passes; true is blocked", () => {
    expect(hits(defaultSubnet({ mapPublicIpOnLaunch: false }))).toHaveLength(0);
    expect(hits(defaultSubnet({ mapPublicIpOnLaunch: "false" }))).toHaveLength(0);
    expect(hits(defaultSubnet({ mapPublicIpOnLaunch: true }))).toHaveLength(1);
  });
  test("a plain Subnet with it unset passes (its default is false)", () => {
    expect(hits(res(T.subnet, "s", { vpcId: "vpc-1", cidrBlock: "10.0.1.0/24" }))).toHaveLength(0);
  });
});
