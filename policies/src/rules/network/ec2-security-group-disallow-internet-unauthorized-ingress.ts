/** Security groups must not allow ingress from the internet to ports outside the authorized list, nor all-traffic
 * ingress. */
import type { PolicyDef } from "../../framework";
import { ingressFindings } from "../../lib/sg";
import { PolicyNames } from "../../names";
import { portClasses, waiverPolicies } from "../../net";
import { SG_RULE_TYPES } from "../../types";

export const sgInternetIngress: PolicyDef = {
  name: PolicyNames.sgInternetIngress,
  description:
    "Security groups must not allow ingress from the internet to ports outside the authorized list, nor " +
    "all-traffic ingress.",
  severity: "high",
  enforcement: "mandatory",
  family: "network",
  securityHub: ["EC2.18", "EC2.2"],
  cis: ["5.3"],
  remediation:
    "Open only authorized ports (default 80 and 443) to the internet; put everything else behind a " +
    "security-group, prefix-list or private CIDR source.",
  unknowns: "Unknown sources, protocols or ports are advisory in preview and decided at update.",
  types: SG_RULE_TYPES,
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
};
