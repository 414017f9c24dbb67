/**
 * SecureNetwork: a VPC whose instances have no inbound path from the internet and need none to be managed.
 * Private subnets in two AZs, no public IPs on launch, ALL-traffic flow logs to a KMS-encrypted log group, the default
 * security group adopted and emptied, a NACL that denies admin ports from the internet, and SSM/logs interface
 * endpoints (plus an S3 gateway) so SSM works with no internet route. NAT egress is opt-in.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { parseArgs } from "../config";
import { FLOW_LOG_TRAFFIC, LOG_RETENTION_DAYS, SSM_INTERFACE_ENDPOINTS } from "../controls";
import { input, invokeOpts, mergeTags, tagsField, waiversField } from "../common";
import { carryWaivers, isInternet, NACL_ADMIN_PORTS } from "../../policies/src/exposure";
import { Firewall, Peer, Port } from "./firewall";
import { parseCidr } from "../rules";

const cidr = z.string().superRefine((v, ctx) => {
  try {
    parseCidr(v, "ipv4");
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
  }
});

const networkArgsSchema = z
  .object({
    cidr: cidr.refine((c) => {
      const len = Number(c.split("/")[1]);
      return len >= 16 && len <= 24;
    }, "use a VPC prefix between /16 and /24"),
    availabilityZoneCount: z.number().int().min(2, "use at least 2 AZs").max(4).default(2),
    natEgress: z.boolean().default(false),
    flowLogRetentionDays: z
      .number()
      .refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), "use a CloudWatch retention value")
      .default(365),
    /** KMS key for the flow-log group (required: flow logs are never stored unencrypted). */
    logKmsKeyArn: input<string>("a KMS key ARN for the flow-log group"),
    /** Sources allowed to reach admin ports through the NACL (the VPC itself by default, e.g. a bastion). */
    adminSourceCidrs: z.array(cidr).max(80, "list at most 80 admin source ranges").default([]),
    interfaceEndpoints: z.array(z.string().regex(/^[a-z0-9.-]+$/)).default([...SSM_INTERFACE_ENDPOINTS]),
    authorizedWebPorts: z.array(z.number().int()).optional(),
    /** RDP (3389) is opened to admin sources only when the site declares a Windows server. */
    rdp: z.boolean().default(false),
    /**
     * Bastion mode: a dedicated bastion subnet whose own NACL opens 22 from these ranges only; the private subnets
     * then take 22 from the bastion subnet alone. The bastion's waivers reach that NACL as tags (same exposure).
     */
    bastion: z
      .object({
        allowedCidrs: z
          .array(
            z.string().superRefine((v, ctx) => {
              try {
                parseCidr(v);
              } catch (e) {
                ctx.addIssue({ code: "custom", message: (e as Error).message });
              }
            }),
          )
          .min(1, "list the CIDRs allowed to reach the bastion"),
        waivers: waiversField,
        /** Declared internal ranges (site CIDRs, bulwark:internalCidrs) for the exposure model. */
        internalCidrs: z.array(z.string()).default([]),
      })
      .strict()
      .optional(),
    tags: tagsField,
  })
  .strict();

export type SecureNetworkArgs = z.input<typeof networkArgsSchema>;

/** Splits a CIDR into `count` equal subnets (next power of two). Pure. */
export function splitCidr(cidrText: string, count: number): string[] {
  const [addr, len] = ipaddr.parseCIDR(cidrText);
  const bits = Math.ceil(Math.log2(count));
  const newLen = len + bits;
  if (newLen > 28) throw new RangeError(`${cidrText} is too small for ${count} subnets`);
  const base = (addr.toByteArray() as number[]).reduce((acc, b) => acc * 256 + b, 0);
  const size = 2 ** (32 - newLen);
  return Array.from({ length: count }, (_, i) => {
    const n = base + i * size;
    return `${[24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".")}/${newLen}`;
  });
}

type NaclIngress = aws.types.input.ec2.NetworkAclIngress;

/** Deny a port from every IPv4 and IPv6 address, at rules n90/n91 of block `block`. */
function denyAll(port: number, block: number): NaclIngress[] {
  return [
    { ruleNo: 100 * block + 90, action: "deny", protocol: "tcp", fromPort: port, toPort: port, cidrBlock: "0.0.0.0/0" },
    { ruleNo: 100 * block + 91, action: "deny", protocol: "tcp", fromPort: port, toPort: port, ipv6CidrBlock: "::/0" },
  ];
}

/**
 * Admin ports open from `sources` first, then denied from everywhere; SSH (22) and RDP (3389) that are not opened are
 * still denied. Everything else is allowed at 1000 (NACLs are stateless: return traffic).
 */
function naclIngress(open: readonly number[], sources: readonly string[]): NaclIngress[] {
  const out: NaclIngress[] = [];
  NACL_ADMIN_PORTS.forEach((p, pi) => {
    if (open.includes(p)) {
      sources.forEach((src, si) => {
        const cidr = src.includes(":") ? { ipv6CidrBlock: src } : { cidrBlock: src };
        out.push({ ruleNo: 100 * (pi + 1) + si, action: "allow", protocol: "tcp", fromPort: p, toPort: p, ...cidr });
      });
    }
    out.push(...denyAll(p, pi + 1));
  });
  out.push({ ruleNo: 1000, action: "allow", protocol: "-1", fromPort: 0, toPort: 0, cidrBlock: "0.0.0.0/0" });
  return out;
}

export class SecureNetwork extends pulumi.ComponentResource {
  readonly vpc: aws.ec2.Vpc;
  readonly vpcId: pulumi.Output<string>;
  readonly cidr: string;
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly endpointFirewall: Firewall;
  readonly flowLogGroup: aws.cloudwatch.LogGroup;
  readonly natGatewayId?: pulumi.Output<string>;
  /** Bastion mode: the bastion's own subnet (private routing, its own NACL). */
  readonly bastionSubnetId?: pulumi.Output<string>;
  readonly bastionSubnetCidr?: string;

  constructor(name: string, args: SecureNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    const a = parseArgs(networkArgsSchema, args, "SecureNetwork", name);
    super("bulwark:network:SecureNetwork", name, {}, opts);
    const azCount = a.availabilityZoneCount;
    const tags = (n: string, extra: Record<string, string> = {}) =>
      mergeTags("SecureNetwork", { Name: n, ...a.tags, ...extra });
    this.cidr = a.cidr;

    const azs = aws.getAvailabilityZonesOutput({ state: "available" }, invokeOpts(this)).names;
    const region = aws.getRegionOutput({}, invokeOpts(this)).region;

    this.vpc = new aws.ec2.Vpc(
      name,
      {
        cidrBlock: a.cidr,
        enableDnsHostnames: true, // required by private DNS on interface endpoints
        enableDnsSupport: true,
        tags: tags(name),
      },
      { parent: this },
    );
    this.vpcId = this.vpc.id;

    // Adopt the default SG and leave it with no rules (FSBP EC2.2).
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default`,
      { vpcId: this.vpc.id, ingress: [], egress: [], tags: tags(`${name}-default-unused`) },
      { parent: this },
    );

    // Half the range for private subnets, half kept for public (NAT) subnets.
    const halves = splitCidr(a.cidr, 2);
    const privateCidrs = splitCidr(halves[0], azCount);
    const publicCidrs = splitCidr(halves[1], azCount);

    const privateRt = new aws.ec2.RouteTable(
      `${name}-private`,
      { vpcId: this.vpc.id, tags: tags(`${name}-private`) },
      { parent: this },
    );
    const privateSubnets = privateCidrs.map((c, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: this.vpc.id,
          cidrBlock: c,
          availabilityZone: azs.apply((z) => z[i % z.length]),
          mapPublicIpOnLaunch: false,
          tags: tags(`${name}-private-${i}`, { "bulwark:tier": "private" }),
        },
        { parent: this },
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${i}`,
        { subnetId: subnet.id, routeTableId: privateRt.id },
        { parent: this },
      );
      return subnet;
    });
    this.privateSubnetIds = privateSubnets.map((s) => s.id);

    if (a.natEgress) {
      const igw = new aws.ec2.InternetGateway(name, { vpcId: this.vpc.id, tags: tags(name) }, { parent: this });
      const publicRt = new aws.ec2.RouteTable(
        `${name}-public`,
        { vpcId: this.vpc.id, tags: tags(`${name}-public`) },
        { parent: this },
      );
      new aws.ec2.Route(
        `${name}-public-default`,
        { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
        { parent: this },
      );
      const publicSubnet = new aws.ec2.Subnet(
        `${name}-public-0`,
        {
          vpcId: this.vpc.id,
          cidrBlock: publicCidrs[0],
          availabilityZone: azs.apply((z) => z[0]),
          mapPublicIpOnLaunch: false, // only the NAT gateway lives here, with its own EIP
          tags: tags(`${name}-public-0`, { "bulwark:tier": "public" }),
        },
        { parent: this },
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-0`,
        { subnetId: publicSubnet.id, routeTableId: publicRt.id },
        { parent: this },
      );
      const eip = new aws.ec2.Eip(
        `${name}-nat`,
        { domain: "vpc", tags: tags(`${name}-nat`) },
        { parent: this, dependsOn: [igw] },
      );
      const nat = new aws.ec2.NatGateway(
        name,
        { subnetId: publicSubnet.id, allocationId: eip.id, tags: tags(name) },
        { parent: this },
      );
      new aws.ec2.Route(
        `${name}-private-default`,
        { routeTableId: privateRt.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id },
        { parent: this },
      );
      this.natGatewayId = nat.id;
    }

    // Bastion mode: the bastion gets its own subnet (an unused slot of the public half, routed privately).
    let bastionSubnet: aws.ec2.Subnet | undefined;
    if (a.bastion) {
      this.bastionSubnetCidr = publicCidrs[publicCidrs.length - 1];
      bastionSubnet = new aws.ec2.Subnet(
        `${name}-bastion`,
        {
          vpcId: this.vpc.id,
          cidrBlock: this.bastionSubnetCidr,
          availabilityZone: azs.apply((z) => z[0]),
          mapPublicIpOnLaunch: false,
          tags: tags(`${name}-bastion`, { "bulwark:tier": "bastion" }),
        },
        { parent: this },
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-bastion`,
        { subnetId: bastionSubnet.id, routeTableId: privateRt.id },
        { parent: this },
      );
      this.bastionSubnetId = bastionSubnet.id;
    }

    // NACL: admin ports only from the bastion subnet (bastion mode) or the VPC, and listed admin sources; denied from
    // everywhere else (FSBP EC2.21). RDP only when a Windows server is declared.
    const adminPorts = NACL_ADMIN_PORTS.filter((p) => p !== 3389 || a.rdp);
    const inside = this.bastionSubnetCidr ?? a.cidr;
    const ingress = naclIngress(adminPorts, [inside, ...a.adminSourceCidrs.filter((c) => c !== inside)]);
    new aws.ec2.NetworkAcl(
      `${name}-private`,
      {
        vpcId: this.vpc.id,
        subnetIds: this.privateSubnetIds,
        ingress,
        egress: [{ ruleNo: 1000, action: "allow", protocol: "-1", fromPort: 0, toPort: 0, cidrBlock: "0.0.0.0/0" }],
        tags: tags(`${name}-private`),
      },
      { parent: this },
    );

    if (a.bastion && bastionSubnet) {
      // The bastion subnet's NACL: 22 from the allow-listed ranges only. Its internet entries are the bastion's
      // exposure, so the bastion's one waiver reaches this NACL (and nothing else) under the NACL policy's name.
      const sources = a.bastion.allowedCidrs;
      const internal = [a.cidr, ...a.bastion.internalCidrs];
      const ssh = { all: false as const, ranges: [[22, 22]] as [number, number][] };
      const carried = sources
        .filter((c) => isInternet(c, internal))
        .flatMap((c) => carryWaivers(a.bastion!.waivers, c, ssh, "network-acl", { internalCidrs: internal }));
      const waivers = carried.filter((w, i) => carried.findIndex((x) => x.policy === w.policy) === i);
      new aws.ec2.NetworkAcl(
        `${name}-bastion`,
        {
          vpcId: this.vpc.id,
          subnetIds: [bastionSubnet.id],
          ingress: naclIngress([22], sources),
          egress: [{ ruleNo: 1000, action: "allow", protocol: "-1", fromPort: 0, toPort: 0, cidrBlock: "0.0.0.0/0" }],
          tags: mergeTags("SecureNetwork", { Name: `${name}-bastion`, ...a.tags }, waivers),
        },
        { parent: this },
      );
    }

    // Flow logs: ALL traffic, encrypted, retained (FSBP EC2.6, CloudWatch.16-ish retention).
    this.flowLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-flow`,
      {
        name: `/bulwark/flow-logs/${name}`,
        retentionInDays: a.flowLogRetentionDays,
        kmsKeyId: a.logKmsKeyArn,
        tags: tags(`${name}-flow`),
      },
      { parent: this },
    );
    const account = aws.getCallerIdentityOutput({}, invokeOpts(this)).accountId;
    const flowRole = new aws.iam.Role(
      `${name}-flow`,
      {
        // Only this account's flow logs may assume it (confused-deputy guard).
        assumeRolePolicy: account.apply((acct) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": acct } },
              },
            ],
          }),
        ),
        tags: tags(`${name}-flow`),
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-flow`,
      {
        role: flowRole.id,
        policy: this.flowLogGroup.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                Resource: [arn, `${arn}:*`],
              },
            ],
          }),
        ),
      },
      { parent: this },
    );
    new aws.ec2.FlowLog(
      name,
      {
        vpcId: this.vpc.id,
        trafficType: FLOW_LOG_TRAFFIC,
        logDestinationType: "cloud-watch-logs",
        logDestination: this.flowLogGroup.arn,
        iamRoleArn: flowRole.arn,
        maxAggregationInterval: 60,
        tags: tags(name),
      },
      { parent: this },
    );

    // Endpoints: HTTPS from inside the VPC only, no egress.
    this.endpointFirewall = new Firewall(
      `${name}-endpoints`,
      {
        vpcId: this.vpc.id,
        description: "SSM and logs interface endpoints: HTTPS from the VPC",
        egress: "none",
        tags: a.tags,
      },
      { parent: this },
    );
    this.endpointFirewall.allowFrom(Peer.ipv4(a.cidr), Port.tcp(443), "HTTPS to endpoints from the VPC");
    for (const svc of a.interfaceEndpoints) {
      new aws.ec2.VpcEndpoint(
        `${name}-${svc}`,
        {
          vpcId: this.vpc.id,
          serviceName: pulumi.interpolate`com.amazonaws.${region}.${svc}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: this.privateSubnetIds,
          securityGroupIds: [this.endpointFirewall.securityGroupId],
          tags: tags(`${name}-${svc}`),
        },
        { parent: this },
      );
    }
    new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: this.vpc.id,
        serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: [privateRt.id],
        tags: tags(`${name}-s3`),
      },
      { parent: this },
    );

    this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds });
  }
}
