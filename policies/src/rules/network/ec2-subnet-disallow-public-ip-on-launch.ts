/** Subnets must not assign public IPv4 addresses to instances on launch. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { bool } from "../../values";

export const subnetPublicIpOnLaunch: PolicyDef = {
  name: PolicyNames.subnetPublicIpOnLaunch,
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
    if (on === true)
      emit.fail(
        set === undefined
          ? "mapPublicIpOnLaunch is unset, and a default subnet maps public IPs by default"
          : "mapPublicIpOnLaunch is true",
      );
    else if (on === "unknown") emit.unknown("mapPublicIpOnLaunch is unknown during preview");
  },
};
