/** EC2 instances must not get a public IP, whether set on the instance, its launch template or its subnet. */
import type { PolicyDef, Res } from "../../framework";
import { isInstance, templateOf, templatePublicIp, templateSubnet } from "../../launch";
import { PolicyNames } from "../../names";
import { COMPUTE_TYPES as T, INSTANCE_TYPES, SUBNET_TYPES } from "../../types";
import { arr, bool, get, isSet, isUnknown } from "../../values";

export const instancePublicIp: PolicyDef = {
  name: PolicyNames.instancePublicIp,
  description:
    "EC2 instances must not get a public IP, whether set on the instance, its launch template or its subnet.",
  severity: "high",
  enforcement: "mandatory",
  family: "compute",
  securityHub: ["EC2.9"],
  cis: [],
  remediation:
    "Set associatePublicIpAddress: false, launch into a private subnet, and publish through a load balancer; " +
    "administer with SSM.",
  unknowns:
    "In preview the template and subnet are followed through propertyDependencies; a subnet outside the " +
    "stack, or an unknown flag, is advisory.",
  types: [...INSTANCE_TYPES, "aws:ec2/eip:Eip", "aws:ec2/eipAssociation:EipAssociation"],
  check(r, ctx, emit) {
    if (!isInstance(r)) {
      // An Elastic IP bound to an instance (directly or through its interface) is a public IP too.
      const v = get(r.props, r.type === "aws:ec2/eip:Eip" ? "instance" : "instanceId");
      if (isSet(v) && v !== "")
        return emit.fail(
          `an Elastic IP is attached to instance ${isUnknown(v) ? "(unknown during preview)" : String(v)}`,
        );
      const ni = get(r.props, r.type === "aws:ec2/eip:Eip" ? "networkInterface" : "networkInterfaceId");
      if (isSet(ni) && ni !== "")
        emit.fail(
          `an Elastic IP is attached to network interface ${isUnknown(ni) ? "(unknown during preview)" : String(ni)}`,
        );
      return;
    }
    const own = bool(r.props.associatePublicIpAddress);
    if (own === true) return emit.fail("associatePublicIpAddress is true");
    if (own === false) return;
    if (own === "unknown") return emit.unknown("associatePublicIpAddress is unknown during preview");
    const lt = templateOf(r, ctx);
    let subnetRef: unknown = get(r.props, "subnetId");
    let subnetProp = "subnetId";
    if (lt.status === "found") {
      const v = templatePublicIp(lt.res[0]);
      if (v === true) return emit.fail(`its launch template ${lt.res[0].name} associates a public IP`);
      if (v === false) return;
      if (v === "unknown")
        return emit.unknown("the launch template's associatePublicIpAddress is unknown during preview");
      if (!isSet(subnetRef) && !(r.propertyDependencies.subnetId ?? []).length) {
        subnetRef = templateSubnet(lt.res[0]);
        subnetProp = "networkInterfaces";
      }
    } else if (lt.status !== "none")
      return emit.unknown(
        "its launch template cannot be resolved; set associatePublicIpAddress: false on the instance",
      );
    // An existing network interface as eth0 never gets an auto-assigned public IP (its subnet is the ENI's).
    if (
      !isSet(subnetRef) &&
      (isSet(get(r.props, "primaryNetworkInterface", "networkInterfaceId")) ||
        (arr(r.props.networkInterfaces) ?? []).length)
    )
      return;
    if (!isSet(subnetRef) && !(r.propertyDependencies.subnetId ?? []).length) {
      return emit.fail("no subnet: it launches into the default VPC, whose subnets map public IPs");
    }
    const from = subnetProp === "subnetId" ? r : (lt as { res: Res[] }).res[0];
    const s = ctx.idx.resolve(from, subnetProp, subnetRef, SUBNET_TYPES);
    if (s.status === "found") {
      const m = bool(s.res[0].props.mapPublicIpOnLaunch);
      const on = m === undefined ? s.res[0].type === T.defaultSubnet : m;
      if (on === true) emit.fail(`its subnet ${s.res[0].name} maps public IPs on launch`);
      else if (on === "unknown") emit.unknown(`its subnet's mapPublicIpOnLaunch is unknown during preview`);
    } else emit.unknown("its subnet is not in this stack; set associatePublicIpAddress: false explicitly");
  },
};
