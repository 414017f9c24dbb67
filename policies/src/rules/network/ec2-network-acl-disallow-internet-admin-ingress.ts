/** Network ACLs must not allow ingress from the internet to SSH (22) or RDP (3389). */
import type { NormNaclEntry } from "../../net";
import type { Ctx, Emit, PolicyDef, Res } from "../../framework";
import { PolicyNames } from "../../names";
import { naclEntriesOf, naclInternetAllows } from "../../net";
import { NACL_TYPES } from "../../types";
import { NACL_ADMIN_PORTS } from "../../exposure";

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
    for (const [cidr, ports] of m)
      emit.fail(
        `entry${e.where ? " " + e.where : ""} (rule ${e.ruleNo}) allows port ${ports.join(" and ")} ` +
          `from ${cidr} before any deny`,
      );
  }
  if (unknown) emit.unknown("ACL entries are unknown during preview");
}

export const naclInternetAdminIngress: PolicyDef = {
  name: PolicyNames.naclInternetAdminIngress,
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
};
