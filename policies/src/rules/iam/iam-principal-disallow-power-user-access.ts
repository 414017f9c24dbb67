/** PowerUserAccess (everything but IAM and Organizations) on a role, user or group is advisory: rarely what a workload
 * needs. */
import type { PolicyDef } from "../../framework";
import { ATTACHING_TYPES, attachedPolicyRefs } from "../../lib/iam";
import { PolicyNames } from "../../names";
import { str } from "../../values";

const POWER_USER = /:policy\/PowerUserAccess$/;

export const iamPowerUserAccess: PolicyDef = {
  name: PolicyNames.iamPowerUserAccess,
  description:
    "Roles, users and groups should not hold the AWS-managed PowerUserAccess policy (every service but IAM " +
    "and Organizations).",
  severity: "medium",
  enforcement: "advisory",
  family: "iam",
  securityHub: [],
  cis: [],
  remediation: "Replace PowerUserAccess with a policy granting the actions the workload needs on its own resources.",
  unknowns: "An unknown ARN is not reported (the administrator-access control already reports it).",
  types: ATTACHING_TYPES,
  check(r, _ctx, emit) {
    for (const a of attachedPolicyRefs(r)) {
      const s = str(a.value);
      if (s && s !== "unknown" && POWER_USER.test(s)) emit.fail(`${a.where} attaches PowerUserAccess`);
    }
  },
};
