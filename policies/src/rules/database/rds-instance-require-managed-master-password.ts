/** The master password must be managed by Secrets Manager (manageMasterUserPassword), never given as a plain
 * password. */
import type { PolicyDef } from "../../framework";
import { isReplica } from "../../lib/rds";
import { PolicyNames } from "../../names";
import { DB_TYPES as DB } from "../../types";
import { bool, isSet } from "../../values";

export const rdsManagedPassword: PolicyDef = {
  name: PolicyNames.rdsManagedPassword,
  description:
    "The master password must be managed by Secrets Manager (manageMasterUserPassword), never given as a " +
    "plain password.",
  severity: "critical",
  enforcement: "mandatory",
  family: "database",
  securityHub: [],
  cis: [],
  remediation:
    "Remove password/masterPassword and set manageMasterUserPassword: true (RDS creates and rotates the secret).",
  unknowns: "A password that is unknown in preview is still a password: it fails.",
  types: DB,
  check(r, _ctx, emit) {
    if (isReplica(r)) return;
    for (const k of ["password", "passwordWo", "masterPassword", "masterPasswordWo"]) {
      if (isSet(r.props[k]) && r.props[k] !== "")
        emit.fail(`${k} is given in the program: the master password is plaintext in state`);
    }
    const m = bool(r.props.manageMasterUserPassword);
    if (m === "unknown") emit.unknown("manageMasterUserPassword is unknown during preview");
    else if (m !== true) emit.fail("manageMasterUserPassword is not true");
  },
};
