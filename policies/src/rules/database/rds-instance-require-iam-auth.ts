/** MySQL, MariaDB and PostgreSQL databases (RDS and Aurora) must enable IAM database authentication. */
import type { PolicyDef } from "../../framework";
import { engineFamily } from "../../lib/rds";
import { PolicyNames } from "../../names";
import { DB_TYPES as DB } from "../../types";
import { bool } from "../../values";

export const rdsIamAuth: PolicyDef = {
  name: PolicyNames.rdsIamAuth,
  description: "MySQL, MariaDB and PostgreSQL databases (RDS and Aurora) must enable IAM database authentication.",
  severity: "medium",
  enforcement: "mandatory",
  family: "database",
  securityHub: ["RDS.10", "RDS.12"],
  cis: [],
  remediation: "Set iamDatabaseAuthenticationEnabled: true and connect with IAM tokens.",
  unknowns: "An unknown flag or engine is advisory in preview.",
  types: DB,
  check(r, _ctx, emit) {
    const fam = engineFamily(r);
    if (fam !== "mysql" && fam !== "postgres") return;
    const v = bool(r.props.iamDatabaseAuthenticationEnabled);
    if (v === "unknown") emit.unknown("iamDatabaseAuthenticationEnabled is unknown during preview");
    else if (v !== true) emit.fail("IAM database authentication is off");
  },
};
