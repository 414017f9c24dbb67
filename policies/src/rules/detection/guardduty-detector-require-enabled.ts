/** A declared GuardDuty detector must be enabled. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { bool } from "../../values";

export const guardDutyEnabled: PolicyDef = {
  name: PolicyNames.guardDutyEnabled,
  description: "A declared GuardDuty detector must be enabled.",
  severity: "high",
  enforcement: "mandatory",
  family: "detection",
  securityHub: ["GuardDuty.1"],
  cis: [],
  remediation: "Set enable: true (Bulwark's SecurityBaseline does).",
  unknowns: "An unknown flag is advisory in preview.",
  types: ["aws:guardduty/detector:Detector"],
  check(r, _ctx, emit) {
    const v = bool(r.props.enable);
    if (v === false) emit.fail("the detector is disabled (enable: false)");
    else if (v === "unknown") emit.unknown("enable is unknown during preview");
  },
  // Safe: turning detection on changes no workload.
  remediate: (_type, props) => (bool(props.enable) === false ? { ...props, enable: true } : undefined),
};
