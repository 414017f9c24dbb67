import { ArgsError } from "../../components/config";
import { ADMIN_PORTS, SSM_INTERFACE_ENDPOINTS } from "../../components/controls";
import { SecureNetwork, splitCidr } from "../../components/network/secure-network";
import { T, record } from "./harness";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/k";

describe("SecureNetwork", () => {
  test("private subnets in two AZs, no public IP on launch, no internet route by default", async () => {
    const r = await record(() => new SecureNetwork("hq", { cidr: "10.10.0.0/16", logKmsKeyArn: KEY }));
    expect(r.one(T.vpc).inputs).toMatchObject({
      cidrBlock: "10.10.0.0/16",
      enableDnsHostnames: true,
      enableDnsSupport: true,
    });
    const subnets = r.ofType(T.subnet);
    expect(subnets.map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone, s.inputs.mapPublicIpOnLaunch])).toEqual([
      ["10.10.0.0/18", "eu-west-1a", false],
      ["10.10.64.0/18", "eu-west-1b", false],
    ]);
    expect(r.ofType(T.igw)).toHaveLength(0);
    expect(r.ofType(T.nat)).toHaveLength(0);
    expect(r.ofType(T.route)).toHaveLength(0);
  });

  test("NAT egress is opt-in: one NAT in a public subnet, default route for the private subnets", async () => {
    const r = await record(() => new SecureNetwork("br", { cidr: "10.20.0.0/20", logKmsKeyArn: KEY, natEgress: true }));
    const nat = r.one(T.nat);
    const routes = r.ofType(T.route);
    expect(routes.map((x) => x.inputs.destinationCidrBlock)).toEqual(["0.0.0.0/0", "0.0.0.0/0"]);
    const privateDefault = routes.find((x) => x.name === "br-private-default")!;
    expect(privateDefault.propertyDependencies.natGatewayId).toEqual([nat.urn]);
    const publicSubnet = r.ofType(T.subnet).find((s) => s.name === "br-public-0")!;
    expect(publicSubnet.inputs).toMatchObject({ cidrBlock: "10.20.8.0/22", mapPublicIpOnLaunch: false });
  });

  test("flow logs capture ALL traffic into a KMS-encrypted, retained log group", async () => {
    const r = await record(
      () => new SecureNetwork("hq", { cidr: "10.10.0.0/16", logKmsKeyArn: KEY, flowLogRetentionDays: 731 }),
    );
    const lg = r.one(T.logGroup);
    expect(lg.inputs).toMatchObject({ kmsKeyId: KEY, retentionInDays: 731 });
    const fl = r.one(T.flowLog);
    expect(fl.inputs).toMatchObject({ trafficType: "ALL", logDestinationType: "cloud-watch-logs" });
    expect(fl.propertyDependencies.logDestination).toEqual([lg.urn]);
    expect(fl.propertyDependencies.vpcId).toEqual([r.one(T.vpc).urn]);
    const trust = JSON.parse(String(r.one(T.role).inputs.assumeRolePolicy));
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: "vpc-flow-logs.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
      }),
    ]);
    expect(fl.propertyDependencies.iamRoleArn).toEqual([r.one(T.role).urn]);
  });

  test("the default security group is adopted with no rules", async () => {
    const r = await record(() => new SecureNetwork("hq", { cidr: "10.10.0.0/16", logKmsKeyArn: KEY }));
    expect(r.one(T.defaultSg).inputs).toMatchObject({ ingress: [], egress: [] });
  });

  type Entry = { ruleNo: number; action: string; fromPort: number; cidrBlock?: string; ipv6CidrBlock?: string };
  const byPort = (rules: Entry[], port: number) =>
    rules
      .filter((x) => x.fromPort === port)
      .sort((a, b) => a.ruleNo - b.ruleNo)
      .map((x) => [x.action, x.cidrBlock ?? x.ipv6CidrBlock]);

  test(
    "the NACL denies admin ports from the internet, allowing SSH only from the VPC and listed sources first; " +
      "RDP only for Windows",
    async () => {
      const r = await record(
        () =>
          new SecureNetwork("hq", { cidr: "10.10.0.0/16", logKmsKeyArn: KEY, adminSourceCidrs: ["192.168.50.0/24"] }),
      );
      const nacl = r.one(T.nacl);
      const rules = nacl.inputs.ingress as Entry[];
      expect(byPort(rules, 22)).toEqual([
        ["allow", "10.10.0.0/16"],
        ["allow", "192.168.50.0/24"],
        ["deny", "0.0.0.0/0"],
        ["deny", "::/0"],
      ]);
      // No Windows server: 3389 is opened to nobody.
      expect(byPort(rules, 3389)).toEqual([
        ["deny", "0.0.0.0/0"],
        ["deny", "::/0"],
      ]);
      const catchAll = rules.find((x) => x.action === "allow" && x.cidrBlock === "0.0.0.0/0")!;
      expect(catchAll.ruleNo).toBeGreaterThan(
        Math.max(...rules.filter((x) => ADMIN_PORTS.includes(x.fromPort)).map((x) => x.ruleNo)),
      );
      expect(new Set(rules.map((x) => x.ruleNo)).size).toBe(rules.length);
      expect(nacl.propertyDependencies.subnetIds).toHaveLength(2);
      const rdp = await record(() => new SecureNetwork("win", { cidr: "10.30.0.0/16", logKmsKeyArn: KEY, rdp: true }));
      expect(byPort(rdp.one(T.nacl).inputs.ingress as Entry[], 3389)).toEqual([
        ["allow", "10.30.0.0/16"],
        ["deny", "0.0.0.0/0"],
        ["deny", "::/0"],
      ]);
    },
  );

  const WAIVER = {
    policy: "ec2-security-group-disallow-internet-admin-ingress",
    reason: "office VPN egress reaches the bastion",
    approver: "security@example.com",
    expires: "2099-12-31",
  };

  test(
    "bastion mode: a bastion subnet with its own NACL takes 22 from the office only; private subnets take 22 " +
      "from that subnet only",
    async () => {
      const r = await record(
        () =>
          new SecureNetwork("hq", {
            cidr: "10.10.0.0/16",
            logKmsKeyArn: KEY,
            bastion: { allowedCidrs: ["81.2.69.0/24", "2a02:c7f:1234::/48"], waivers: [WAIVER] },
          }),
      );
      const bastionSubnet = r.ofType(T.subnet).find((s) => s.name === "hq-bastion")!;
      expect(bastionSubnet.inputs).toMatchObject({ cidrBlock: "10.10.192.0/18", mapPublicIpOnLaunch: false });
      const nacls = r.ofType(T.nacl);
      expect(nacls.map((n) => n.name).sort()).toEqual(["hq-bastion", "hq-private"]);
      const priv = nacls.find((n) => n.name === "hq-private")!;
      const bast = nacls.find((n) => n.name === "hq-bastion")!;
      expect(byPort(priv.inputs.ingress as Entry[], 22)).toEqual([
        ["allow", "10.10.192.0/18"],
        ["deny", "0.0.0.0/0"],
        ["deny", "::/0"],
      ]);
      expect(byPort(bast.inputs.ingress as Entry[], 22)).toEqual([
        ["allow", "81.2.69.0/24"],
        ["allow", "2a02:c7f:1234::/48"],
        ["deny", "0.0.0.0/0"],
        ["deny", "::/0"],
      ]);
      for (const n of nacls)
        expect(byPort(n.inputs.ingress as Entry[], 3389)).toEqual([
          ["deny", "0.0.0.0/0"],
          ["deny", "::/0"],
        ]);
      expect(bast.propertyDependencies.subnetIds).toEqual([bastionSubnet.urn]);
      // The one waiver reaches the bastion NACL under the NACL policy's name, and nothing else.
      const tags = (n: typeof bast) =>
        Object.fromEntries(
          Object.entries((n.inputs.tags ?? {}) as Record<string, string>).filter(([k]) =>
            k.startsWith("bulwark:waiver:"),
          ),
        );
      expect(tags(bast)).toEqual({
        "bulwark:waiver:ec2-network-acl-disallow-internet-admin-ingress:reason": WAIVER.reason,
        "bulwark:waiver:ec2-network-acl-disallow-internet-admin-ingress:approver": WAIVER.approver,
        "bulwark:waiver:ec2-network-acl-disallow-internet-admin-ingress:expires": WAIVER.expires,
      });
      expect(tags(priv)).toEqual({});
    },
  );

  test("bastion mode with a private office range carries no waiver: nothing to cover", async () => {
    const r = await record(
      () =>
        new SecureNetwork("hq", {
          cidr: "10.10.0.0/16",
          logKmsKeyArn: KEY,
          bastion: { allowedCidrs: ["192.168.50.0/24"], waivers: [WAIVER] },
        }),
    );
    const bast = r.ofType(T.nacl).find((n) => n.name === "hq-bastion")!;
    expect(
      Object.keys((bast.inputs.tags ?? {}) as Record<string, string>).filter((k) => k.startsWith("bulwark:waiver:")),
    ).toEqual([]);
  });

  test(
    "SSM/logs interface endpoints with private DNS, " + "an S3 gateway, and an endpoint firewall open to the VPC only",
    async () => {
      const r = await record(() => new SecureNetwork("hq", { cidr: "10.10.0.0/16", logKmsKeyArn: KEY }));
      const eps = r.ofType(T.endpoint);
      const iface = eps.filter((e) => e.inputs.vpcEndpointType === "Interface");
      expect(iface.map((e) => e.inputs.serviceName).sort()).toEqual(
        SSM_INTERFACE_ENDPOINTS.map((s) => `com.amazonaws.eu-west-1.${s}`).sort(),
      );
      for (const e of iface) expect(e.inputs.privateDnsEnabled).toBe(true);
      expect(eps.find((e) => e.inputs.vpcEndpointType === "Gateway")?.inputs.serviceName).toBe(
        "com.amazonaws.eu-west-1.s3",
      );
      expect(r.one(T.ingress).inputs).toMatchObject({ cidrIpv4: "10.10.0.0/16", fromPort: 443, toPort: 443 });
      expect(r.ofType(T.egress)).toHaveLength(0);
    },
  );

  test("bad args name the field and create nothing", async () => {
    const r = await record(() => {
      expect(() => new SecureNetwork("a", { cidr: "10.0.0.0/8", logKmsKeyArn: KEY })).toThrow(
        /args\.cidr.*\/16 and \/24/,
      );
      expect(() => new SecureNetwork("b", { cidr: "10.0.0.5/16", logKmsKeyArn: KEY })).toThrow(/host bits set/);
      expect(() => new SecureNetwork("c", { cidr: "10.0.0.0/16" } as never)).toThrow(/args\.logKmsKeyArn/);
      expect(
        () => new SecureNetwork("d", { cidr: "10.0.0.0/16", logKmsKeyArn: KEY, flowLogRetentionDays: 10 }),
      ).toThrow(ArgsError);
      expect(
        () => new SecureNetwork("e", { cidr: "10.0.0.0/16", logKmsKeyArn: KEY, availabilityZoneCount: 1 }),
      ).toThrow(/at least 2 AZs/);
    });
    expect(r.resources).toHaveLength(0);
  });

  test("options: three AZs, a custom endpoint list, caller tags on every resource", async () => {
    const r = await record(
      () =>
        new SecureNetwork("hq", {
          cidr: "10.10.0.0/16",
          logKmsKeyArn: KEY,
          availabilityZoneCount: 3,
          interfaceEndpoints: ["ssm", "kms"],
          tags: { team: "platform" },
        }),
    );
    expect(r.ofType(T.subnet).map((s) => s.inputs.availabilityZone)).toEqual([
      "eu-west-1a",
      "eu-west-1b",
      "eu-west-1c",
    ]);
    expect(
      r
        .ofType(T.endpoint)
        .filter((e) => e.inputs.vpcEndpointType === "Interface")
        .map((e) => e.inputs.serviceName),
    ).toEqual(["com.amazonaws.eu-west-1.ssm", "com.amazonaws.eu-west-1.kms"]);
    expect(r.one(T.vpc).inputs.tags).toMatchObject({ team: "platform", "bulwark:managed-by": "bulwark", Name: "hq" });
  });

  test("splitCidr", () => {
    expect(splitCidr("10.20.0.0/20", 2)).toEqual(["10.20.0.0/21", "10.20.8.0/21"]);
    expect(splitCidr("192.168.0.0/24", 3)).toEqual(["192.168.0.0/26", "192.168.0.64/26", "192.168.0.128/26"]);
    expect(() => splitCidr("10.0.0.0/27", 4)).toThrow(/too small/);
  });
});
