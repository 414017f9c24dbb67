/** Network controls: security groups (all three rule shapes), NACLs, subnets, VPC flow logs, default SG. */
import type { Ctx, Emit, PolicyDef, Res } from "../framework";
import { PolicyNames } from "../names";
import {
  internetSources,
  NACL_TYPES,
  naclEntriesOf,
  portClasses,
  portsInclude,
  rulesOf,
  SG_TYPES,
  naclInternetAllows,
  classifyCidr,
  type NormNaclEntry,
  type NormRule,
  waiverPolicies,
} from "../net";
import { NACL_ADMIN_PORTS } from "../exposure";
import { arr, bool, get, isUnknown, str, UNKNOWN } from "../values";

const RULE_TYPES = [SG_TYPES.group, SG_TYPES.defaultGroup, SG_TYPES.rule, SG_TYPES.ingress, SG_TYPES.egress];
const VPC_TYPES = ["aws:ec2/vpc:Vpc", "aws:ec2/defaultVpc:DefaultVpc"];
const GROUP_TYPES = [SG_TYPES.group, SG_TYPES.defaultGroup];

function at(rule: NormRule): string {
  return rule.where ? ` ${rule.where}` : "";
}

/** Each ingress rule's internet sources, with the unknown flag; shared by both ingress policies. */
const PL_TYPES = ["aws:ec2/managedPrefixList:ManagedPrefixList"];
const PL_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry";

/** CIDRs of a prefix list declared in this stack (inline entries and entry resources); [] when external. */
function prefixListCidrs(r: Res, prop: string, value: string, ctx: Ctx): unknown[] {
  const l = ctx.idx.resolve(r, prop, isUnknown(value) ? undefined : value, PL_TYPES);
  if (l.status !== "found") return [];
  const entries = ctx.idx.memo("prefixListEntries", () => {
    const m = new Map<string, unknown[]>();
    for (const e of ctx.idx.ofType(PL_ENTRY)) {
      const t = ctx.idx.resolve(e, "prefixListId", e.props.prefixListId, PL_TYPES);
      if (t.status === "found") for (const x of t.res) m.set(x.urn, [...(m.get(x.urn) ?? []), e.props.cidr]);
    }
    return m;
  });
  const out: unknown[] = [];
  for (const x of l.res) {
    const inline = arr(x.props.entries);
    if (inline === "unknown") out.push(UNKNOWN);
    else for (const e of inline ?? []) out.push(get(e, "cidr"));
    out.push(...(entries.get(x.urn) ?? []));
  }
  return out;
}

function ingressFindings(r: Res, ctx: Ctx, emit: Emit, pick: (ps: Exclude<NormRule["ports"], "unknown">) => string | undefined, allow: readonly string[]) {
  for (const rule of rulesOf(r.type, r.props)) {
    if (rule.direction === "egress") continue;
    const src = internetSources(rule, allow);
    // A prefix list is a safe source only if what it holds is: follow it when it is declared here.
    for (const s of rule.sources) {
      if (s.kind !== "prefixList") continue;
      for (const c of prefixListCidrs(r, s.prop, s.value, ctx)) {
        const v = classifyCidr(c, allow);
        if (v.internet) src.internet.push({ ...v, cidr: `${v.cidr} (in prefix list)` });
      }
    }
    if (rule.direction === "unknown" || rule.ports === "unknown") {
      if (src.internet.length || src.unknown) emit.unknown(`rule${at(rule)}: direction or ports unknown during preview; checked again at update`);
      continue;
    }
    const what = pick(rule.ports);
    if (!what) continue;
    for (const v of src.internet) {
      emit.fail(`rule${at(rule)} allows ${what} from ${v.cidr}${v.invalid ? " (unparseable, treated as the internet)" : " (internet)"}`);
    }
    if (src.unknown) emit.unknown(`rule${at(rule)} opens ${what} to a source unknown during preview; checked again at update`);
  }
}

/** One message per offending entry and source, naming every admin port it lets through. */
function reportNacl(entries: NormNaclEntry[], own: Set<NormNaclEntry>, ctx: Ctx, emit: Emit): void {
  const hits = new Map<NormNaclEntry, Map<string, number[]>>();
  let unknown = false;
  for (const port of NACL_ADMIN_PORTS) {
    const v = naclInternetAllows(entries, port, ctx.cfg.adminCidrs, ctx.cfg.internalCidrs);
    unknown ||= v.unknown;
    for (const o of v.offending) {
      if (!own.has(o.entry)) continue;
      const m = hits.get(o.entry) ?? new Map<string, number[]>();
      m.set(o.cidr, [...(m.get(o.cidr) ?? []), port]);
      hits.set(o.entry, m);
    }
  }
  for (const [e, m] of hits) {
    for (const [cidr, ports] of m) emit.fail(`entry${e.where ? " " + e.where : ""} (rule ${e.ruleNo}) allows port ${ports.join(" and ")} from ${cidr} before any deny`);
  }
  if (unknown) emit.unknown("ACL entries are unknown during preview");
}

export const networkPolicies: PolicyDef[] = [
  {
    name: PolicyNames.sgInternetAdminIngress,
    description: "Security groups must not allow ingress from the internet to admin or high-risk ports (SSH, RDP, MySQL, EC2.19 list).",
    severity: "critical",
    enforcement: "mandatory",
    family: "network",
    securityHub: ["EC2.13", "EC2.14", "EC2.19", "EC2.53", "EC2.54"],
    cis: ["5.2", "5.3", "5.4"],
    remediation: "Restrict the source to the admin CIDR allowlist, a security group or a prefix list; reach servers with SSM Session Manager instead of opening SSH/RDP.",
    unknowns: "An unknown source, protocol or port range is reported as advisory in preview and decided at update; a known internet source next to an unknown one still fails.",
    types: RULE_TYPES,
    check(r, ctx, emit) {
      // The exposure model's classes: remote-admin and high-risk ports need this policy's waiver.
      const risky = [...new Set([...ctx.cfg.remoteAdminPorts, ...ctx.cfg.highRiskPorts])].sort((x, y) => x - y);
      ingressFindings(
        r,
        ctx,
        emit,
        (ps) => {
          if (!waiverPolicies(portClasses(ps, ctx.cfg)).includes(PolicyNames.sgInternetAdminIngress)) return undefined;
          if (ps.all) return `${ps.label} (includes admin ports ${risky.slice(0, 4).join(", ")}…)`;
          const hit = risky.filter((p) => portsInclude(ps, p));
          return `${ps.label} (admin/high-risk port${hit.length > 1 ? "s" : ""} ${hit.join(", ")})`;
        },
        [...ctx.cfg.adminCidrs, ...ctx.cfg.internalCidrs],
      );
    },
  },
  {
    name: PolicyNames.sgInternetIngress,
    description: "Security groups must not allow ingress from the internet to ports outside the authorized list, nor all-traffic ingress.",
    severity: "high",
    enforcement: "mandatory",
    family: "network",
    securityHub: ["EC2.18", "EC2.2"],
    cis: ["5.3"],
    remediation: "Open only authorized ports (default 80 and 443) to the internet; put everything else behind a security-group, prefix-list or private CIDR source.",
    unknowns: "Unknown sources, protocols or ports are advisory in preview and decided at update.",
    types: RULE_TYPES,
    check(r, ctx, emit) {
      // Admin/high-risk ports have their own control: one message per missing control.
      ingressFindings(
        r,
        ctx,
        emit,
        (ps) =>
          !waiverPolicies(portClasses(ps, ctx.cfg)).includes(PolicyNames.sgInternetIngress)
            ? undefined
            : ps.all
              ? `${ps.label} (all-traffic ingress)`
              : `${ps.label} (not in authorized ports ${ctx.cfg.authorizedPorts.join(", ")})`,
        ctx.cfg.internalCidrs,
      );
    },
  },
  {
    name: PolicyNames.sgUnrestrictedEgress,
    description: "Security groups should not allow all traffic to the internet (egress).",
    severity: "medium",
    enforcement: "advisory",
    family: "network",
    securityHub: ["EC2.2"],
    cis: [],
    remediation: "Allow egress only to the ports and destinations a server needs (e.g. HTTPS to the internet, the database port to its subnet).",
    unknowns: "Unknown destinations or ports are not reported.",
    types: RULE_TYPES,
    check(r, _ctx, emit) {
      for (const rule of rulesOf(r.type, r.props)) {
        if (rule.direction !== "egress" || rule.ports === "unknown" || !rule.ports.all) continue;
        for (const v of internetSources(rule, []).internet) emit.fail(`egress rule${at(rule)} allows ${rule.ports.label} to ${v.cidr}`);
      }
    },
  },
  {
    name: "ec2-security-group-require-rule-descriptions",
    description: "Every security group rule should say why it exists.",
    severity: "low",
    enforcement: "advisory",
    family: "network",
    securityHub: [],
    cis: [],
    remediation: "Give every rule a description naming who needs it and why.",
    unknowns: "An unknown description counts as present.",
    types: RULE_TYPES,
    check(r, _ctx, emit) {
      for (const rule of rulesOf(r.type, r.props)) {
        const d = str(rule.description);
        if (d === undefined || d.trim() === "") emit.fail(`${rule.direction} rule${at(rule)} has no description`);
      }
    },
  },
  {
    name: "ec2-network-acl-disallow-internet-admin-ingress",
    description: "Network ACLs must not allow ingress from the internet to SSH (22) or RDP (3389).",
    severity: "high",
    enforcement: "mandatory",
    family: "network",
    securityHub: ["EC2.21"],
    cis: ["5.1"],
    remediation: "Remove the allow entry or restrict its CIDR to private or admin ranges.",
    unknowns: "Unknown CIDRs, actions or ports are advisory in preview.",
    types: [NACL_TYPES.acl, NACL_TYPES.defaultAcl, NACL_TYPES.rule],
    check(r, ctx, emit) {
      // Inline entries stand alone (the provider forbids mixing them with NetworkAclRule resources); rule
      // resources are judged together with the other rules of their ACL, in rule-number order.
      let entries = naclEntriesOf(r.type, r.props);
      if (r.type === NACL_TYPES.rule) {
        const byAcl = ctx.idx.memo("naclRules", () => {
          const m = new Map<string, Res[]>();
          for (const x of ctx.idx.ofType(NACL_TYPES.rule)) {
            const l = ctx.idx.resolve(x, "networkAclId", x.props.networkAclId, [NACL_TYPES.acl, NACL_TYPES.defaultAcl]);
            const key = l.status === "found" ? l.res[0].urn : `ref:${String(x.props.networkAclId)}`;
            const list = m.get(key) ?? [];
            list.push(x);
            m.set(key, list);
          }
          return m;
        });
        const l = ctx.idx.resolve(r, "networkAclId", r.props.networkAclId, [NACL_TYPES.acl, NACL_TYPES.defaultAcl]);
        const key = l.status === "found" ? l.res[0].urn : `ref:${String(r.props.networkAclId)}`;
        const own = new Set(entries);
        entries = (byAcl.get(key) ?? [r]).flatMap((x) => (x === r ? [...own] : naclEntriesOf(x.type, x.props)));
        return reportNacl(entries, own, ctx, emit);
      }
      reportNacl(entries, new Set(entries), ctx, emit);
    },
  },
  {
    name: "ec2-subnet-disallow-public-ip-on-launch",
    description: "Subnets must not assign public IPv4 addresses to instances on launch.",
    severity: "high",
    enforcement: "mandatory",
    family: "network",
    securityHub: ["EC2.15"],
    cis: [],
    remediation: "Set mapPublicIpOnLaunch: false; publish services through a load balancer instead.",
    unknowns: "An unknown value is advisory in preview.",
    types: ["aws:ec2/subnet:Subnet", "aws:ec2/defaultSubnet:DefaultSubnet"],
    check(r, _ctx, emit) {
      // Unset: false for a Subnet, but true for an adopted DefaultSubnet (the provider's documented default).
      const set = bool(r.props.mapPublicIpOnLaunch);
      const on = set === undefined ? r.type === "aws:ec2/defaultSubnet:DefaultSubnet" : set;
      if (on === true) emit.fail(set === undefined ? "mapPublicIpOnLaunch is unset, and a default subnet maps public IPs by default" : "mapPublicIpOnLaunch is true");
      else if (on === "unknown") emit.unknown("mapPublicIpOnLaunch is unknown during preview");
    },
  },
  {
    name: "ec2-vpc-require-flow-logs",
    description: "Every VPC must have a flow log.",
    severity: "medium",
    enforcement: "mandatory",
    family: "network",
    securityHub: ["EC2.6"],
    cis: ["3.7"],
    remediation: "Add an aws.ec2.FlowLog for the VPC (trafficType ALL) to an encrypted log group or bucket.",
    unknowns: "Links follow ids in update and propertyDependencies in preview; a flow log whose VPC cannot be resolved does not count.",
    types: VPC_TYPES,
    check(r, ctx, emit) {
      const covered = ctx.idx.memo("vpcsWithFlowLogs", () => {
        const s = new Set<string>();
        for (const fl of ctx.idx.ofType("aws:ec2/flowLog:FlowLog")) {
          for (const key of ["vpcId"]) {
            const l = ctx.idx.resolve(fl, key, fl.props[key], VPC_TYPES);
            if (l.status === "found") for (const v of l.res) s.add(v.urn);
          }
        }
        return s;
      });
      if (!ctx.idx.partial && !covered.has(r.urn)) emit.fail("no flow log in this stack targets this VPC");
    },
  },
  {
    name: "ec2-vpc-require-restricted-default-security-group",
    description: "Every VPC must adopt its default security group and leave it with no rules.",
    severity: "medium",
    enforcement: "mandatory",
    family: "network",
    securityHub: ["EC2.2"],
    cis: ["5.4"],
    remediation: "Declare aws.ec2.DefaultSecurityGroup for the VPC with no ingress or egress, and attach no rule resources to it.",
    unknowns: "Links follow ids in update and propertyDependencies in preview.",
    types: [...VPC_TYPES, SG_TYPES.defaultGroup, SG_TYPES.rule, SG_TYPES.ingress, SG_TYPES.egress],
    check(r, ctx, emit) {
      if (r.type === SG_TYPES.defaultGroup) {
        for (const dir of ["ingress", "egress"]) {
          const l = r.props[dir];
          if (Array.isArray(l) && l.length) emit.fail(`the adopted default security group has ${l.length} ${dir} rule(s)`);
        }
        return;
      }
      if (VPC_TYPES.includes(r.type)) {
        const adopted = ctx.idx.memo("vpcsWithDefaultSg", () => {
          const s = new Set<string>();
          for (const g of ctx.idx.ofType(SG_TYPES.defaultGroup)) {
            const l = ctx.idx.resolve(g, "vpcId", g.props.vpcId, VPC_TYPES);
            if (l.status === "found") for (const v of l.res) s.add(v.urn);
            // A default SG without vpcId adopts the default VPC's group.
            if (l.status === "none") for (const v of ctx.idx.ofType("aws:ec2/defaultVpc:DefaultVpc")) s.add(v.urn);
          }
          return s;
        });
        if (!ctx.idx.partial && !adopted.has(r.urn)) emit.fail("the VPC's default security group is not adopted (aws.ec2.DefaultSecurityGroup) and keeps AWS's default rules");
        return;
      }
      // A rule resource attached to the adopted default group.
      const g = ctx.idx.resolve(r, "securityGroupId", r.props.securityGroupId, [SG_TYPES.defaultGroup]);
      if (g.status === "found") emit.fail(`rule attaches to the default security group ${g.res[0].name}`);
    },
  },
];

export { GROUP_TYPES };
