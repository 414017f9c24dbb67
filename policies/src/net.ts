/**
 * Network normalisers, one per concept: CIDR sources (ipaddr.js), ports/protocols, and security-group rules from
 * all three shapes. Policies never read rule properties themselves.
 */
import { arr, bool, get, num, str, UNKNOWN, type Obj } from "./values";
import {
  blockIsInternet,
  classifyPorts,
  isInternet,
  parseSource,
  type ExposurePorts,
  type PortClass,
} from "./exposure";

export { DEFAULT_REMOTE_ADMIN_PORTS, isAnywhere, isInternet, judgeExposure, waiverPolicies } from "./exposure";

// ---------------------------------------------------------------------------------------------------- CIDRs

type Block = NonNullable<ReturnType<typeof parseSource>>;
/** Parses a CIDR (or a bare address), memoised: the exposure model's parser. */
const parseBlock = parseSource;

export interface CidrVerdict {
  cidr: string;
  /** Covers public (internet-routable) address space, and is not inside the admin allowlist. */
  internet: boolean;
  /** Unparseable: treated as the internet (fail closed). */
  invalid?: boolean;
  unknown?: boolean;
}

/**
 * Whether a CIDR (v4 or v6, any spelling) is the internet, by the one exposure model (exposure.ts); `allow` (admin or
 * declared internal ranges) excuses sources lying wholly inside their union.
 */
export function classifyCidr(cidr: unknown, allow: readonly string[] = []): CidrVerdict {
  const s = str(cidr);
  if (s === "unknown") return { cidr: "<unknown>", internet: false, unknown: true };
  if (s === undefined) return { cidr: String(cidr), internet: true, invalid: true };
  if (!parseBlock(s)) return { cidr: s, internet: true, invalid: true };
  return { cidr: s, internet: isInternet(s, allow) };
}

/** Validates a CIDR string (used by the config schema). */
export function isCidr(s: string): boolean {
  return parseBlock(s) !== undefined;
}

// ---------------------------------------------------------------------------------------------------- ports

/** A set of ports: every port, or inclusive ranges; "unknown" when the protocol or a bound is unknown. */
export type PortSet = { all: true; label: string } | { all: false; ranges: [number, number][]; label: string };

const TCP_UDP: Record<string, string> = { tcp: "tcp", "6": "tcp", udp: "udp", "17": "udp" };
const ICMP = new Set(["icmp", "1", "icmpv6", "58"]);

/**
 * Ports a rule opens. Protocol -1/"all" and any protocol other than TCP, UDP and ICMP (by name or number) cover
 * every port, as AWS applies them; TCP/UDP ranges count in full (missing or -1 bounds mean every port).
 */
export function portsOf(protocol: unknown, from: unknown, to: unknown): PortSet | "unknown" {
  const p = str(protocol);
  if (p === "unknown") return "unknown";
  const proto = (p ?? "-1").trim().toLowerCase();
  // ICMP carries types and codes, not ports: it reaches no TCP/UDP service.
  if (ICMP.has(proto))
    return { all: false, ranges: [], label: proto.startsWith("icmp") ? proto : `protocol ${proto} (ICMP)` };
  const tcpUdp = TCP_UDP[proto];
  if (!tcpUdp)
    return { all: true, label: proto === "-1" || proto === "all" ? "all traffic" : `protocol ${proto} (all ports)` };
  const f = num(from);
  const t = num(to);
  if (f === "unknown" || t === "unknown") return "unknown";
  if (f === undefined && t === undefined) return { all: true, label: `${tcpUdp} all ports` };
  let lo = f ?? t!;
  let hi = t ?? f!;
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo < 0) lo = 0;
  if (hi < 0 || hi > 65535) hi = 65535;
  if (lo <= 0 && hi >= 65535) return { all: true, label: `${tcpUdp} all ports` };
  return { all: false, ranges: [[lo, hi]], label: lo === hi ? `${tcpUdp}/${lo}` : `${tcpUdp}/${lo}-${hi}` };
}

export function portsInclude(ps: PortSet, port: number): boolean {
  return ps.all || ps.ranges.some(([lo, hi]) => lo <= port && port <= hi);
}

/** The exposure model's port classes of a rule's ports, under the pack config's one port list. */
export function portClasses(
  ps: PortSet,
  cfg: { authorizedPorts: readonly number[]; highRiskPorts: readonly number[]; remoteAdminPorts: readonly number[] },
): Set<PortClass> {
  let list = listOf.get(cfg);
  if (!list) {
    list = { remoteAdminPorts: cfg.remoteAdminPorts, highRiskPorts: cfg.highRiskPorts, webPorts: cfg.authorizedPorts };
    listOf.set(cfg, list);
  }
  return classifyPorts(ps, list);
}

/** One port list per config object, so the exposure model builds its sets once. */
const listOf = new WeakMap<object, ExposurePorts>();

/** True when the set opens any port outside `allowed`. */
export function portsBeyond(ps: PortSet, allowed: readonly number[]): boolean {
  if (ps.all) return true;
  const ok = new Set(allowed);
  for (const [lo, hi] of ps.ranges) {
    if (hi - lo + 1 > ok.size) return true;
    for (let p = lo; p <= hi; p++) if (!ok.has(p)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------- SG rules

export const SG_TYPES = {
  group: "aws:ec2/securityGroup:SecurityGroup",
  defaultGroup: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  rule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
} as const;

export type Source =
  | { kind: "cidr"; value: unknown }
  | { kind: "securityGroup" | "self"; value: string }
  /** `prop`: the top-level input holding it, for propertyDependencies. */
  | { kind: "prefixList"; value: string; prop: string };

export interface NormRule {
  direction: "ingress" | "egress" | "unknown";
  ports: PortSet | "unknown";
  sources: Source[];
  /** Sources list itself unknown (preview). */
  sourcesUnknown: boolean;
  description: unknown;
  /** Where the rule lives, e.g. `ingress[2]` for inline rules, empty for rule resources. */
  where: string;
}

function inlineRule(r: unknown, direction: "ingress" | "egress", where: string): NormRule {
  const sources: Source[] = [];
  let sourcesUnknown = false;
  for (const key of ["cidrBlocks", "ipv6CidrBlocks"]) {
    const l = arr(get(r, key));
    if (l === "unknown") sourcesUnknown = true;
    else for (const c of l ?? []) sources.push({ kind: "cidr", value: c });
  }
  const pl = arr(get(r, "prefixListIds"));
  if (pl === "unknown" || (Array.isArray(pl) && pl.length))
    sources.push(
      ...(pl === "unknown" ? [UNKNOWN] : (pl ?? [])).map((x) => ({
        kind: "prefixList" as const,
        value: String(x),
        prop: where.split("[")[0] || "prefixListIds",
      })),
    );
  const sgs = arr(get(r, "securityGroups"));
  for (const x of sgs === "unknown" ? [] : (sgs ?? [])) sources.push({ kind: "securityGroup", value: String(x) });
  if (bool(get(r, "self")) === true) sources.push({ kind: "self", value: "self" });
  return {
    direction,
    ports: portsOf(get(r, "protocol"), get(r, "fromPort"), get(r, "toPort")),
    sources,
    sourcesUnknown,
    description: get(r, "description"),
    where,
  };
}

const rulesCache = new WeakMap<Obj, NormRule[]>();

/** Every rule a resource declares, whatever its shape; [] for other types. Normalised once per props object. */
export function rulesOf(type: string, props: Obj): NormRule[] {
  let rules = rulesCache.get(props);
  if (!rules) rulesCache.set(props, (rules = normaliseRules(type, props)));
  return rules;
}

function normaliseRules(type: string, props: Obj): NormRule[] {
  switch (type) {
    case SG_TYPES.group:
    case SG_TYPES.defaultGroup: {
      const out: NormRule[] = [];
      for (const dir of ["ingress", "egress"] as const) {
        const l = arr(props[dir]);
        if (l === "unknown") {
          out.push({
            direction: dir,
            ports: "unknown",
            sources: [],
            sourcesUnknown: true,
            description: undefined,
            where: dir,
          });
          continue;
        }
        (l ?? []).forEach((r, i) => out.push(inlineRule(r, dir, `${dir}[${i}]`)));
      }
      return out;
    }
    case SG_TYPES.rule: {
      const t = str(props.type);
      const r = inlineRule(props, "ingress", "");
      r.direction = t === "unknown" ? "unknown" : t === "egress" ? "egress" : "ingress";
      const sg = str(props.sourceSecurityGroupId);
      if (sg !== undefined) r.sources.push({ kind: "securityGroup", value: sg });
      return [r];
    }
    case SG_TYPES.ingress:
    case SG_TYPES.egress: {
      const sources: Source[] = [];
      for (const key of ["cidrIpv4", "cidrIpv6"])
        if (props[key] !== undefined && props[key] !== null) sources.push({ kind: "cidr", value: props[key] });
      if (props.prefixListId)
        sources.push({ kind: "prefixList", value: String(props.prefixListId), prop: "prefixListId" });
      if (props.referencedSecurityGroupId)
        sources.push({ kind: "securityGroup", value: String(props.referencedSecurityGroupId) });
      return [
        {
          direction: type === SG_TYPES.ingress ? "ingress" : "egress",
          ports: portsOf(props.ipProtocol, props.fromPort, props.toPort),
          sources,
          sourcesUnknown: false,
          description: props.description,
          where: "",
        },
      ];
    }
    default:
      return [];
  }
}

/** The internet-facing CIDR sources of a rule (a safe source next to them never excuses them). */
export function internetSources(
  rule: NormRule,
  allow: readonly string[],
): { internet: CidrVerdict[]; unknown: boolean } {
  const internet: CidrVerdict[] = [];
  let unknown = rule.sourcesUnknown;
  for (const s of rule.sources) {
    if (s.kind !== "cidr") continue;
    const v = classifyCidr(s.value, allow);
    if (v.unknown) unknown = true;
    else if (v.internet) internet.push(v);
  }
  return { internet, unknown };
}

// ---------------------------------------------------------------------------------------------------- NACLs

export const NACL_TYPES = {
  acl: "aws:ec2/networkAcl:NetworkAcl",
  defaultAcl: "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl",
  rule: "aws:ec2/networkAclRule:NetworkAclRule",
} as const;

export interface NormNaclEntry {
  ingress: boolean | "unknown";
  allow: boolean | "unknown";
  ruleNo: number;
  ports: PortSet | "unknown";
  cidrs: unknown[];
  where: string;
}

/** NACL entries from inline `ingress` lists or a standalone rule. */
export function naclEntriesOf(type: string, props: Obj): NormNaclEntry[] {
  const entry = (r: unknown, ingress: boolean | "unknown", actionKey: string, where: string): NormNaclEntry => {
    const action = str(get(r, actionKey));
    const n = num(get(r, "ruleNo")) ?? num(get(r, "ruleNumber"));
    return {
      ingress,
      allow: action === "unknown" ? "unknown" : (action ?? "").toLowerCase() === "allow",
      ruleNo: typeof n === "number" ? n : Number.MAX_SAFE_INTEGER,
      ports: portsOf(get(r, "protocol"), get(r, "fromPort"), get(r, "toPort")),
      cidrs: [get(r, "cidrBlock"), get(r, "ipv6CidrBlock")].filter((c) => c !== undefined && c !== null && c !== ""),
      where,
    };
  };
  if (type === NACL_TYPES.rule) {
    const eg = bool(props.egress);
    return [entry(props, eg === "unknown" ? "unknown" : eg !== true, "ruleAction", "")];
  }
  if (type === NACL_TYPES.acl || type === NACL_TYPES.defaultAcl) {
    const out: NormNaclEntry[] = [];
    const l = arr(props.ingress);
    if (l === "unknown")
      out.push({ ingress: true, allow: "unknown", ruleNo: 0, ports: "unknown", cidrs: [], where: "ingress" });
    else (l ?? []).forEach((r, i) => out.push(entry(r, true, "action", `ingress[${i}]`)));
    return out;
  }
  return [];
}

type Interval = [bigint, bigint];

function subtract(list: Interval[], blk: Block): Interval[] {
  const out: Interval[] = [];
  for (const [lo, hi] of list) {
    if (hi < blk.lo || lo > blk.hi) out.push([lo, hi]);
    else {
      if (lo < blk.lo) out.push([lo, blk.lo - 1n]);
      if (hi > blk.hi) out.push([blk.hi + 1n, hi]);
    }
  }
  return out;
}

export interface NaclVerdict {
  /** Allow entries that are the first match for some internet source on the port. */
  offending: { entry: NormNaclEntry; cidr: string }[];
  unknown: boolean;
}

/**
 * Evaluates ingress entries in rule-number order, as AWS does: the first matching entry decides. An allow entry
 * offends when some public address (outside `allow`) reaches it before any deny covers it.
 */
export function naclInternetAllows(
  entries: readonly NormNaclEntry[],
  port: number,
  allowlist: readonly string[],
  internal: readonly string[] = [],
): NaclVerdict {
  const v: NaclVerdict = { offending: [], unknown: false };
  const full = (v6: boolean): Interval[] => [[0n, (1n << (v6 ? 128n : 32n)) - 1n]];
  const undecided = { v4: full(false), v6: full(true) };
  for (const a of allowlist) {
    const b = parseBlock(a);
    if (b) undecided[b.v6 ? "v6" : "v4"] = subtract(undecided[b.v6 ? "v6" : "v4"], b);
  }
  const sorted = [...entries].sort((a, b) => a.ruleNo - b.ruleNo);
  for (const e of sorted) {
    if (e.ingress === false) continue;
    if (e.ingress === "unknown" || e.allow === "unknown" || e.ports === "unknown") {
      v.unknown = true;
      continue;
    }
    if (!portsInclude(e.ports, port)) continue;
    for (const c of e.cidrs) {
      const s = str(c);
      if (s === "unknown") {
        v.unknown = true;
        continue;
      }
      const blk = s === undefined ? undefined : parseBlock(s);
      // Unparseable: fail closed as the whole IPv4 internet.
      const b = blk ?? parseBlock("0.0.0.0/0")!;
      const fam = b.v6 ? "v6" : "v4";
      if (e.allow) {
        const hit = undecided[fam].some(([lo, hi]) => {
          const l = lo > b.lo ? lo : b.lo;
          const h = hi < b.hi ? hi : b.hi;
          return l <= h && blockIsInternet({ v6: b.v6, lo: l, hi: h }, internal);
        });
        if (hit) v.offending.push({ entry: e, cidr: s ?? String(c) });
      } else undecided[fam] = subtract(undecided[fam], b);
    }
  }
  return v;
}
