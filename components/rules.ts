/**
 * Network intent in the spirit of aws-cdk's Peer/Port: pure values, no Pulumi resources. The Firewall component and
 * the config layer both judge rules with `judgeIngress`, which asks the one exposure model the pack uses
 * (policies/src/exposure.ts): same "is it the internet", same port classes, same waiver policy names.
 */
import * as ipaddr from "ipaddr.js";
import type * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_EXPOSURE_PORTS,
  isAnywhere as anywhere,
  isInternet,
  judgeExposure,
  type Ports,
} from "../policies/src/exposure";
import { memoise } from "../policies/src/memo";
import { type Waiver, isExpired } from "../policies/src/waiver";

export type Protocol = "tcp" | "udp" | "icmp" | "-1";

/** A port (range) and protocol. `-1` means all traffic. */
export interface PortSpec {
  readonly protocol: Protocol;
  readonly fromPort: number;
  readonly toPort: number;
  readonly label: string;
}

export const Port = {
  tcp: (port: number): PortSpec => ({ protocol: "tcp", fromPort: checkPort(port), toPort: port, label: `tcp${port}` }),
  tcpRange: (from: number, to: number): PortSpec => range("tcp", from, to),
  udp: (port: number): PortSpec => ({ protocol: "udp", fromPort: checkPort(port), toPort: port, label: `udp${port}` }),
  udpRange: (from: number, to: number): PortSpec => range("udp", from, to),
  allTcp: (): PortSpec => ({ protocol: "tcp", fromPort: 0, toPort: 65535, label: "alltcp" }),
  allTraffic: (): PortSpec => ({ protocol: "-1", fromPort: -1, toPort: -1, label: "all" }),
  icmpPing: (): PortSpec => ({ protocol: "icmp", fromPort: 8, toPort: -1, label: "ping" }),
};

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port ${port} is not a TCP/UDP port: use an integer between 0 and 65535`);
  }
  return port;
}

function range(protocol: "tcp" | "udp", from: number, to: number): PortSpec {
  checkPort(from);
  checkPort(to);
  if (from > to) throw new RangeError(`port range ${from}-${to} is reversed: write the lower port first`);
  return { protocol, fromPort: from, toPort: to, label: `${protocol}${from}-${to}` };
}

/** A traffic peer: a CIDR (v4/v6), a prefix list or a security group. */
export type PeerSpec =
  | { readonly kind: "ipv4"; readonly cidr: string; readonly label: string }
  | { readonly kind: "ipv6"; readonly cidr: string; readonly label: string }
  | { readonly kind: "prefixList"; readonly id: pulumi.Input<string>; readonly label: string }
  | { readonly kind: "securityGroup"; readonly id: pulumi.Input<string>; readonly label: string };

export const Peer = {
  ipv4: (cidr: string): PeerSpec => ({ kind: "ipv4", cidr: parseCidr(cidr, "ipv4"), label: slug(cidr) }),
  ipv6: (cidr: string): PeerSpec => ({ kind: "ipv6", cidr: parseCidr(cidr, "ipv6"), label: slug(cidr) }),
  anyIpv4: (): PeerSpec => ({ kind: "ipv4", cidr: "0.0.0.0/0", label: "anyipv4" }),
  anyIpv6: (): PeerSpec => ({ kind: "ipv6", cidr: "::/0", label: "anyipv6" }),
  /** `label` names the rule resource (ids are often unknown until deploy). */
  prefixList: (id: pulumi.Input<string>, label: string): PeerSpec => ({ kind: "prefixList", id, label: slug(label) }),
  securityGroup: (id: pulumi.Input<string>, label: string): PeerSpec => ({
    kind: "securityGroup",
    id,
    label: slug(label),
  }),
};

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** Canonical CIDR text, or a RangeError that says what a valid one looks like. */
export function parseCidr(cidr: string, family: "ipv4" | "ipv6" | "any" = "any"): string {
  const { kind, canonical, network } = cidrFacts(cidr);
  if (family !== "any" && kind !== family) {
    throw new RangeError(`"${cidr}" is ${kind}, expected ${family}`);
  }
  if (network !== canonical) throw new RangeError(`"${cidr}" has host bits set: use ${network}`);
  return canonical;
}

/** What parseCidr judges, memoised (rules, configs and hosts parse the same CIDRs over and over). */
const cidrFacts = memoise((cidr: string): { kind: "ipv4" | "ipv6"; canonical: string; network: string } => {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    // ipaddr.js accepts "10.0.0/8" and octal/hex forms; AWS does not.
    if (!cidr.includes(":") && !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr)) throw new Error("not four-part decimal");
    parsed = ipaddr.parseCIDR(cidr);
  } catch {
    throw new RangeError(`"${cidr}" is not a CIDR block: write it as address/prefix, e.g. 10.20.0.0/16`);
  }
  const [addr, len] = parsed;
  const network =
    addr.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  return { kind: addr.kind(), canonical: `${addr.toString()}/${len}`, network: `${network.toString()}/${len}` };
});

/** True when a CIDR holds any internet address (the exposure model; `internalCidrs` are declared internal). */
export function coversInternet(cidr: string, internalCidrs: readonly string[] = []): boolean {
  return isInternet(cidr, internalCidrs);
}

/** True when the sources together open more of the internet than a /8 (v4) or /16 (v6): 0.0.0.0/1 + 128.0.0.0/1 too. */
export function isAnywhere(cidrs: string | readonly string[], internalCidrs: readonly string[] = []): boolean {
  return anywhere(typeof cidrs === "string" ? [cidrs] : cidrs, internalCidrs);
}

/** The exposure model's view of a PortSpec. */
export function portsOfSpec(port: PortSpec): Ports {
  if (port.protocol === "-1") return { all: true };
  if (port.protocol === "icmp") return { all: false, ranges: [] };
  return { all: false, ranges: [[port.fromPort, port.toPort]] };
}

export type IngressVerdict =
  /** `policies`: the waiver policies this exposure needs (the pack's names); `waivers`: those that cover it. */
  { ok: true; policies: string[]; waivers: Waiver[] } | { ok: false; policies: string[]; message: string; fix: string };

/**
 * Judges one ingress rule by the exposure model:
 *  - remote-admin ports from more of the internet than a /8 (any spelling): never, waiver or not;
 *  - otherwise internet exposure needs an unexpired waiver for each policy the classification names
 *    (admin/high-risk: ec2-security-group-disallow-internet-admin-ingress; other non-web ports:
 *    ec2-security-group-disallow-internet-unauthorized-ingress); web ports need none.
 */
export function judgeIngress(
  peer: PeerSpec,
  port: PortSpec,
  authorizedWebPorts: readonly number[],
  waivers: readonly Waiver[] = [],
  today: Date = new Date(),
  internalCidrs: readonly string[] = [],
): IngressVerdict {
  if (peer.kind !== "ipv4" && peer.kind !== "ipv6") return { ok: true, policies: [], waivers: [] };
  const e = judgeExposure(peer.cidr, portsOfSpec(port), {
    internalCidrs,
    ports: { ...DEFAULT_EXPOSURE_PORTS, webPorts: authorizedWebPorts },
  });
  if (!e.policies.length) return { ok: true, policies: [], waivers: [] };
  const kinds = [
    e.classes.has("remote-admin") || e.classes.has("high-risk") ? "opens admin/high-risk ports to the internet" : "",
    e.classes.has("other") ? `is not an authorized web port (${authorizedWebPorts.join(", ")})` : "",
  ].filter(Boolean);
  const what =
    `${port.label} ` +
    `from ${e.anywhere ? `${peer.cidr} (the internet)` : `public range ${peer.cidr}`} ${kinds.join(" and ")}`;
  if (e.anywhere && e.classes.has("remote-admin")) {
    return {
      ok: false,
      policies: e.policies,
      message: `admin port ${port.label} from ${peer.cidr} (the internet) is never allowed`,
      fix: "use Session Manager (adminAccess.mode: session-manager) or a bastion with allow-listed CIDRs",
    };
  }
  const used: Waiver[] = [];
  for (const policy of e.policies) {
    const waiver = waivers.find((w) => w.policy === policy);
    if (!waiver) {
      return {
        ok: false,
        policies: e.policies,
        message: what,
        fix: `use a private source, or add a waiver {policy: ${policy}, reason, approver, expires}`,
      };
    }
    if (isExpired(waiver, today)) {
      return {
        ok: false,
        policies: e.policies,
        message: `${what}: the ${policy} waiver expired on ${waiver.expires}`,
        fix: "renew the waiver or remove the rule",
      };
    }
    used.push(waiver);
  }
  return { ok: true, policies: e.policies, waivers: used };
}

/**
 * The three AWS shapes of a security-group rule (inline `ingress`/`egress` blocks on aws.ec2.SecurityGroup,
 * aws.ec2.SecurityGroupRule, aws.vpc.SecurityGroupIngressRule/EgressRule), and Bulwark's own Peer/Port pair,
 * all normalise to this one shape.
 */
export interface NormalisedRule {
  direction: "ingress" | "egress";
  peer: PeerSpec;
  port: PortSpec;
  description: string;
}

/** Bulwark's own rule spelling in config: `{ from: "10.0.0.0/8" | "internet", ports: [443, "8000-8100"], protocol
 * }`. */
export interface ConfigRule {
  from: string;
  ports: (number | string)[];
  protocol?: "tcp" | "udp";
  description?: string;
}

/** One normaliser for every rule shape Bulwark accepts. Throws a RangeError naming what is wrong. */
export function normaliseRules(
  direction: "ingress" | "egress",
  rule:
    | { peer: PeerSpec; port: PortSpec; description: string }
    | ConfigRule
    | {
        protocol: string;
        fromPort: number;
        toPort: number;
        cidrBlocks?: string[];
        ipv6CidrBlocks?: string[];
        description?: string;
      },
): NormalisedRule[] {
  if ("peer" in rule) return [{ direction, peer: rule.peer, port: rule.port, description: rule.description }];
  if ("from" in rule) {
    const peer =
      rule.from === "internet" ? Peer.anyIpv4() : rule.from.includes(":") ? Peer.ipv6(rule.from) : Peer.ipv4(rule.from);
    const proto = rule.protocol ?? "tcp";
    return rule.ports.map((p) => {
      const port = typeof p === "number" ? (proto === "tcp" ? Port.tcp(p) : Port.udp(p)) : parsePortText(p, proto);
      return { direction, peer, port, description: rule.description ?? `${proto} ${p} from ${rule.from}` };
    });
  }
  const protocol = normaliseProtocol(rule.protocol);
  const port: PortSpec =
    protocol === "-1"
      ? Port.allTraffic()
      : protocol === "icmp"
        ? { protocol, fromPort: rule.fromPort, toPort: rule.toPort, label: `icmp${rule.fromPort}` }
        : rule.fromPort === rule.toPort
          ? { protocol, fromPort: checkPort(rule.fromPort), toPort: rule.toPort, label: `${protocol}${rule.fromPort}` }
          : range(protocol, rule.fromPort, rule.toPort);
  const peers = [...(rule.cidrBlocks ?? []).map(Peer.ipv4), ...(rule.ipv6CidrBlocks ?? []).map(Peer.ipv6)];
  return peers.map((peer) => ({
    direction,
    peer,
    port,
    description: rule.description ?? `${port.label} ${peer.label}`,
  }));
}

function normaliseProtocol(p: string): Protocol {
  const v = p.toLowerCase();
  if (v === "all" || v === "-1") return "-1";
  if (v === "6" || v === "tcp") return "tcp";
  if (v === "17" || v === "udp") return "udp";
  if (v === "1" || v === "icmp") return "icmp";
  throw new RangeError(`protocol "${p}" is not supported: use tcp, udp, icmp or -1 (all)`);
}

/** "443" or "8000-8100". */
export function parsePortText(text: string, protocol: "tcp" | "udp"): PortSpec {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text.trim());
  if (!m) throw new RangeError(`"${text}" is not a port or range: write 443 or 8000-8100`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from === to) return protocol === "tcp" ? Port.tcp(from) : Port.udp(from);
  return range(protocol, from, to);
}
