/** Databases must export their logs to CloudWatch. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { DB_TYPES as DB } from "../../types";
import { strs } from "../../values";

export const rdsLogExports: PolicyDef = {
  name: PolicyNames.rdsLogExports,
  description: "Databases must export their logs to CloudWatch.",
  severity: "medium",
  enforcement: "mandatory",
  family: "database",
  securityHub: ["RDS.9", "RDS.34"],
  cis: [],
  remediation:
    "Set enabledCloudwatchLogsExports (MySQL/MariaDB: error, general/audit, slowquery; PostgreSQL: postgresql).",
  unknowns: "An unknown list is advisory in preview.",
  types: DB,
  check(r, _ctx, emit) {
    const l = strs(r.props.enabledCloudwatchLogsExports);
    if (l === "unknown") emit.unknown("enabledCloudwatchLogsExports is unknown during preview");
    else if (!l.length) emit.fail("no log exports (enabledCloudwatchLogsExports is empty)");
  },
};
