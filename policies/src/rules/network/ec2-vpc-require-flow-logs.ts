/** Every VPC must have a flow log. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { VPC_TYPES } from "../../types";

export const vpcFlowLogs: PolicyDef = {
  name: PolicyNames.vpcFlowLogs,
  description: "Every VPC must have a flow log.",
  severity: "medium",
  enforcement: "mandatory",
  family: "network",
  securityHub: ["EC2.6"],
  cis: ["3.7"],
  remediation: "Add an aws.ec2.FlowLog for the VPC (trafficType ALL) to an encrypted log group or bucket.",
  unknowns:
    "Links follow ids in update and propertyDependencies in preview; a flow log whose VPC cannot be resolved " +
    "does not count.",
  types: VPC_TYPES,
  check(r, ctx, emit) {
    const covered = ctx.idx.memo("vpcsWithFlowLogs", () => {
      const s = new Set<string>();
      for (const fl of ctx.idx.ofType("aws:ec2/flowLog:FlowLog")) {
        for (const key of ["vpcId"]) {
          const l = ctx.idx.resolve(fl, key, fl.props[key], VPC_TYPES);
          if (l.status === "found") for (const v of l.res) s.add(v.urn);
        }
      }
      return s;
    });
    if (!ctx.idx.partial && !covered.has(r.urn)) emit.fail("no flow log in this stack targets this VPC");
  },
};
