/** Databases must have deletion protection. */
import type { PolicyDef } from "../../framework";
import { boolPolicy } from "../../lib/rds";
import { PolicyNames } from "../../names";
import { DB_TYPES as DB } from "../../types";

export const rdsDeletionProtection: PolicyDef = boolPolicy(
  {
    name: PolicyNames.rdsDeletionProtection,
    description: "Databases must have deletion protection.",
    severity: "medium",
    enforcement: "mandatory",
    family: "database",
    securityHub: ["RDS.7", "RDS.8"],
    cis: [],
    remediation: "Set deletionProtection: true.",
    unknowns: "An unknown flag is advisory in preview.",
    types: DB,
  },
  "deletionProtection",
  true,
  "the database can be deleted by one call",
);
