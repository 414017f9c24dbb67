/**
 * Issue 10: one exposure model. Every source × port × protocol goes through the component (judgeIngress, as
 * Firewall calls it, and the stack config), the host model and the policy pack. Each must give the same verdict
 * (internet exposure or not), ask for the same waiver policies, and accept the rule with exactly those waivers
 * (except remote admin from the whole internet, refused everywhere waiver or not).
 */
import { ConfigError, parseStackConfig } from "../../components/config";
import { Firewall, FirewallError } from "../../components/network/firewall";
import { judgeIngress, normaliseRules, type PortSpec, Peer } from "../../components/rules";
import { HostConfigError, parseHostModel } from "../../components/host/model";
import { evaluate } from "../../policies/src/engine";
import { PolicyNames } from "../../policies/src/names";
import { waiverTags, type Waiver } from "../../policies/src/waiver";
import { smallConfig } from "../components/fixtures/estate";
import { record, T as CT } from "../components/harness";
import { res, T } from "../policies/fixtures";
import { ADMIN_KEY } from "./bastion-config";

const INTERNET_POLICIES = new Set<string>([PolicyNames.sgInternetAdminIngress, PolicyNames.sgInternetIngress]);
const DECLARED = "81.2.70.0/24"; // a public range declared internal (internalCidrs)

/** ~50 sources: real public ranges, every spelling of the whole internet, documentation/reserved space, internal. */
const SOURCES: string[] = [
  // the whole internet, in several spellings
  "0.0.0.0/0",
  "::/0",
  "0.0.0.0/1",
  "128.0.0.0/1",
  "2000::/3",
  "::ffff:0:0/96",
  "8.0.0.0/7",
  "2600::/12",
  // real public ranges
  "81.2.69.0/24",
  "81.2.69.160/27",
  "8.8.8.8/32",
  "1.1.1.0/24",
  "52.0.0.0/8",
  "2a00:1450:4009::/48",
  "2a02:c7f::/48",
  "2606:4700::/32",
  "::ffff:81.2.69.0/120",
  // documentation, shared, benchmark, reserved, multicast: the internet to a fail-closed model
  "203.0.113.0/24",
  "198.51.100.0/24",
  "192.0.2.0/24",
  "2001:db8::/32",
  "2001:db8:1::/48",
  "100.64.0.0/10",
  "198.18.0.0/15",
  "192.0.0.0/24",
  "0.0.0.0/8",
  "224.0.0.0/4",
  "240.0.0.0/4",
  "ff00::/8",
  "64:ff9b::/96",
  "172.0.0.0/8",
  "172.32.0.0/11",
  "11.0.0.0/8",
  "10.0.0.0/7",
  "192.168.0.0/15",
  // internal: RFC 1918, ULA, loopback, link-local, v4-mapped private, a site, a declared range
  "10.0.0.0/8",
  "10.10.0.0/16",
  "172.16.0.0/12",
  "172.31.255.0/24",
  "192.168.0.0/16",
  "192.168.1.5/32",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "fc00::/7",
  "fd00::/8",
  "fe80::/10",
  "::1/128",
  "::ffff:10.0.0.0/104",
  DECLARED,
  "81.2.70.128/25",
];

type Proto = "tcp" | "udp" | "-1" | "icmp";
const PORTS: [Proto, number, number][] = [
  ["tcp", 22, 22],
  ["tcp", 3389, 3389],
  ["tcp", 5900, 5900],
  ["tcp", 5985, 5986],
  ["tcp", 23, 23],
  ["tcp", 3306, 3306],
  ["tcp", 8080, 8080],
  ["tcp", 443, 443],
  ["tcp", 80, 80],
  ["udp", 443, 443],
  ["tcp", 8443, 8443],
  ["udp", 53, 53],
  ["tcp", 20, 25],
  ["tcp", 0, 65535],
  ["-1", -1, -1],
  ["icmp", 8, -1],
];

const spec = ([p, from, to]: [Proto, number, number]): PortSpec => ({
  protocol: p,
  fromPort: from,
  toPort: to,
  label: `${p}${from}-${to}`,
});
const waiver = (policy: string): Waiver => ({
  policy,
  reason: "consistency table case",
  approver: "security@example.com",
  expires: "2099-12-31",
});
const family = (src: string) => (src.includes(":") ? "ipv6" : "ipv4");
const peer = (src: string) => (family(src) === "ipv6" ? Peer.ipv6(src) : Peer.ipv4(src));

// ------------------------------------------------------------------------------------------------ the three paths

/** Policy pack: a vpc SecurityGroupIngressRule; the internet policies it blocks on (mandatory). */
function pack(src: string, ports: [Proto, number, number], waivers: string[]): string[] {
  const [p, from, to] = ports;
  const r = res(T.ingress, "r", {
    securityGroupId: "sg-1",
    ipProtocol: p,
    ...(p === "-1" ? {} : { fromPort: from, toPort: to }),
    [family(src) === "ipv6" ? "cidrIpv6" : "cidrIpv4"]: src,
    description: "d",
    tags: waiverTags(waivers.map(waiver)),
  });
  return [
    ...new Set(
      evaluate([r], { internalCidrs: [DECLARED] })
        .filter((f) => f.enforcement === "mandatory" && INTERNET_POLICIES.has(f.policy))
        .map((f) => f.policy),
    ),
  ].sort();
}

/** Stack config: a server `allow` rule (tcp/udp only); undefined when the shape cannot express the rule. */
function config(
  src: string,
  [p, from, to]: [Proto, number, number],
  waivers: string[],
): { ok: boolean; text: string } | undefined {
  if (p !== "tcp" && p !== "udp") return undefined;
  const c = smallConfig() as Record<string, any>;
  c["bulwark:internalCidrs"] = [DECLARED];
  c["bulwark:sites"][0].servers[0].allow = [{ from: src, ports: [from === to ? from : `${from}-${to}`], protocol: p }];
  c["bulwark:sites"][0].servers[0].waivers = waivers.map(waiver);
  try {
    parseStackConfig(c);
    return { ok: true, text: "" };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const issues = e.issues.filter((i) => i.path.startsWith("bulwark:sites[0].servers[0].allow"));
    if (issues.length !== e.issues.length) throw e; // anything else is a broken test, not a verdict
    return { ok: false, text: e.message };
  }
}

/** Host model: SSH (tcp/22) through ssh.managementSources, other tcp/udp through inbound; undefined when not
 * expressible. */
function host(
  src: string,
  [p, from, to]: [Proto, number, number],
  waivers: string[],
): { ok: boolean; text: string } | undefined {
  if (p !== "tcp" && p !== "udp") return undefined;
  const ssh = p === "tcp" && from === 22 && to === 22;
  // SSH only from managementSources, whatever the source
  if (!ssh && p === "tcp" && from <= 22 && 22 <= to) return undefined;
  const model = {
    role: "web",
    admins: ssh ? [{ name: "ops", sshKeys: [ADMIN_KEY] }] : [],
    ssh: { managementSources: ssh ? [src] : [] },
    inbound: ssh ? [] : [{ port: from === to ? from : { from, to }, protocol: p, sources: [src] }],
    ids: { kind: "suricata" },
    logs: { kind: "cloudwatch" },
    exposure: { waivers: waivers.map(waiver), internalCidrs: [DECLARED] },
  };
  try {
    parseHostModel(model);
    return { ok: true, text: "" };
  } catch (e) {
    if (!(e instanceof HostConfigError)) throw e;
    return { ok: false, text: e.message };
  }
}

// ------------------------------------------------------------------------------------------------ the table

const CASES = SOURCES.flatMap((src) => PORTS.map((ports) => [src, ports] as const));

test("the table is about 50 sources × 16 ports/protocols", () => {
  expect(SOURCES.length).toBeGreaterThanOrEqual(48);
  expect(new Set(SOURCES).size).toBe(SOURCES.length);
  expect(CASES.length).toBe(SOURCES.length * PORTS.length);
});

describe.each(SOURCES)("source %s", (src) => {
  test.each(PORTS.map((p) => [`${p[0]} ${p[1]}-${p[2]}`, p] as const))(
    "%s: component, config, host and pack agree",
    (_label, ports) => {
      const comp = judgeIngress(peer(src), spec(ports), [80, 443], [], new Date(), [DECLARED]);
      const want = [...comp.policies].sort();
      const never = !comp.ok && /never allowed/.test(comp.message);
      // The pack blocks on exactly the policies the component names.
      expect(pack(src, ports, [])).toEqual(want);
      expect(comp.ok).toBe(want.length === 0);
      // With exactly those waivers the pack passes, and so does the component unless the exposure is never allowed.
      expect(pack(src, ports, want)).toEqual([]);
      const waived = judgeIngress(peer(src), spec(ports), [80, 443], want.map(waiver), new Date(), [DECLARED]);
      expect(waived.ok).toBe(!never);
      for (const path of [config, host]) {
        const bare = path(src, ports, []);
        if (!bare) continue;
        expect({ path: path.name, ok: bare.ok }).toEqual({ path: path.name, ok: want.length === 0 });
        // A refusal names a policy the pack would block on (or says it is never allowed).
        if (!bare.ok)
          expect(never ? /never allowed|refused/.test(bare.text) : want.some((p) => bare.text.includes(p))).toBe(true);
        const withWaivers = path(src, ports, want);
        expect({ path: path.name, ok: withWaivers!.ok }).toEqual({ path: path.name, ok: !never });
      }
    },
  );
});

test("real public ranges, the whole internet and documentation ranges are all internet exposure on SSH", () => {
  for (const src of ["0.0.0.0/0", "81.2.69.0/24", "2a00:1450:4009::/48", "203.0.113.0/24", "2001:db8::/32"]) {
    expect(pack(src, ["tcp", 22, 22], [])).toEqual([PolicyNames.sgInternetAdminIngress]);
  }
  // 3306 from a public range needs the admin waiver everywhere (issue 10: not the unauthorized one).
  expect(judgeIngress(Peer.ipv4("81.2.69.0/24"), spec(["tcp", 3306, 3306]), [80, 443]).policies).toEqual([
    PolicyNames.sgInternetAdminIngress,
  ]);
});

test(
  "the Firewall component itself refuses and accepts as the table says, " + "and tags exactly the waivers it relies on",
  async () => {
    const rows: [string, [Proto, number, number]][] = [
      ["81.2.69.0/24", ["tcp", 3306, 3306]],
      ["2a00:1450:4009::/48", ["tcp", 8443, 8443]],
      ["0.0.0.0/0", ["-1", -1, -1]],
      ["10.0.0.0/8", ["tcp", 22, 22]],
    ];
    const r = await record(() => {
      for (const [i, [src, ports]] of rows.entries()) {
        const want = judgeIngress(peer(src), spec(ports), [80, 443]).policies;
        const fw = new Firewall(`fw-${i}`, { vpcId: "vpc-1", waivers: want.map(waiver) });
        const [rule] = normaliseRules("ingress", { peer: peer(src), port: spec(ports), description: "table" });
        if (src === "0.0.0.0/0") {
          expect(() => fw.allowFrom(rule.peer, rule.port, "all traffic")).toThrow(FirewallError);
          continue;
        }
        fw.allowFrom(rule.peer, rule.port, "table");
        const bare = new Firewall(`bare-${i}`, { vpcId: "vpc-1" });
        if (want.length) expect(() => bare.allowFrom(rule.peer, rule.port, "table")).toThrow(new RegExp(want[0]));
      }
    });
    const ingress = r.ofType(CT.ingress).filter((x) => String(x.name).startsWith("fw-"));
    expect(ingress).toHaveLength(3);
    for (const x of ingress) {
      const tags = Object.keys((x.inputs.tags ?? {}) as Record<string, string>).filter((k) =>
        k.startsWith("bulwark:waiver:"),
      );
      const src = String(x.inputs.cidrIpv4 ?? x.inputs.cidrIpv6);
      const policies = src.startsWith("10.")
        ? []
        : [src.includes(":") ? PolicyNames.sgInternetIngress : PolicyNames.sgInternetAdminIngress];
      expect([...new Set(tags.map((k) => k.split(":")[2]))]).toEqual(policies);
    }
  },
);
