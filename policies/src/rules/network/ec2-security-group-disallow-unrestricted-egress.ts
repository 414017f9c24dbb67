/** Security groups should not allow all traffic to the internet (egress). */
import type { PolicyDef } from "../../framework";
import { at, rulesFor } from "../../lib/sg";
import { PolicyNames } from "../../names";
import { internetSources } from "../../net";
import { SG_RULE_TYPES } from "../../types";

export const sgUnrestrictedEgress: PolicyDef = {
  name: PolicyNames.sgUnrestrictedEgress,
  description: "Security groups should not allow all traffic to the internet (egress).",
  severity: "medium",
  enforcement: "advisory",
  family: "network",
  securityHub: ["EC2.2"],
  cis: [],
  remediation:
    "Allow egress only to the ports and destinations a server needs (e.g. HTTPS to the internet, the " +
    "database port to its subnet).",
  unknowns: "Unknown destinations or ports are not reported.",
  types: SG_RULE_TYPES,
  check(r, _ctx, emit) {
    for (const rule of rulesFor(r)) {
      if (rule.direction !== "egress" || rule.ports === "unknown" || !rule.ports.all) continue;
      for (const v of internetSources(rule, []).internet)
        emit.fail(`egress rule${at(rule)} allows ${rule.ports.label} to ${v.cidr}`);
    }
  },
};
