/** Databases must enforce TLS through their parameter group (require_secure_transport / rds.force_ssl); no parameter
 * group counts as not enforced. */
import type { PolicyDef } from "../../framework";
import { engineFamily } from "../../lib/rds";
import { PolicyNames } from "../../names";
import { DB_TYPES as DB, RDS_TYPES as R } from "../../types";
import { arr, get, isSet, str } from "../../values";

/** TLS parameters by engine family (values that enforce). */
const TLS_PARAM: Record<string, { name: string; on: RegExp }> = {
  mysql: { name: "require_secure_transport", on: /^(1|on|true)$/i },
  postgres: { name: "rds.force_ssl", on: /^1$/ },
  sqlserver: { name: "rds.force_ssl", on: /^1$/ },
};

export const rdsTls: PolicyDef = {
  name: PolicyNames.rdsTls,
  description:
    "Databases must enforce TLS through their parameter group (require_secure_transport / rds.force_ssl); no " +
    "parameter group counts as not enforced.",
  severity: "high",
  enforcement: "mandatory",
  family: "database",
  securityHub: [],
  cis: [],
  remediation:
    "Attach a parameter group (cluster parameter group for Aurora) that sets require_secure_transport=1 " +
    "(MySQL/MariaDB) or rds.force_ssl=1 (PostgreSQL/SQL Server).",
  unknowns:
    "In preview the group is followed through propertyDependencies; a group outside the stack (not " +
    "default.*) is advisory.",
  types: DB,
  check(r, ctx, emit) {
    const fam = engineFamily(r);
    const want = TLS_PARAM[fam];
    if (!want) return;
    // Aurora members take TLS from the cluster parameter group.
    if (r.type === R.instance && isSet(r.props.dbClusterIdentifier)) return;
    const prop = r.type === R.cluster ? "dbClusterParameterGroupName" : "parameterGroupName";
    const types = r.type === R.cluster ? [R.cpg] : [R.pg];
    const ref = r.props[prop];
    const name = str(ref);
    if ((!isSet(ref) || ref === "") && !(r.propertyDependencies[prop] ?? []).length)
      return emit.fail(`no ${prop}: the default parameter group does not enforce TLS`);
    if (name && name !== "unknown" && /^default\./.test(name))
      return emit.fail(`${prop} is ${name}, which does not enforce TLS`);
    const l = ctx.idx.resolve(r, prop, ref, types);
    if (l.status !== "found")
      return emit.unknown(
        `parameter group ${name && name !== "unknown" ? name + " " : ""}is not in this stack; TLS ` +
          `enforcement not verified`,
      );
    const params = arr(l.res[0].props.parameters);
    if (params === "unknown") return emit.unknown("parameter group parameters are unknown during preview");
    const p = (params ?? []).find((x) => str(get(x, "name"))?.toLowerCase() === want.name);
    const v = str(get(p, "value"));
    if (v === "unknown") emit.unknown(`${want.name} is unknown during preview`);
    else if (!v || !want.on.test(v.trim()))
      emit.fail(`parameter group ${l.res[0].name} does not set ${want.name}=1${v ? ` (it is ${v})` : ""}`);
  },
};
