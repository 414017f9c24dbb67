/** RDS instances (and cluster members) must not be publicly accessible. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { RDS_TYPES as R } from "../../types";
import { bool } from "../../values";

export const rdsPublic: PolicyDef = {
  name: PolicyNames.rdsPublic,
  description: "RDS instances (and cluster members) must not be publicly accessible.",
  severity: "critical",
  enforcement: "mandatory",
  family: "database",
  securityHub: ["RDS.2"],
  cis: ["2.3.3"],
  remediation: "Set publiclyAccessible: false and place the database in private subnets.",
  unknowns: "An unknown flag is advisory in preview.",
  types: [R.instance, R.clusterInstance],
  check(r, _ctx, emit) {
    const v = bool(r.props.publiclyAccessible);
    if (v === true) emit.fail("publiclyAccessible is true");
    else if (v === "unknown") emit.unknown("publiclyAccessible is unknown during preview");
  },
};
