/** Launch configurations must not associate public IPs. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { COMPUTE_TYPES as T } from "../../types";
import { bool } from "../../values";

export const launchConfigurationPublicIp: PolicyDef = {
  name: PolicyNames.launchConfigurationPublicIp,
  description: "Launch configurations must not associate public IPs.",
  severity: "high",
  enforcement: "mandatory",
  family: "compute",
  securityHub: ["Autoscaling.5"],
  cis: [],
  remediation: "Set associatePublicIpAddress: false.",
  unknowns: "An unknown flag is advisory in preview.",
  types: [T.launchConfiguration],
  check(r, _ctx, emit) {
    const v = bool(r.props.associatePublicIpAddress);
    if (v === true) emit.fail("associatePublicIpAddress is true");
    else if (v === "unknown") emit.unknown("associatePublicIpAddress is unknown during preview");
  },
};
