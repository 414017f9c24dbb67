/**
 * The one exposure model (issue 10): "is this source the internet?", "what kind of port is this?" and "which
 * waiver covers it?". The pack, the components (components/rules.ts), the host model and the CLI all import it;
 * none restates it. Pure: ipaddr.js only (no zod), so the pack still starts light.
 */
import * as ipaddr from "ipaddr.js";
import { memoise } from "./memo";
import { PolicyNames } from "./names";

// ------------------------------------------------------------------------------------------------ sources

/** An address block as an inclusive integer interval. */
export interface Block {
  v6: boolean;
  lo: bigint;
  hi: bigint;
}

/**
 * The only ranges that are not the internet: RFC 1918, ULA, loopback and link-local. Everything else (shared,
 * documentation, benchmark, reserved, multicast) counts as the internet: the model fails closed.
 */
export const INTERNAL_RANGES: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "fc00::/7",
  "::1/128",
  "fe80::/10",
];

const V4_MAPPED = { v6: true, lo: 0xffffn << 32n, hi: (0xffffn << 32n) + 0xffffffffn };

function blockOf(addr: ipaddr.IPv4 | ipaddr.IPv6, prefix: number): Block {
  const bytes = addr.toByteArray();
  let n = 0n;
  for (const x of bytes) n = (n << 8n) | BigInt(x);
  const host = BigInt(bytes.length * 8 - prefix);
  const lo = (n >> host) << host;
  return { v6: bytes.length === 16, lo, hi: lo + (1n << host) - 1n };
}

/** A CIDR or bare address (v4 or v6, any spelling ipaddr.js reads); undefined when unparseable. Memoised. */
export const parseSource = memoise((source: string): Block | undefined => {
  try {
    const s = source.trim();
    const [addr, prefix] = s.includes("/")
      ? ipaddr.parseCIDR(s)
      : [ipaddr.parse(s), ipaddr.parse(s).kind() === "ipv4" ? 32 : 128];
    return blockOf(addr, prefix);
  } catch {
    return undefined;
  }
});

type Interval = [bigint, bigint];
interface Space {
  v4: Interval[];
  v6: Interval[];
}

/** Splits a block into its IPv4 part (v4-mapped IPv6 counts as the IPv4 it carries) and its IPv6 part. */
function addBlock(space: Space, b: Block): void {
  if (!b.v6) {
    space.v4.push([b.lo, b.hi]);
    return;
  }
  const lo = b.lo > V4_MAPPED.lo ? b.lo : V4_MAPPED.lo;
  const hi = b.hi < V4_MAPPED.hi ? b.hi : V4_MAPPED.hi;
  if (lo <= hi) space.v4.push([lo - V4_MAPPED.lo, hi - V4_MAPPED.lo]);
  if (b.lo < V4_MAPPED.lo) space.v6.push([b.lo, b.hi < V4_MAPPED.lo ? b.hi : V4_MAPPED.lo - 1n]);
  if (b.hi > V4_MAPPED.hi) space.v6.push([b.lo > V4_MAPPED.hi ? b.lo : V4_MAPPED.hi + 1n, b.hi]);
}

function subtract(list: Interval[], cut: Interval): Interval[] {
  const out: Interval[] = [];
  for (const [lo, hi] of list) {
    if (hi < cut[0] || lo > cut[1]) out.push([lo, hi]);
    else {
      if (lo < cut[0]) out.push([lo, cut[0] - 1n]);
      if (hi > cut[1]) out.push([cut[1] + 1n, hi]);
    }
  }
  return out;
}

function merge(list: Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Interval[] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1n) last[1] = hi > last[1] ? hi : last[1];
    else out.push([lo, hi]);
  }
  return out;
}

const internalCache = new Map<string, Space>();

function internalSpace(declared: readonly string[]): Space {
  const key = declared.join(",");
  let s = internalCache.get(key);
  if (!s) {
    s = { v4: [], v6: [] };
    for (const c of [...INTERNAL_RANGES, ...declared]) {
      const b = parseSource(c);
      if (b) addBlock(s, b);
    }
    if (internalCache.size > 64) internalCache.clear();
    internalCache.set(key, s);
  }
  return s;
}

/** The part of the sources that is the internet: their union minus the internal ranges. */
export function internetPart(sources: readonly string[], internalCidrs: readonly string[] = []): Space {
  // Unparseable: the whole IPv4 internet (fail closed).
  return internetPartOf(
    sources.map((src) => parseSource(src) ?? { v6: false, lo: 0n, hi: 0xffffffffn }),
    internalCidrs,
  );
}

/** True when an address interval holds any internet address (NACL evaluation works on intervals). */
export function blockIsInternet(b: Block, internalCidrs: readonly string[] = []): boolean {
  const memo = verdictMemo(internetMemo, internalCidrs);
  const key = `${b.v6 ? "6" : "4"}:${b.lo}-${b.hi}`;
  let v = memo.get(key);
  if (v === undefined) {
    const p = internetPartOf([b], internalCidrs);
    v = p.v4.length > 0 || p.v6.length > 0;
    if (memo.size > 10_000) memo.clear();
    memo.set(key, v);
  }
  return v;
}

function internetPartOf(blocks: readonly Block[], internalCidrs: readonly string[]): Space {
  const s: Space = { v4: [], v6: [] };
  for (const b of blocks) addBlock(s, b);
  const inner = internalSpace(internalCidrs);
  let v4 = merge(s.v4);
  let v6 = merge(s.v6);
  for (const c of inner.v4) v4 = subtract(v4, c);
  for (const c of inner.v6) v6 = subtract(v6, c);
  return { v4, v6 };
}

/**
 * A source is internal only if it lies wholly inside RFC 1918, fc00::/7, loopback, link-local, or the declared
 * internal CIDRs (site CIDRs, `internalCidrs`). Everything else, unparseable text included, is the internet.
 */
export function isInternet(source: string, internalCidrs: readonly string[] = []): boolean {
  const memo = verdictMemo(internetMemo, internalCidrs);
  let v = memo.get(source);
  if (v === undefined) {
    const p = internetPart([source], internalCidrs);
    v = p.v4.length > 0 || p.v6.length > 0;
    if (memo.size > 10_000) memo.clear();
    memo.set(source, v);
  }
  return v;
}

// Verdicts per range list: a stack repeats the same few sources thousands of times, and each verdict is interval
// arithmetic on bigints. Keyed by the list's text, so equal lists built afresh share one memo.
type VerdictMemo = Map<string, Map<string, boolean>>;
const internetMemo: VerdictMemo = new Map();
const withinMemo: VerdictMemo = new Map();

function verdictMemo(memos: VerdictMemo, ranges: readonly string[]): Map<string, boolean> {
  const key = ranges.length === 0 ? "" : ranges.length === 1 ? ranges[0] : ranges.join(",");
  let m = memos.get(key);
  if (!m) {
    if (memos.size > 64) memos.clear();
    memos.set(key, (m = new Map()));
  }
  return m;
}

/** True when the source lies wholly inside the union of `ranges` (no built-in ranges: e.g. adminCidrs). */
export function isWithin(source: string, ranges: readonly string[]): boolean {
  if (!ranges.length) return false;
  const memo = verdictMemo(withinMemo, ranges);
  let v = memo.get(source);
  if (v === undefined) {
    v = within(source, ranges);
    if (memo.size > 10_000) memo.clear();
    memo.set(source, v);
  }
  return v;
}

function within(source: string, ranges: readonly string[]): boolean {
  const b = parseSource(source);
  if (!b) return false;
  const s: Space = { v4: [], v6: [] };
  addBlock(s, b);
  const r: Space = { v4: [], v6: [] };
  for (const c of ranges) {
    const x = parseSource(c);
    if (x) addBlock(r, x);
  }
  let v4 = s.v4;
  let v6 = s.v6;
  for (const c of r.v4) v4 = subtract(v4, c);
  for (const c of r.v6) v6 = subtract(v6, c);
  return v4.length === 0 && v6.length === 0;
}

const size = (l: Interval[]) => l.reduce((n, [lo, hi]) => n + hi - lo + 1n, 0n);

/**
 * True when the sources, taken together, open more of the internet than a /8 (IPv4) or a /16 (IPv6): 0.0.0.0/0,
 * ::/0, 0.0.0.0/1 + 128.0.0.0/1, 2000::/3, ::ffff:0:0/96... Such exposure is refused, waiver or not.
 */
export function isAnywhere(sources: readonly string[], internalCidrs: readonly string[] = []): boolean {
  const p = internetPart(sources, internalCidrs);
  return size(p.v4) > 1n << 24n || size(p.v6) > 1n << 112n;
}

// ------------------------------------------------------------------------------------------------ ports

/** Remote administration: SSH, telnet, RDP, VNC, WinRM (issue 11's list; the pack's `remoteAdminPorts`). */
export const DEFAULT_REMOTE_ADMIN_PORTS: readonly number[] = [22, 23, 3389, 5900, 5901, 5902, 5903, 5985, 5986];

/** AWS Security Hub EC2.19 high-risk ports, plus 3306 (MySQL) named by the postmortem. */
export const DEFAULT_HIGH_RISK_PORTS: readonly number[] = [
  20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888,
  9200, 9300,
];

/** Ports the internet may reach by default (web roles). */
export const DEFAULT_WEB_PORTS: readonly number[] = [80, 443];

/** The one configurable port list the classification reads. */
export interface ExposurePorts {
  remoteAdminPorts: readonly number[];
  highRiskPorts: readonly number[];
  webPorts: readonly number[];
}

export const DEFAULT_EXPOSURE_PORTS: ExposurePorts = {
  remoteAdminPorts: DEFAULT_REMOTE_ADMIN_PORTS,
  highRiskPorts: DEFAULT_HIGH_RISK_PORTS,
  webPorts: DEFAULT_WEB_PORTS,
};

export type PortClass = "remote-admin" | "high-risk" | "web" | "other";

/** The ports a rule opens: all of them, or inclusive ranges (ICMP opens none). */
export type Ports = { all: true } | { all: false; ranges: readonly (readonly [number, number])[] };

const TCP_UDP = new Set(["tcp", "6", "udp", "17"]);
const ICMP = new Set(["icmp", "1", "icmpv6", "58"]);

/**
 * Ports a protocol and bounds open, as AWS applies them: -1/all and any protocol other than TCP, UDP and ICMP cover
 * every port; ICMP reaches no TCP/UDP service; missing or -1 bounds mean every port.
 */
export function portsOf(protocol: string, from?: number, to?: number): Ports {
  const p = protocol.trim().toLowerCase();
  if (ICMP.has(p)) return { all: false, ranges: [] };
  if (!TCP_UDP.has(p)) return { all: true };
  if (from === undefined && to === undefined) return { all: true };
  let lo = from ?? to!;
  let hi = to ?? from!;
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo < 0) lo = 0;
  if (hi < 0 || hi > 65535) hi = 65535;
  if (lo <= 0 && hi >= 65535) return { all: true };
  return { all: false, ranges: [[lo, hi]] };
}

/** The classes of the ports a rule opens. Remote admin outranks high-risk, which outranks web. */
export function classifyPorts(ports: Ports, list: ExposurePorts = DEFAULT_EXPOSURE_PORTS): Set<PortClass> {
  const out = new Set<PortClass>();
  if (ports.all) return new Set<PortClass>(["remote-admin", "high-risk", "web", "other"]);
  const { admin, risky, named: all } = portLists(list);
  for (const [lo, hi] of ports.ranges) {
    // Wide ranges: test the named ports inside, then whether anything else is left.
    let inside = 0;
    for (const p of all) {
      if (p < lo || p > hi) continue;
      inside++;
      out.add(admin.has(p) ? "remote-admin" : risky.has(p) ? "high-risk" : "web");
    }
    if (hi - lo + 1 > inside) out.add("other");
  }
  return out;
}

/** The lists as sets, built once per list object (the pack reuses one per config). */
const listSets = new WeakMap<ExposurePorts, { admin: Set<number>; risky: Set<number>; named: number[] }>();

function portLists(list: ExposurePorts) {
  let s = listSets.get(list);
  if (!s) {
    const admin = new Set(list.remoteAdminPorts);
    const risky = new Set(list.highRiskPorts);
    s = { admin, risky, named: [...new Set([...admin, ...risky, ...list.webPorts])] };
    listSets.set(list, s);
  }
  return s;
}

/** The admin ports a network ACL is judged on (FSBP EC2.21: SSH and RDP). */
export const NACL_ADMIN_PORTS: readonly number[] = [22, 3389];

/** Remote-admin ports a rule opens (all of them for all-ports rules). */
export function adminPortsIn(ports: Ports, list: readonly number[] = DEFAULT_REMOTE_ADMIN_PORTS): number[] {
  if (ports.all) return [...list];
  return list.filter((p) => ports.ranges.some(([lo, hi]) => lo <= p && p <= hi));
}

// ------------------------------------------------------------------------------------------------ waivers

/** Where an exposure is implemented: a security-group rule or a network-ACL entry. */
export type Layer = "security-group" | "network-acl";

/**
 * The waiver policies that internet ingress on these classes needs, derived from the classification: admin and
 * high-risk ports need the admin-ingress waiver, ports outside every list the unauthorized-ingress one; web needs none.
 */
export function waiverPolicies(classes: ReadonlySet<PortClass>): string[] {
  const out: string[] = [];
  if (classes.has("remote-admin") || classes.has("high-risk")) out.push(PolicyNames.sgInternetAdminIngress);
  if (classes.has("other")) out.push(PolicyNames.sgInternetIngress);
  return out;
}

export interface Exposure {
  /** The source reaches from the internet. */
  internet: boolean;
  /** The source covers more of the internet than a /8 (v4) or /16 (v6): refused whatever the waiver. */
  anywhere: boolean;
  classes: Set<PortClass>;
  /** Waiver policies needed; [] when the rule is not internet exposure or opens only web ports. */
  policies: string[];
}

/** The one verdict: is this ingress internet exposure, of what class, and which waivers does it need. */
export function judgeExposure(
  source: string,
  ports: Ports,
  opts: { internalCidrs?: readonly string[]; ports?: ExposurePorts; layer?: Layer } = {},
): Exposure {
  const internal = opts.internalCidrs ?? [];
  const classes = classifyPorts(ports, opts.ports);
  const internet = isInternet(source, internal);
  return {
    internet,
    anywhere: internet && isAnywhere([source], internal),
    classes,
    // A network ACL is judged on SSH and RDP only (EC2.21).
    policies: !internet
      ? []
      : opts.layer === "network-acl"
        ? adminPortsIn(ports, NACL_ADMIN_PORTS).length
          ? [PolicyNames.naclInternetAdminIngress]
          : []
        : waiverPolicies(classes),
  };
}

/**
 * One waiver, every layer (issue 16): the operator waives an exposure once, under the security-group policy the
 * classification names; a resource on another layer (a NACL entry) that implements the same exposure carries that
 * waiver under its own layer's policy name. Nothing is carried when the security-group layer is not fully waived,
 * and a layer that needs no waiver gets none, so a waiver never covers more than the exposure it was written for.
 */
export function carryWaivers<W extends { policy: string }>(
  waivers: readonly W[],
  source: string,
  ports: Ports,
  layer: Layer,
  opts: { internalCidrs?: readonly string[]; ports?: ExposurePorts } = {},
): W[] {
  const sg = judgeExposure(source, ports, { ...opts, layer: "security-group" });
  const here = judgeExposure(source, ports, { ...opts, layer });
  if (!here.policies.length || !sg.policies.length) return [];
  const found = sg.policies.map((p) => waivers.find((w) => w.policy === p));
  if (found.some((w) => w === undefined)) return [];
  return here.policies.map((policy) => ({ ...found[0]!, policy }));
}
