/** Databases must keep automated backups for at least the configured days (default 7). */
import type { PolicyDef } from "../../framework";
import { isReplica } from "../../lib/rds";
import { PolicyNames } from "../../names";
import { DB_TYPES as DB } from "../../types";
import { num } from "../../values";

export const rdsBackupRetention: PolicyDef = {
  name: PolicyNames.rdsBackupRetention,
  description: "Databases must keep automated backups for at least the configured days (default 7).",
  severity: "medium",
  enforcement: "mandatory",
  family: "database",
  securityHub: ["RDS.11", "RDS.26"],
  cis: [],
  remediation: "Set backupRetentionPeriod to 7 days or more.",
  unknowns: "An unknown value is advisory in preview.",
  types: DB,
  check(r, ctx, emit) {
    if (isReplica(r)) return;
    const v = num(r.props.backupRetentionPeriod);
    if (v === "unknown") emit.unknown("backupRetentionPeriod is unknown during preview");
    else if (v === undefined || v < ctx.cfg.backupDays)
      emit.fail(`backupRetentionPeriod is ${v ?? "not set"} (minimum ${ctx.cfg.backupDays} days)`);
  },
};
