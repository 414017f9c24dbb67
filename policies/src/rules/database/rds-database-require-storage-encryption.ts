/** RDS instances and clusters must encrypt storage. */
import type { PolicyDef } from "../../framework";
import { boolPolicy, isReplica } from "../../lib/rds";
import { PolicyNames } from "../../names";
import { DB_TYPES as DB } from "../../types";

export const rdsStorageEncryption: PolicyDef = boolPolicy(
  {
    name: PolicyNames.rdsStorageEncryption,
    description: "RDS instances and clusters must encrypt storage.",
    severity: "high",
    enforcement: "mandatory",
    family: "database",
    securityHub: ["RDS.3", "RDS.27"],
    cis: ["2.3.1"],
    remediation: "Set storageEncrypted: true (with a customer-managed kmsKeyId).",
    unknowns: "An unknown flag is advisory in preview.",
    types: DB,
  },
  "storageEncrypted",
  true,
  "storage is not encrypted",
  (r) => isReplica(r),
);
