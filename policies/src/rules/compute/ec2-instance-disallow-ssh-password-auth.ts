/** Servers must not enable SSH password authentication in user data (keys or SSM only). */
import type { PolicyDef } from "../../framework";
import { enablesPasswordAuth, userDataTexts } from "../../lib/userdata";
import { PolicyNames } from "../../names";
import { SERVER_TYPES } from "../../types";

export const instanceSshPasswordAuth: PolicyDef = {
  name: PolicyNames.instanceSshPasswordAuth,
  description: "Servers must not enable SSH password authentication in user data (keys or SSM only).",
  severity: "high",
  enforcement: "mandatory",
  family: "compute",
  securityHub: [],
  cis: [],
  remediation:
    "Remove PasswordAuthentication yes / ssh_pwauth: true; use Bulwark's host bundle (PasswordAuthentication " +
    "no) and SSM Session Manager.",
  unknowns: "Unknown user data is not reported (the secrets policy already flags it).",
  types: SERVER_TYPES,
  check(r, _ctx, emit) {
    if (userDataTexts(r).text.some(enablesPasswordAuth)) emit.fail("user data enables SSH password authentication");
  },
};
