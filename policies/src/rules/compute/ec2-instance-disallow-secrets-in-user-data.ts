/** User data must not carry credentials or passwords (it is readable by anyone who can describe the instance). */
import type { PolicyDef } from "../../framework";
import { credentialsIn, userDataTexts } from "../../lib/userdata";
import { PolicyNames } from "../../names";
import { SERVER_TYPES } from "../../types";

export const instanceUserDataSecrets: PolicyDef = {
  name: PolicyNames.instanceUserDataSecrets,
  description:
    "User data must not carry credentials or passwords (it is readable by anyone who can describe the instance).",
  severity: "critical",
  enforcement: "mandatory",
  family: "compute",
  securityHub: [],
  cis: [],
  remediation:
    "Fetch secrets at boot from Secrets Manager or SSM Parameter Store with the instance role; never " +
    "template them into user data.",
  unknowns: "Unknown user data is advisory in preview; secret-wrapped user data is scanned as plaintext.",
  types: SERVER_TYPES,
  check(r, _ctx, emit) {
    const ud = userDataTexts(r);
    const hits = new Set<string>();
    for (const t of ud.text) for (const h of credentialsIn(t)) hits.add(h);
    if (hits.size) emit.fail(`user data contains ${[...hits].join(", ")}`);
    if (ud.unknown) emit.unknown("user data is unknown during preview");
  },
};
