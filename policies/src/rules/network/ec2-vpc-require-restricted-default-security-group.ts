/** Every VPC must adopt its default security group and leave it with no rules. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { SG_TYPES, VPC_TYPES } from "../../types";

export const vpcRestrictedDefaultSg: PolicyDef = {
  name: PolicyNames.vpcRestrictedDefaultSg,
  description: "Every VPC must adopt its default security group and leave it with no rules.",
  severity: "medium",
  enforcement: "mandatory",
  family: "network",
  securityHub: ["EC2.2"],
  cis: ["5.4"],
  remediation:
    "Declare aws.ec2.DefaultSecurityGroup for the VPC with no ingress or egress, and attach no rule resources to it.",
  unknowns: "Links follow ids in update and propertyDependencies in preview.",
  types: [...VPC_TYPES, SG_TYPES.defaultGroup, SG_TYPES.rule, SG_TYPES.ingress, SG_TYPES.egress],
  check(r, ctx, emit) {
    if (r.type === SG_TYPES.defaultGroup) {
      for (const dir of ["ingress", "egress"]) {
        const l = r.props[dir];
        if (Array.isArray(l) && l.length)
          emit.fail(`the adopted default security group has ${l.length} ${dir} rule(s)`);
      }
      return;
    }
    if (VPC_TYPES.includes(r.type)) {
      const adopted = ctx.idx.memo("vpcsWithDefaultSg", () => {
        const s = new Set<string>();
        for (const g of ctx.idx.ofType(SG_TYPES.defaultGroup)) {
          const l = ctx.idx.resolve(g, "vpcId", g.props.vpcId, VPC_TYPES);
          if (l.status === "found") for (const v of l.res) s.add(v.urn);
          // A default SG without vpcId adopts the default VPC's group.
          if (l.status === "none") for (const v of ctx.idx.ofType("aws:ec2/defaultVpc:DefaultVpc")) s.add(v.urn);
        }
        return s;
      });
      if (!ctx.idx.partial && !adopted.has(r.urn))
        emit.fail(
          "the VPC's default security group is not adopted (aws.ec2.DefaultSecurityGroup) and keeps AWS's " +
            "default rules",
        );
      return;
    }
    // A rule resource attached to the adopted default group.
    const g = ctx.idx.resolve(r, "securityGroupId", r.props.securityGroupId, [SG_TYPES.defaultGroup]);
    if (g.status === "found") emit.fail(`rule attaches to the default security group ${g.res[0].name}`);
  },
};
