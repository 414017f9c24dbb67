/** RDS instances should run Multi-AZ. */
import type { PolicyDef } from "../../framework";
import { boolPolicy, isReplica } from "../../lib/rds";
import { PolicyNames } from "../../names";
import { RDS_TYPES as R } from "../../types";

export const rdsMultiAz: PolicyDef = boolPolicy(
  {
    name: PolicyNames.rdsMultiAz,
    description: "RDS instances should run Multi-AZ.",
    severity: "low",
    enforcement: "advisory",
    family: "database",
    securityHub: ["RDS.5"],
    cis: [],
    remediation: "Set multiAz: true (a synchronous standby in a second zone).",
    unknowns: "An unknown flag is advisory.",
    types: [R.instance],
  },
  "multiAz",
  true,
  "a zone outage stops the database",
  (r) => isReplica(r),
);
