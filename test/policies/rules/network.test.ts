/** Network controls (policies/src/rules/network): security groups, NACLs, subnets, VPC flow logs, default SG. */
import { evaluate, type PolicyInputResource } from "../../../policies/src/engine";
import { PolicyNames } from "../../../policies/src/names";
import { asPreview, res, T } from "../fixtures";
import { find, mandatory, mutationSuite, names, type Mutation, type Stack } from "../helpers";

const m: Mutation[] = [
  {
    what: "SSH open to the world (inline)",
    type: T.sg,
    name: "web",
    change: (p) => ((p.ingress as Record<string, unknown>[])[1].cidrBlocks = ["0.0.0.0/0"]),
    expect: [PolicyNames.sgInternetAdminIngress],
  },
  {
    what: "SSH open to ::/0 (inline, v6)",
    type: T.sg,
    name: "web",
    change: (p) => ((p.ingress as Record<string, unknown>[])[1].ipv6CidrBlocks = ["::/0"]),
    expect: [PolicyNames.sgInternetAdminIngress],
  },
  {
    what: "port 8443 open to the world",
    type: T.sg,
    name: "web",
    change: (p) => Object.assign((p.ingress as Record<string, unknown>[])[0], { fromPort: 8443, toPort: 8443 }),
    expect: [PolicyNames.sgInternetIngress],
  },
  {
    what: "rule resource with protocol -1 from the world",
    type: T.sgRule,
    name: "db-from-web",
    change: (p) => Object.assign(p, { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }),
    expect: [PolicyNames.sgInternetAdminIngress, PolicyNames.sgInternetIngress],
  },
  {
    what: "vpc ingress rule 3306 from the world",
    type: T.ingress,
    name: "web-http",
    change: (p) => Object.assign(p, { fromPort: 3306, toPort: 3306 }),
    expect: [PolicyNames.sgInternetAdminIngress],
  },
  {
    what: "rule attached to the adopted default SG",
    type: T.sgRule,
    name: "db-from-web",
    change: (p) => (p.securityGroupId = "sg-default"),
    expect: ["ec2-vpc-require-restricted-default-security-group"],
  },
  {
    what: "default SG keeps a rule",
    type: T.defaultSg,
    name: "main-default",
    change: (p) => (p.egress = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }]),
    expect: ["ec2-vpc-require-restricted-default-security-group"],
  },
  {
    what: "NACL allow-all before the SSH deny",
    type: T.nacl,
    name: "private",
    change: (p) => ((p.ingress as Record<string, unknown>[])[5].ruleNo = 50),
    expect: ["ec2-network-acl-disallow-internet-admin-ingress"],
  },
  {
    what: "subnet maps public IPs",
    type: T.subnet,
    name: "private-a",
    change: (p) => (p.mapPublicIpOnLaunch = true),
    expect: ["ec2-subnet-disallow-public-ip-on-launch"],
  },
  {
    what: "subnet maps public IPs and the instance does not opt out",
    type: T.subnet,
    name: "private-a",
    change: (p, s) => {
      p.mapPublicIpOnLaunch = true;
      delete find(s, T.instance, "web-1").props.associatePublicIpAddress;
    },
    expect: [PolicyNames.instancePublicIp, "ec2-subnet-disallow-public-ip-on-launch"],
    on: [T.instance, "web-1"],
  },
  {
    what: "VPC without flow log",
    type: T.flowLog,
    name: "main",
    change: (p) => (p.vpcId = "vpc-other"),
    expect: ["ec2-vpc-require-flow-logs"],
    on: [T.vpc, "main"],
  },
  {
    what: "VPC without adopted default SG",
    type: T.defaultSg,
    name: "main-default",
    change: (p) => (p.vpcId = "vpc-other"),
    expect: ["ec2-vpc-require-restricted-default-security-group"],
    on: [T.vpc, "main"],
  },
];

mutationSuite(m);

describe("security-group rule shapes and sources", () => {
  const sgInline = (rule: Record<string, unknown>) => [res(T.sg, "g", { ingress: [{ description: "d", ...rule }] })];
  const sgRule = (rule: Record<string, unknown>) => [
    res(T.sgRule, "r", { type: "ingress", securityGroupId: "sg-1", description: "d", ...rule }),
  ];
  const vpcRule = (rule: Record<string, unknown>) => {
    const { protocol, cidrBlocks, ipv6CidrBlocks, ...rest } = rule;
    const c4 = (cidrBlocks as string[] | undefined) ?? [];
    const c6 = (ipv6CidrBlocks as string[] | undefined) ?? [];
    return [
      ...c4.map((c, i) => res(T.ingress, `v4-${i}`, { ...rest, ipProtocol: protocol, cidrIpv4: c, description: "d" })),
      ...c6.map((c, i) => res(T.ingress, `v6-${i}`, { ...rest, ipProtocol: protocol, cidrIpv6: c, description: "d" })),
    ];
  };
  const verdict = (stack: Stack) => names(mandatory(evaluate(stack)));

  const open: [string, Record<string, unknown>, string[]][] = [
    [
      "0.0.0.0/0 on 22",
      { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] },
      [PolicyNames.sgInternetAdminIngress],
    ],
    [
      "split halves 0/1 + 128/1 on 3389",
      { protocol: "tcp", fromPort: 3389, toPort: 3389, cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"] },
      [PolicyNames.sgInternetAdminIngress],
    ],
    [
      "IPv6 written long-hand",
      { protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["0000:0000:0000:0000:0000:0000:0000:0000/0"] },
      [PolicyNames.sgInternetAdminIngress],
    ],
    [
      "IPv4-mapped IPv6 all",
      { protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::ffff:0.0.0.0/96"] },
      [PolicyNames.sgInternetAdminIngress],
    ],
    [
      "global unicast 2000::/3",
      { protocol: "tcp", fromPort: 3306, toPort: 3306, ipv6CidrBlocks: ["2000::/3"] },
      [PolicyNames.sgInternetAdminIngress],
    ],
    [
      "a public /8",
      { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["52.0.0.0/8"] },
      [PolicyNames.sgInternetAdminIngress],
    ],
    [
      "range 20-25 covers 22 (and unauthorized 24)",
      { protocol: "tcp", fromPort: 20, toPort: 25, cidrBlocks: ["0.0.0.0/0"] },
      [PolicyNames.sgInternetAdminIngress, PolicyNames.sgInternetIngress],
    ],
    [
      "range 21-23 holds only high-risk ports",
      { protocol: "tcp", fromPort: 21, toPort: 23, cidrBlocks: ["0.0.0.0/0"] },
      [PolicyNames.sgInternetAdminIngress],
    ],
    [
      "protocol all",
      { protocol: "all", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] },
      [PolicyNames.sgInternetAdminIngress, PolicyNames.sgInternetIngress],
    ],
    [
      "protocol 50 (ESP) covers every port",
      { protocol: "50", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] },
      [PolicyNames.sgInternetAdminIngress, PolicyNames.sgInternetIngress],
    ],
    [
      "tcp 0-65535",
      { protocol: "6", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] },
      [PolicyNames.sgInternetAdminIngress, PolicyNames.sgInternetIngress],
    ],
    [
      "udp 8000-8010 (unauthorized)",
      { protocol: "udp", fromPort: 8000, toPort: 8010, cidrBlocks: ["0.0.0.0/0"] },
      [PolicyNames.sgInternetIngress],
    ],
    // Fail closed (issue 10): CGNAT and documentation ranges are the internet.
    [
      "CGNAT 100.64.0.0/10 on 3306",
      { protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["100.64.0.0/10"] },
      [PolicyNames.sgInternetAdminIngress],
    ],
    [
      "documentation range on 22",
      { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] },
      [PolicyNames.sgInternetAdminIngress],
    ],
    [
      "a public /24 on 22",
      { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["81.2.69.0/24"] },
      [PolicyNames.sgInternetAdminIngress],
    ],
    [
      "a public IPv6 /48 on 5432",
      { protocol: "tcp", fromPort: 5432, toPort: 5432, ipv6CidrBlocks: ["2a00:1450:4009::/48"] },
      [PolicyNames.sgInternetAdminIngress],
    ],
    // Lateral movement (issue 11): remote admin from a private range.
    [
      "private 10/8 on 22",
      { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"] },
      [PolicyNames.sgLateralAdminIngress],
    ],
    [
      "unparseable CIDR fails closed",
      { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/33"] },
      [PolicyNames.sgInternetAdminIngress],
    ],
  ];
  const closed: [string, Record<string, unknown>][] = [
    [
      "private 10/8 on 3306 (database from a private range)",
      { protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["10.0.0.0/8"] },
    ],
    [
      "RFC1918 + ULA",
      {
        protocol: "tcp",
        fromPort: 3306,
        toPort: 3306,
        cidrBlocks: ["172.16.0.0/12", "192.168.0.0/16"],
        ipv6CidrBlocks: ["fd00::/8"],
      },
    ],
    [
      "443 from the world",
      { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
    ],
    ["ICMP echo from the world (no ports)", { protocol: "icmp", fromPort: 8, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
  ];
  for (const [shape, build] of [
    ["inline", sgInline],
    ["SecurityGroupRule", sgRule],
    ["vpc ingress rules", vpcRule],
  ] as const) {
    it.each(open)(`${shape}: %s is blocked`, (_n, rule, want) =>
      expect(verdict(build(rule))).toEqual([...want].sort()),
    );
    it.each(closed)(`${shape}: %s passes`, (_n, rule) => expect(verdict(build(rule))).toEqual([]));
  }

  it("a safe source in the same rule never excuses an unsafe one", () => {
    const s = [
      res(T.sg, "g", {
        ingress: [
          {
            protocol: "tcp",
            fromPort: 22,
            toPort: 22,
            self: true,
            securityGroups: ["sg-2"],
            prefixListIds: ["pl-1"],
            cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"],
            description: "d",
          },
        ],
      }),
    ];
    expect(verdict(s)).toEqual([PolicyNames.sgInternetAdminIngress, PolicyNames.sgLateralAdminIngress].sort());
  });
  it("a prefix list declared in the stack is followed to its CIDRs (inline entries and entry resources)", () => {
    const pl = (entries: string[]) =>
      res("aws:ec2/managedPrefixList:ManagedPrefixList", "pl", {
        id: "pl-1",
        name: "admins",
        addressFamily: "IPv4",
        maxEntries: 5,
        entries: entries.map((cidr) => ({ cidr })),
      });
    const rule = res(T.sgRule, "r", {
      type: "ingress",
      securityGroupId: "sg-1",
      protocol: "tcp",
      fromPort: 22,
      toPort: 22,
      prefixListIds: ["pl-1"],
      description: "d",
    });
    expect(verdict([pl(["10.0.0.0/8"]), rule])).toEqual([]);
    expect(verdict([pl(["10.0.0.0/8", "0.0.0.0/0"]), rule])).toEqual([PolicyNames.sgInternetAdminIngress]);
    const entry = res("aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry", "e", {
      prefixListId: "pl-1",
      cidr: "::/0",
    });
    expect(verdict([pl([]), entry, rule])).toEqual([PolicyNames.sgInternetAdminIngress]);
    expect(verdict(asPreview([pl(["0.0.0.0/0"]), rule]))).toEqual([PolicyNames.sgInternetAdminIngress]);
    // An AWS-managed list outside the stack is a safe source.
    expect(verdict([rule])).toEqual([]);
  });
  it("the admin CIDR allowlist excuses admin ports only, and only sources inside it", () => {
    const cfg = { adminCidrs: ["198.51.100.0/24", "81.2.69.0/24"] };
    const ok = [
      res(T.sg, "g", {
        ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["81.2.69.160/27"], description: "office" }],
      }),
    ];
    expect(mandatory(evaluate(ok, cfg))).toEqual([]);
    const wide = [
      res(T.sg, "g", {
        ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["81.2.0.0/16"], description: "too wide" }],
      }),
    ];
    expect(names(mandatory(evaluate(wide, cfg)))).toEqual([PolicyNames.sgInternetAdminIngress]);
  });
  it("authorized and high-risk ports are configurable", () => {
    const s = [
      res(T.sg, "g", {
        ingress: [{ protocol: "tcp", fromPort: 8443, toPort: 8443, cidrBlocks: ["0.0.0.0/0"], description: "d" }],
      }),
    ];
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
  const rule = (
    n: string,
    ruleNumber: number,
    ruleAction: string,
    cidrBlock: string,
    protocol = "tcp",
    from = 22,
    to = 22,
  ) =>
    res(T.naclRule, n, {
      networkAclId: "acl-1",
      ruleNumber,
      egress: false,
      ruleAction,
      protocol,
      fromPort: from,
      toPort: to,
      cidrBlock,
    });
  it("an allow-all after a deny of 22 and 3389 passes; before it, fails", () => {
    const deny = [rule("d22", 100, "deny", "0.0.0.0/0"), rule("d3389", 110, "deny", "0.0.0.0/0", "tcp", 3389, 3389)];
    expect(mandatory(evaluate([acl, ...deny, rule("all", 200, "allow", "0.0.0.0/0", "-1", 0, 0)]))).toEqual([]);
    const fs = mandatory(evaluate([acl, ...deny, rule("all", 50, "allow", "0.0.0.0/0", "-1", 0, 0)]));
    expect(fs.map((f) => f.name)).toEqual(["all"]);
  });
});

describe("subnets: an adopted default subnet maps public IPs unless told otherwise", () => {
  const SUBNET = "ec2-subnet-disallow-public-ip-on-launch";
  const defaultSubnet = (props: Record<string, unknown>) =>
    res("aws:ec2/defaultSubnet:DefaultSubnet", "d", { availabilityZone: "eu-west-1a", ...props });
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
