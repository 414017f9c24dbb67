/** Compute controls (policies/src/rules/compute): public IPs, IMDSv2, volumes, SSM, user data. */
import { evaluate, evaluateResource, remediate, UNKNOWN, type PolicyInputResource } from "../../../policies/src/engine";
import { PolicyNames } from "../../../policies/src/names";
import { asPreview, baseline, res, T } from "../fixtures";
import { find, mandatory, mutationSuite, names, type Mutation } from "../helpers";

const m: Mutation[] = [
  {
    what: "instance public IP",
    type: T.instance,
    name: "web-1",
    change: (p) => (p.associatePublicIpAddress = true),
    expect: [PolicyNames.instancePublicIp],
  },
  {
    what: "Elastic IP on the instance",
    type: T.instance,
    name: "web-1",
    change: (_p, s) => s.push(res("aws:ec2/eip:Eip", "web-1", { domain: "vpc", instance: "i-1" })),
    expect: [PolicyNames.instancePublicIp],
    on: ["aws:ec2/eip:Eip", "web-1"],
  },
  {
    what: "launch template public IP (string)",
    type: T.lt,
    name: "web",
    change: (p) => ((p.networkInterfaces as Record<string, unknown>[])[0].associatePublicIpAddress = "true"),
    expect: ["ec2-launch-template-disallow-public-ip", PolicyNames.instancePublicIp],
  },
  {
    what: "IMDSv1 allowed",
    type: T.instance,
    name: "web-1",
    change: (p) => ((p.metadataOptions as Record<string, unknown>).httpTokens = "optional"),
    expect: [PolicyNames.instanceImdsv2],
  },
  {
    what: "hop limit 2",
    type: T.instance,
    name: "web-1",
    change: (p) => ((p.metadataOptions as Record<string, unknown>).httpPutResponseHopLimit = 2),
    expect: [PolicyNames.instanceImdsv2],
  },
  {
    what: "launch template IMDSv1 (inherited by web-2)",
    type: T.lt,
    name: "web",
    change: (p) => ((p.metadataOptions as Record<string, unknown>).httpTokens = "optional"),
    expect: [PolicyNames.instanceImdsv2],
  },
  {
    what: "unencrypted root volume",
    type: T.instance,
    name: "web-1",
    change: (p) => ((p.rootBlockDevice as Record<string, unknown>).encrypted = false),
    expect: [PolicyNames.instanceEncryptedVolumes],
  },
  {
    what: "unencrypted data volume",
    type: T.instance,
    name: "web-1",
    change: (p) => ((p.ebsBlockDevices as Record<string, unknown>[])[0].encrypted = false),
    expect: [PolicyNames.instanceEncryptedVolumes],
  },
  {
    what: "unencrypted standalone volume",
    type: T.volume,
    name: "data",
    change: (p) => (p.encrypted = false),
    expect: [PolicyNames.instanceEncryptedVolumes],
  },
  {
    what: "template volume unencrypted (string)",
    type: T.lt,
    name: "web",
    change: (p) => ((p.blockDeviceMappings as Record<string, Record<string, unknown>>[])[0].ebs.encrypted = "false"),
    expect: [PolicyNames.instanceEncryptedVolumes],
  },
  {
    what: "role without SSM core",
    type: T.rpa,
    name: "server-ssm",
    change: (p) => (p.policyArn = "arn:aws:iam::aws:policy/ReadOnlyAccess"),
    expect: [PolicyNames.instanceSsmManaged],
    on: [T.instance, "web-1"],
  },
  {
    what: "no instance profile",
    type: T.instance,
    name: "web-1",
    change: (p) => delete p.iamInstanceProfile,
    expect: [PolicyNames.instanceSsmManaged],
  },
  {
    what: "password in user data",
    type: T.instance,
    name: "web-1",
    change: (p) => (p.userData = "#!/bin/sh\nexport MYSQL_ROOT_PASSWORD='S3cr3tPass'\n"),
    expect: ["ec2-instance-disallow-secrets-in-user-data"],
  },
  {
    what: "AWS key in template user data (base64)",
    type: T.lt,
    name: "web",
    change: (p) =>
      (p.userData = Buffer.from("#!/bin/sh\nexport AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n").toString("base64")),
    expect: ["ec2-instance-disallow-secrets-in-user-data"],
  },
  {
    what: "SSH password auth in user data",
    type: T.instance,
    name: "web-1",
    change: (p) => (p.userData = "#cloud-config\nssh_pwauth: true\n"),
    expect: ["ec2-instance-disallow-ssh-password-auth"],
  },
  {
    what: "session document without encryption",
    type: T.ssmDoc,
    name: "session-prefs",
    change: (p) =>
      (p.content = JSON.stringify({
        inputs: { kmsKeyId: "", cloudWatchLogGroupName: "/ssm", cloudWatchEncryptionEnabled: false },
      })),
    expect: ["ssm-document-require-encrypted-session-logging"],
  },
  {
    what: "EBS encryption by default turned off",
    type: T.instance,
    name: "web-1",
    change: (_p, s) => s.push(res(T.ebsDefault, "account", { enabled: false })),
    expect: [PolicyNames.ebsEncryptionByDefault],
    on: [T.ebsDefault, "account"],
  },
];

mutationSuite(m);

const SECRETS = "ec2-instance-disallow-secrets-in-user-data";
/** The baseline stack with web-1's user data replaced: the mandatory policies it then trips. */
const withUserData = (userData: string) => {
  const s = baseline();
  s.find((x) => x.type === T.instance && x.name === "web-1")!.props.userData = userData;
  return names(mandatory(evaluate(s)));
};

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
    const asg = (props: Record<string, unknown>) =>
      res("aws:autoscaling/group:Group", "web", { minSize: 1, maxSize: 2, vpcZoneIdentifiers: ["subnet-1"], ...props });
    const s = baseline();
    s.push(asg({ launchTemplate: { id: "lt-1", version: "$Latest" } }));
    expect(mandatory(evaluate(s))).toEqual([]);
    expect(mandatory(evaluate(asPreview(s)))).toEqual([]);
    delete find(s, T.lt, "web").props.iamInstanceProfile;
    const fs = mandatory(evaluate(s)).filter((f) => f.policy === PolicyNames.instanceSsmManaged);
    // The group and web-2 (launched from the same template) both lose SSM management.
    expect(fs.map((f) => f.type).sort()).toEqual(["aws:autoscaling/group:Group", T.instance]);
    expect(fs.find((f) => f.type === "aws:autoscaling/group:Group")!.message).toMatch(
      /launch template web has no instance profile/,
    );
    const lc = res(T.lc, "web", {
      imageId: "ami-1",
      instanceType: "t3.micro",
      iamInstanceProfile: "server-profile",
      metadataOptions: { httpTokens: "required" },
      rootBlockDevice: { encrypted: true },
    });
    const withLc = [...baseline(), lc, asg({ launchConfiguration: "web" })];
    expect(mandatory(evaluate(withLc))).toEqual([]);
  });
  it("SSM core granted through an exclusive attachment set counts", () => {
    const s = baseline().filter((r) => r.type !== T.rpa);
    expect(names(mandatory(evaluate(s)))).toEqual([PolicyNames.instanceSsmManaged]);
    s.push(
      res("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "server", {
        roleName: "server-role",
        policyArns: ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"],
      }),
    );
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
    s.push(
      res("aws:ec2/spotInstanceRequest:SpotInstanceRequest", "spot", {
        ...i.props,
        metadataOptions: { httpTokens: "optional" },
      }),
    );
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
    [
      "random chpasswd",
      "#cloud-config\nchpasswd:\n  expire: false\n  list: |\n    root:RANDOM\nruncmd:\n  - echo done:ok\n",
    ],
    ["chpasswd with a hash", "#cloud-config\nchpasswd:\n  list: |\n    root:$6$rounds=4096$salt$hash\n"],
    ["mysqladmin password from a variable", '#!/bin/bash\nmysqladmin -u root password "$DB_PW"\n'],
    [
      "a key:value after the chpasswd block",
      "#cloud-config\nchpasswd: { expire: False }\nruncmd:\n  - curl -o /tmp/x http://10.0.0.1:8080/x\n",
    ],
  ])("passes %s", (_n, ud) => {
    expect(withUserData(ud)).toEqual([]);
  });
});

describe("user data that names secrets without holding one", () => {
  it.each([
    [
      "an IMDSv2 token request",
      '#!/bin/bash\nTOKEN=$(curl -s -X PUT "http://169.254.169.254/latest/api/token" -H ' +
        '"X-aws-ec2-metadata-token-ttl-seconds: 21600")\n',
    ],
    [
      "a secret fetched by ARN",
      "#!/bin/bash\nDB=$(aws secretsmanager get-secret-value --secret-id " +
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf)\n",
    ],
    ["a secret fetched by --secret-id=", "#!/bin/bash\naws secretsmanager get-secret-value --secret-id=prod/db\n"],
    [
      "a token TTL setting",
      "#cloud-config\nwrite_files:\n  - path: /etc/app.yaml\n    content: |\n      token_ttl: 21600\n",
    ],
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
  const eip = (props: Record<string, unknown>) =>
    names(mandatory(evaluate([res("aws:ec2/eip:Eip", "e", { domain: "vpc", ...props })])));
  const assoc = (props: Record<string, unknown>) =>
    names(
      mandatory(
        evaluate([res("aws:ec2/eipAssociation:EipAssociation", "a", { allocationId: "eipalloc-1", ...props })]),
      ),
    );
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
  const fetch =
    "#!/bin/bash\nPW=$(aws secretsmanager get-secret-value --secret-id prod/db --query SecretString --output text)\n";
  it.each([
    ["IDENTIFIED BY '$PW'", `${fetch}mysql -e "CREATE USER 'app'@'%' IDENTIFIED BY '$PW'"\n`],
    ["IDENTIFIED BY '${PW}'", `${fetch}mysql -e "ALTER USER 'root'@'localhost' IDENTIFIED BY '\${PW}'"\n`],
    ['mysql -p"$PW"', `${fetch}mysql -uroot -p"$PW" -e 'select 1'\n`],
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

describe("EBS encryption by default", () => {
  const ebs = (enabled: unknown) => [res(T.ebsDefault, "account", enabled === undefined ? {} : { enabled })];
  const verdict = (fs: ReturnType<typeof evaluate>) =>
    fs.filter((f) => f.policy === PolicyNames.ebsEncryptionByDefault).map((f) => f.enforcement);
  it('enabled: false blocks (also as the string "false"); true or unset (the provider\'s default) passes', () => {
    expect(verdict(evaluate(ebs(false)))).toEqual(["mandatory"]);
    expect(verdict(evaluate(ebs("false")))).toEqual(["mandatory"]);
    expect(verdict(evaluate(ebs(true)))).toEqual([]);
    expect(verdict(evaluate(ebs(undefined)))).toEqual([]);
  });
  it("an unknown flag is advisory in preview", () => {
    expect(verdict(evaluate(ebs(UNKNOWN)))).toEqual(["advisory"]);
  });
  it("is decided per resource at Analyze, and remediate turns it back on", () => {
    const r = ebs(false)[0];
    expect(evaluateResource(PolicyNames.ebsEncryptionByDefault, r).findings.map((f) => f.enforcement)).toEqual([
      "mandatory",
    ]);
    expect(remediate(PolicyNames.ebsEncryptionByDefault, T.ebsDefault, { enabled: false })).toEqual({ enabled: true });
    expect(remediate(PolicyNames.ebsEncryptionByDefault, T.ebsDefault, { enabled: true })).toBeUndefined();
  });
  it("a disabled default no longer excuses unencrypted volumes", () => {
    const s = baseline();
    find(s, T.volume, "data").props.encrypted = false;
    s.push(ebs(false)[0]);
    expect(names(mandatory(evaluate(s)))).toEqual(
      [PolicyNames.ebsEncryptionByDefault, PolicyNames.instanceEncryptedVolumes].sort(),
    );
  });
});
