import * as pulumi from "@pulumi/pulumi";
import { ArgsError } from "../../components/config";
import { Firewall, FirewallError, Peer, Port } from "../../components/network/firewall";
import { coversInternet, judgeIngress, normaliseRules, parsePortText } from "../../components/rules";
import { PolicyNames } from "../../policies/src/names";
import { waiversFromTags } from "../../policies/src/waiver";
import { T, record, waiver } from "./harness";

describe("Firewall", () => {
  test("internet on an authorized web port is fine; rules are separate resources with the peer and port", async () => {
    const r = await record(() => {
      new Firewall("web", { vpcId: "vpc-1", description: "web tier" }).allowFrom(
        Peer.anyIpv4(),
        Port.tcp(443),
        "HTTPS",
      );
    });
    const sg = r.one(T.sg);
    expect(sg.inputs).toMatchObject({ vpcId: "vpc-1", description: "web tier", revokeRulesOnDelete: true });
    expect(sg.inputs.ingress).toBeUndefined(); // never inline rules
    const rule = r.one(T.ingress);
    expect(rule.inputs).toMatchObject({
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
      description: "HTTPS",
    });
    expect(rule.propertyDependencies.securityGroupId).toEqual([sg.urn]);
  });

  test("egress is HTTPS only by default; none means none", async () => {
    const r = await record(() => {
      new Firewall("a", { vpcId: "vpc-1" });
      new Firewall("b", { vpcId: "vpc-1", egress: "none" });
    });
    const egress = r.ofType(T.egress);
    expect(egress).toHaveLength(1);
    expect(egress[0].inputs).toMatchObject({ ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" });
    expect(egress[0].name).toMatch(/^a-out/);
  });

  test("internet on a non-authorized port throws at construction, and nothing is registered for it", async () => {
    const r = await record(() => {
      const fw = new Firewall("app", { vpcId: "vpc-1" });
      expect(() => fw.allowFrom(Peer.anyIpv4(), Port.tcp(8080), "app")).toThrow(FirewallError);
      expect(() => fw.allowFrom(Peer.ipv4("8.8.8.0/24"), Port.udp(53), "dns")).toThrow(/not an authorized web port/);
      expect(() => new Firewall("x", { vpcId: "vpc-1", ingress: [{ from: "internet", ports: [8443] }] })).toThrow(
        /ec2-security-group-disallow-internet-unauthorized-ingress/,
      );
    });
    expect(r.ofType(T.ingress)).toHaveLength(0);
    expect(r.ofType(T.sg).map((s) => s.name)).toEqual(["app"]);
  });

  test("a waiver allows it and is written as tags on the group and the rule", async () => {
    const w = waiver(PolicyNames.sgInternetIngress);
    const r = await record(() => {
      new Firewall("partner", { vpcId: "vpc-1", waivers: [w] }).allowFrom(
        Peer.anyIpv4(),
        Port.tcp(8443),
        "partner API",
      );
    });
    const rule = r.one(T.ingress);
    expect(waiversFromTags(rule.inputs.tags).waivers).toEqual([w]);
    expect(waiversFromTags(r.one(T.sg).inputs.tags).waivers).toEqual([w]);
  });

  test("an expired waiver does not count", () => {
    const v = judgeIngress(
      Peer.anyIpv4(),
      Port.tcp(8443),
      [80, 443],
      [waiver(PolicyNames.sgInternetIngress, "2020-01-01")],
    );
    expect(v).toMatchObject({ ok: false });
  });

  test(
    "SSH/RDP from anywhere is impossible, waiver or not; " + "from a public range it needs the admin waiver",
    async () => {
      const admin = waiver(PolicyNames.sgInternetAdminIngress);
      await record(() => {
        const fw = new Firewall("admin", { vpcId: "vpc-1", waivers: [admin, waiver(PolicyNames.sgInternetIngress)] });
        expect(() => fw.allowFrom(Peer.anyIpv4(), Port.tcp(22), "ssh")).toThrow(/never allowed/);
        expect(() => fw.allowFrom(Peer.anyIpv6(), Port.tcp(3389), "rdp")).toThrow(/never allowed/);
        expect(() => fw.allowFrom(Peer.anyIpv4(), Port.allTraffic(), "all")).toThrow(/never allowed/);
        expect(() => fw.allowFrom(Peer.ipv4("0.0.0.0/1"), Port.tcpRange(20, 30), "range")).toThrow(/never allowed/);
        fw.allowFrom(Peer.ipv4("198.51.100.0/24"), Port.tcp(22), "office egress IP");
      });
      const noWaiver = judgeIngress(Peer.ipv4("198.51.100.0/24"), Port.tcp(22), [80, 443], []);
      expect(noWaiver).toMatchObject({ ok: false, fix: expect.stringContaining(PolicyNames.sgInternetAdminIngress) });
      expect(judgeIngress(Peer.ipv4("10.0.0.0/8"), Port.tcp(22), [80, 443], [])).toMatchObject({
        ok: true,
        policies: [],
      });
    },
  );

  test("security-group and prefix-list peers, and another Firewall as a peer", async () => {
    const r = await record(() => {
      const web = new Firewall("web", { vpcId: "vpc-1" });
      const app = new Firewall("app", { vpcId: "vpc-1" });
      app.allowFrom(web, Port.tcp(8080), "from web");
      app.allowFrom(Peer.prefixList("pl-123", "offices"), Port.tcp(443), "offices");
      app.allowFrom(Peer.securityGroup(pulumi.output("sg-999"), "monitoring"), Port.tcp(9100), "node exporter");
    });
    const rules = r.ofType(T.ingress);
    const webSg = r.one(T.sg, "web");
    const fromWeb = rules.find((x) => x.inputs.fromPort === 8080)!;
    expect(fromWeb.propertyDependencies.referencedSecurityGroupId).toEqual([webSg.urn]);
    expect(fromWeb.inputs.cidrIpv4).toBeUndefined();
    expect(rules.find((x) => x.inputs.prefixListId === "pl-123")).toBeDefined();
    expect(rules.find((x) => x.inputs.referencedSecurityGroupId === "sg-999")).toBeDefined();
  });

  test("unrestricted egress needs a waiver", async () => {
    await record(() => {
      expect(() => new Firewall("e", { vpcId: "vpc-1", egress: "all" })).toThrow(PolicyNames.sgUnrestrictedEgress);
      expect(() => new Firewall("f", { vpcId: "vpc-1" }).allowTo(Peer.anyIpv4(), Port.allTraffic(), "all")).toThrow(
        FirewallError,
      );
    });
    const r = await record(
      () => new Firewall("g", { vpcId: "vpc-1", egress: "all", waivers: [waiver(PolicyNames.sgUnrestrictedEgress)] }),
    );
    expect(r.one(T.egress).inputs).toMatchObject({ ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" });
    expect(waiversFromTags(r.one(T.egress).inputs.tags).waivers[0].policy).toBe(PolicyNames.sgUnrestrictedEgress);
  });

  test("options: authorized web ports are per firewall; ingress given at construction; tags", async () => {
    const r = await record(() => {
      const fw = new Firewall("api", {
        vpcId: "vpc-1",
        authorizedWebPorts: [8443],
        ingress: [{ from: "internet", ports: [8443] }],
        tags: { team: "api" },
      });
      expect(() => fw.allowFrom(Peer.anyIpv4(), Port.tcp(443), "443 is not authorized here")).toThrow(
        /not an authorized web port \(8443\)/,
      );
    });
    expect(r.one(T.ingress).inputs).toMatchObject({ fromPort: 8443, cidrIpv4: "0.0.0.0/0" });
    expect(r.one(T.sg).inputs.tags).toMatchObject({ team: "api", Name: "api" });
  });

  test("bad args name the field and create nothing", async () => {
    const r = await record(() => {
      expect(() => new Firewall("a", { vpcId: "" })).toThrow(ArgsError);
      expect(() => new Firewall("b", { vpcId: "vpc-1", description: "caf\u00e9" })).toThrow(
        /args\.description.*printable ASCII/,
      );
      expect(() => new Firewall("c", { vpcId: "vpc-1", egress: "open" as "https" })).toThrow(
        /args\.egress: got "open"/,
      );
      expect(() => new Firewall("d", { vpcId: "vpc-1", waivers: [{ ...waiver("x-y-z"), reason: "because" }] })).toThrow(
        /args\.waivers\[0\]\.reason/,
      );
      expect(() => new Firewall("e", { vpcId: "vpc-1", ingress: [{ from: "10.0.0.0/8", ports: ["ssh"] }] })).toThrow(
        /args\.ingress\[0\]\.ports\[0\]: got "ssh"/,
      );
      expect(() => new Firewall("f", { vpcId: "vpc-1", ingress: [{ from: "anywhere", ports: [443] }] })).toThrow(
        /args\.ingress\[0\]\.from/,
      );
    });
    expect(r.resources).toHaveLength(0);
  });
});

describe("rule normaliser and CIDR judgement", () => {
  test("the three AWS shapes and Bulwark's config shape normalise to one", () => {
    const inline = normaliseRules("ingress", {
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrBlocks: ["0.0.0.0/0"],
      ipv6CidrBlocks: ["::/0"],
    });
    expect(inline.map((r) => [r.peer.kind, r.port.protocol, r.port.fromPort])).toEqual([
      ["ipv4", "tcp", 443],
      ["ipv6", "tcp", 443],
    ]);
    const numeric = normaliseRules("ingress", {
      protocol: "6",
      fromPort: 8000,
      toPort: 8100,
      cidrBlocks: ["10.0.0.0/8"],
    });
    expect(numeric[0].port).toMatchObject({ protocol: "tcp", fromPort: 8000, toPort: 8100 });
    expect(
      normaliseRules("egress", { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] })[0].port.protocol,
    ).toBe("-1");
    const cfg = normaliseRules("ingress", { from: "internet", ports: [443, "8000-8001"] });
    expect(cfg.map((r) => r.port.label)).toEqual(["tcp443", "tcp8000-8001"]);
    expect(() => normaliseRules("ingress", { protocol: "gre", fromPort: 0, toPort: 0, cidrBlocks: [] })).toThrow(
      /protocol "gre"/,
    );
  });

  test("ports and CIDRs are checked", () => {
    expect(() => parsePortText("80-20", "tcp")).toThrow(/reversed/);
    expect(() => parsePortText("http", "tcp")).toThrow(/not a port/);
    expect(() => Port.tcp(70000)).toThrow(/0 and 65535/);
    expect(() => Peer.ipv4("10.0.0.1/8")).toThrow(/host bits set: use 10.0.0.0\/8/);
    expect(() => Peer.ipv4("::/0")).toThrow(/expected ipv4/);
    expect(coversInternet("10.1.0.0/16")).toBe(false);
    expect(coversInternet("100.64.0.0/10")).toBe(true); // CGNAT is not declared internal: fail closed
    expect(coversInternet("172.0.0.0/8")).toBe(true);
    expect(coversInternet("203.0.113.0/24")).toBe(true);
    expect(coversInternet("fd00::/8")).toBe(false);
    expect(coversInternet("2001:db8::/32")).toBe(true);
  });
});
