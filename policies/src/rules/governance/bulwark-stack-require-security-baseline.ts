/** A stack with servers should deploy Bulwark's SecurityBaseline (GuardDuty intrusion detection, Inspector, CloudTrail, Security Hub). */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { SECURITY_BASELINE_TYPE, SERVER_FLEET_TYPES } from "../../types";

export const stackSecurityBaseline: PolicyDef = {
  name: PolicyNames.stackSecurityBaseline,
  description: "A stack with servers should deploy Bulwark's SecurityBaseline (GuardDuty intrusion detection, Inspector, CloudTrail, Security Hub).",
  severity: "high",
  enforcement: "advisory",
  family: "governance",
  securityHub: ["GuardDuty.1", "Inspector.1", "CloudTrail.1"],
  cis: ["3.1", "4.16"],
  remediation: "Add `new SecurityBaseline(...)` once per account and region (or set this policy to mandatory to require it).",
  unknowns: "Decided on resource types only; never unknown.",
  types: [],
  stack(ctx, emit) {
    const servers = ctx.idx.ofType(...SERVER_FLEET_TYPES);
    if (!servers.length || ctx.idx.ofType(SECURITY_BASELINE_TYPE).length) return;
    const hasDetector = ctx.idx.ofType("aws:guardduty/detector:Detector").length > 0;
    emit(
      undefined,
      `${servers.length} server resource(s) but no SecurityBaseline: no intrusion detection${hasDetector ? "" : " (no GuardDuty detector)"}, no vulnerability scanning, no CIS alarms`,
    );
  },
};
