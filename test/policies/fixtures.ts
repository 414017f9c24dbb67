/**
 * Pulumi-shaped stacks for the policy tests: a compliant baseline (every control satisfied, links by id as in an
 * update) and the postmortem server as a plain Pulumi stack. Property names follow @pulumi/aws 7 inputs.
 */
import type { PolicyInputResource } from "../../policies/src/engine";
import { UNKNOWN } from "../../policies/src/engine";

export const STACK = "urn:pulumi:prod::plain";

export function urnOf(type: string, name: string): string {
  return `${STACK}::${type}::${name}`;
}

export function res(
  type: string,
  name: string,
  props: Record<string, unknown>,
  extra: Partial<PolicyInputResource> = {},
): PolicyInputResource {
  return { urn: urnOf(type, name), type, name, props, ...extra };
}

export const T = {
  vpc: "aws:ec2/vpc:Vpc",
  flowLog: "aws:ec2/flowLog:FlowLog",
  defaultSg: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  subnet: "aws:ec2/subnet:Subnet",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  nacl: "aws:ec2/networkAcl:NetworkAcl",
  naclRule: "aws:ec2/networkAclRule:NetworkAclRule",
  instance: "aws:ec2/instance:Instance",
  lt: "aws:ec2/launchTemplate:LaunchTemplate",
  lc: "aws:ec2/launchConfiguration:LaunchConfiguration",
  volume: "aws:ebs/volume:Volume",
  ebsDefault: "aws:ebs/encryptionByDefault:EncryptionByDefault",
  profile: "aws:iam/instanceProfile:InstanceProfile",
  role: "aws:iam/role:Role",
  rpa: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  upa: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  ssmDoc: "aws:ssm/document:Document",
  db: "aws:rds/instance:Instance",
  cluster: "aws:rds/cluster:Cluster",
  pg: "aws:rds/parameterGroup:ParameterGroup",
  cpg: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
  secret: "aws:secretsmanager/secret:Secret",
  rotation: "aws:secretsmanager/secretRotation:SecretRotation",
  detector: "aws:guardduty/detector:Detector",
  trail: "aws:cloudtrail/trail:Trail",
  baseline: "bulwark:security:SecurityBaseline",
} as const;

const SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";

/** Every control satisfied; references by id/name/ARN as the engine sends outputs in an update. */
export function baseline(): PolicyInputResource[] {
  return [
    res(T.baseline, "baseline", {}),
    res(T.vpc, "main", { id: "vpc-1", cidrBlock: "10.0.0.0/16" }),
    res(T.flowLog, "main", { id: "fl-1", vpcId: "vpc-1", trafficType: "ALL" }),
    res(T.defaultSg, "main-default", { id: "sg-default", vpcId: "vpc-1", ingress: [], egress: [] }),
    res(T.subnet, "private-a", {
      id: "subnet-1",
      vpcId: "vpc-1",
      cidrBlock: "10.0.1.0/24",
      mapPublicIpOnLaunch: false,
    }),
    res(T.sg, "web", {
      id: "sg-web",
      vpcId: "vpc-1",
      description: "web servers",
      ingress: [
        {
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: ["0.0.0.0/0"],
          ipv6CidrBlocks: ["::/0"],
          description: "HTTPS from the internet",
        },
        {
          protocol: "tcp",
          fromPort: 22,
          toPort: 22,
          securityGroups: ["sg-bastion"],
          description: "SSH from the bastion only (lateral-movement control)",
        },
      ],
      egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "HTTPS out" }],
    }),
    res(T.sg, "db", { id: "sg-db", vpcId: "vpc-1", description: "database" }),
    res(T.sgRule, "db-from-web", {
      type: "ingress",
      securityGroupId: "sg-db",
      protocol: "tcp",
      fromPort: 3306,
      toPort: 3306,
      sourceSecurityGroupId: "sg-web",
      description: "MySQL from web",
    }),
    res(T.ingress, "web-http", {
      securityGroupId: "sg-web",
      ipProtocol: "tcp",
      fromPort: 80,
      toPort: 80,
      cidrIpv4: "0.0.0.0/0",
      description: "HTTP redirect",
    }),
    res(T.egress, "db-out", {
      securityGroupId: "sg-db",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "10.0.0.0/16",
      description: "to VPC endpoints",
    }),
    res(T.nacl, "private", {
      id: "acl-1",
      vpcId: "vpc-1",
      ingress: [
        { ruleNo: 100, action: "allow", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlock: "10.0.0.0/16" },
        { ruleNo: 190, action: "deny", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlock: "0.0.0.0/0" },
        { ruleNo: 191, action: "deny", protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlock: "::/0" },
        { ruleNo: 290, action: "deny", protocol: "tcp", fromPort: 3389, toPort: 3389, cidrBlock: "0.0.0.0/0" },
        { ruleNo: 291, action: "deny", protocol: "tcp", fromPort: 3389, toPort: 3389, ipv6CidrBlock: "::/0" },
        { ruleNo: 1000, action: "allow", protocol: "-1", fromPort: 0, toPort: 0, cidrBlock: "0.0.0.0/0" },
      ],
    }),
    res(T.role, "server", {
      id: "server-role",
      name: "server-role",
      arn: "arn:aws:iam::123456789012:role/server-role",
    }),
    res(T.rpa, "server-ssm", { role: "server-role", policyArn: SSM_CORE }),
    res(T.profile, "server", { id: "server-profile", name: "server-profile", role: "server-role" }),
    res(T.lt, "web", {
      id: "lt-1",
      name: "web-lt",
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" },
      networkInterfaces: [{ associatePublicIpAddress: "false", subnetId: "subnet-1" }],
      blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeSize: 20, kmsKeyId: KEY } }],
      iamInstanceProfile: { name: "server-profile" },
      monitoring: { enabled: true },
      disableApiTermination: true,
    }),
    res(T.instance, "web-1", {
      id: "i-1",
      ami: "ami-1",
      instanceType: "t3.micro",
      subnetId: "subnet-1",
      associatePublicIpAddress: false,
      iamInstanceProfile: "server-profile",
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" },
      rootBlockDevice: { encrypted: true, kmsKeyId: KEY },
      ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true, kmsKeyId: KEY }],
      monitoring: true,
      disableApiTermination: true,
      vpcSecurityGroupIds: ["sg-web"],
      userData:
        "#!/bin/bash\nsed -i 's/^#\\?PasswordAuthentication.*/PasswordAuthentication no/' /etc/ssh/sshd_config\n" +
        "DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id app --query SecretString --output text)\n",
    }),
    res(T.instance, "web-2", {
      id: "i-2",
      ami: "ami-1",
      instanceType: "t3.micro",
      launchTemplate: { id: "lt-1", version: "$Latest" },
    }),
    res(T.volume, "data", { id: "vol-1", availabilityZone: "eu-west-1a", size: 10, encrypted: true, kmsKeyId: KEY }),
    res(T.ssmDoc, "session-prefs", {
      name: "SSM-SessionManagerRunShell",
      documentType: "Session",
      documentFormat: "JSON",
      content: JSON.stringify({
        schemaVersion: "1.0",
        sessionType: "Standard_Stream",
        inputs: {
          kmsKeyId: KEY,
          cloudWatchLogGroupName: "/ssm/sessions",
          cloudWatchEncryptionEnabled: true,
          s3BucketName: "",
          s3EncryptionEnabled: true,
        },
      }),
    }),
    res(T.pg, "mysql-tls", {
      id: "mysql-tls",
      name: "mysql-tls",
      family: "mysql8.0",
      parameters: [{ name: "require_secure_transport", value: "1" }],
    }),
    res(T.db, "app", {
      id: "db-1",
      engine: "mysql",
      engineVersion: "8.0",
      instanceClass: "db.t4g.micro",
      publiclyAccessible: false,
      storageEncrypted: true,
      kmsKeyId: KEY,
      iamDatabaseAuthenticationEnabled: true,
      manageMasterUserPassword: true,
      parameterGroupName: "mysql-tls",
      deletionProtection: true,
      backupRetentionPeriod: 7,
      enabledCloudwatchLogsExports: ["error", "general", "slowquery"],
      multiAz: true,
      performanceInsightsEnabled: true,
      monitoringInterval: 60,
    }),
    res(T.secret, "api-key", {
      id: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-key-AbCd",
      arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-key-AbCd",
      name: "api-key",
      kmsKeyId: KEY,
    }),
    res(T.rotation, "api-key", {
      secretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-key-AbCd",
      rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:rotate",
      rotationRules: { automaticallyAfterDays: 30 },
    }),
    res(T.detector, "main", { enable: true }),
    res(T.trail, "main", {
      isMultiRegionTrail: true,
      enableLogFileValidation: true,
      enableLogging: true,
      kmsKeyId: KEY,
      cloudWatchLogsGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:trail:*",
      s3BucketName: "trail-bucket",
    }),
  ];
}

/** The same baseline as a preview sends it: ids unknown, links only through propertyDependencies. */
export function asPreview(stack: PolicyInputResource[]): PolicyInputResource[] {
  const byRef = new Map<string, string>();
  for (const r of stack)
    for (const k of ["id", "arn", "name"]) if (typeof r.props[k] === "string") byRef.set(r.props[k] as string, r.urn);
  const refKeys = new Set([
    "vpcId",
    "subnetId",
    "securityGroupId",
    "sourceSecurityGroupId",
    "role",
    "iamInstanceProfile",
    "parameterGroupName",
    "secretId",
    "launchTemplate",
    "networkAclId",
    "prefixListIds",
    "prefixListId",
  ]);
  return stack.map((r) => {
    const props: Record<string, unknown> = {};
    const pd: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(r.props)) {
      if (k === "id" || k === "arn") continue;
      if (refKeys.has(k)) {
        const ref =
          typeof v === "string"
            ? v
            : Array.isArray(v)
              ? String(v[0])
              : k === "launchTemplate"
                ? ((v as { id?: string }).id ?? "")
                : "";
        const target = byRef.get(ref);
        if (target) {
          pd[k] = [target];
          props[k] =
            k === "launchTemplate" ? { id: UNKNOWN, version: "$Latest" } : Array.isArray(v) ? [UNKNOWN] : UNKNOWN;
          continue;
        }
      }
      props[k] = v;
    }
    return { ...r, props, propertyDependencies: pd, dependencies: Object.values(pd).flat() };
  });
}

const OPEN = ["0.0.0.0/0"];

/** The postmortem server written as a plain Pulumi stack, without Bulwark. */
export function postmortem(): PolicyInputResource[] {
  return [
    res(T.vpc, "legacy", { id: "vpc-9", cidrBlock: "172.31.0.0/16" }),
    res(T.subnet, "public", { id: "subnet-9", vpcId: "vpc-9", cidrBlock: "172.31.0.0/20", mapPublicIpOnLaunch: true }),
    res(T.sg, "server", {
      id: "sg-9",
      vpcId: "vpc-9",
      description: "server",
      ingress: [
        { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: OPEN, description: "web" },
        { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: OPEN, description: "remote admin" },
        { protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: OPEN, description: "mysql" },
      ],
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: OPEN, description: "all" }],
    }),
    res(T.instance, "server", {
      id: "i-9",
      ami: "ami-ubuntu-2004",
      instanceType: "t3.medium",
      subnetId: "subnet-9",
      vpcSecurityGroupIds: ["sg-9"],
      keyName: "ops",
      userData: [
        "#!/bin/bash",
        "apt-get install -y apache2=2.4.49-1 mysql-server",
        "sed -i 's/^PasswordAuthentication no/PasswordAuthentication yes/' /etc/ssh/sshd_config",
        "echo 'PasswordAuthentication yes' >> /etc/ssh/sshd_config",
        "echo 'admin:Summer2024!' | chpasswd",
        "mysql -uroot -e \"CREATE USER 'app'@'%' IDENTIFIED BY 'app123'; GRANT ALL ON *.* TO 'app'@'%';\"",
        "sed -i 's/bind-address.*/bind-address = 0.0.0.0/' /etc/mysql/mysql.conf.d/mysqld.cnf",
      ].join("\n"),
    }),
  ];
}
