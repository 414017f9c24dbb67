/**
 * Security groups must not allow ingress from the internet to admin or high-risk ports (SSH, RDP, MySQL, EC2.19
 * list).
 */
import type { PolicyDef, ResolvedConfig } from "../../framework";
import { ingressFindings } from "../../lib/sg";
import { PolicyNames } from "../../names";
import { portClasses, portsInclude, waiverPolicies } from "../../net";
import { SG_RULE_TYPES } from "../../types";

export const sgInternetAdminIngress: PolicyDef = {
  name: PolicyNames.sgInternetAdminIngress,
  description:
    "Security groups must not allow ingress from the internet to admin or high-risk ports " +
    "(SSH, RDP, MySQL, EC2.19 list).",
  severity: "critical",
  enforcement: "mandatory",
  family: "network",
  securityHub: ["EC2.13", "EC2.14", "EC2.19", "EC2.53", "EC2.54"],
  cis: ["5.2", "5.3", "5.4"],
  remediation:
    "Restrict the source to the admin CIDR allowlist, a security group or a prefix list; " +
    "reach servers with SSM Session Manager instead of opening SSH/RDP.",
  unknowns:
    "An unknown source, protocol or port range is reported as advisory in preview and decided at update; " +
    "a known internet source next to an unknown one still fails.",
  types: SG_RULE_TYPES,
  check(r, ctx, emit) {
    const { risky, allow } = derived(ctx.cfg);
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
      allow,
    );
  },
};

// Derived once per config object, not per resource.
const byConfig = new WeakMap<ResolvedConfig, { risky: number[]; allow: string[] }>();

function derived(cfg: ResolvedConfig): { risky: number[]; allow: string[] } {
  let d = byConfig.get(cfg);
  if (!d) {
    // The exposure model's classes: remote-admin and high-risk ports need this policy's waiver.
    const risky = [...new Set([...cfg.remoteAdminPorts, ...cfg.highRiskPorts])].sort((x, y) => x - y);
    byConfig.set(cfg, (d = { risky, allow: [...cfg.adminCidrs, ...cfg.internalCidrs] }));
  }
  return d;
}
