/** Launch templates must not associate public IPs on any network interface. */
import type { PolicyDef } from "../../framework";
import { templatePublicIp } from "../../launch";
import { PolicyNames } from "../../names";
import { COMPUTE_TYPES as T } from "../../types";

export const launchTemplatePublicIp: PolicyDef = {
  name: PolicyNames.launchTemplatePublicIp,
  description: "Launch templates must not associate public IPs on any network interface.",
  severity: "high",
  enforcement: "mandatory",
  family: "compute",
  securityHub: ["EC2.25"],
  cis: [],
  remediation: 'Set associatePublicIpAddress: "false" on every network interface of the template.',
  unknowns: "An unknown interface list or flag is advisory in preview.",
  types: [T.launchTemplate],
  check(r, _ctx, emit) {
    const v = templatePublicIp(r);
    if (v === true) emit.fail('a network interface sets associatePublicIpAddress "true"');
    else if (v === "unknown") emit.unknown("networkInterfaces are unknown during preview");
  },
};
