/** A stack with servers should deploy Bulwark's SecurityBaseline (GuardDuty intrusion detection, Inspector, CloudTrail,
 * Security Hub). */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { INSTANCE_TYPES, SECURITY_BASELINE_TYPE, SERVER_FLEET_TYPES } from "../../types";
import { tagWaivers } from "../../waiver-tags";

export const stackSecurityBaseline: PolicyDef = {
  name: PolicyNames.stackSecurityBaseline,
  description:
    "A stack with servers should deploy Bulwark's SecurityBaseline (GuardDuty intrusion detection, " +
    "Inspector, CloudTrail, Security Hub).",
  severity: "high",
  enforcement: "advisory",
  family: "governance",
  securityHub: ["GuardDuty.1", "Inspector.1", "CloudTrail.1"],
  cis: ["3.1", "4.16"],
  remediation:
    "Add `new SecurityBaseline(...)` once per account and region (or set this policy to mandatory to require it).",
  unknowns:
    "Decided on resource types only; never unknown. A baseline switched off with a waiver (tagged on the " +
    "servers) is judged by that waiver.",
  types: [],
  stack(ctx, emit) {
    const servers = ctx.idx.ofType(...SERVER_FLEET_TYPES);
    if (!servers.length || ctx.idx.ofType(SECURITY_BASELINE_TYPE).length) return;
    const hasDetector = ctx.idx.ofType("aws:guardduty/detector:Detector").length > 0;
    // Turned off on purpose (baseline: {enabled: false, waiver}): the waiver is tagged on every instance, so the
    // finding lands on one of them and that waiver judges it (advisory while valid, mandatory once expired).
    const instances = servers.filter((r) => INSTANCE_TYPES.includes(r.type));
    const waived = instances.filter((r) =>
      tagWaivers(r.props)?.waivers.some((w) => w.policy === PolicyNames.stackSecurityBaseline),
    );
    emit(
      instances.length && waived.length === instances.length ? waived[0].urn : undefined,
      `${servers.length} server resource(s) but no SecurityBaseline: no intrusion ` +
        `detection${hasDetector ? "" : " (no GuardDuty detector)"}, no vulnerability scanning, no CIS alarms`,
    );
  },
};
