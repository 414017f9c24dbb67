/** Instances should not carry an SSH key pair: administer through SSM Session Manager. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { SERVER_TYPES } from "../../types";
import { get, isSet, isUnknown } from "../../values";

export const instanceKeyPair: PolicyDef = {
  name: PolicyNames.instanceKeyPair,
  description: "Instances should not carry an SSH key pair: administer through SSM Session Manager.",
  severity: "low",
  enforcement: "advisory",
  family: "compute",
  securityHub: [],
  cis: [],
  remediation: "Remove keyName; use SSM Session Manager (audited, no inbound port).",
  unknowns: "An unknown key name counts as set.",
  types: SERVER_TYPES,
  check(r, _ctx, emit) {
    const k = get(r.props, "keyName");
    if (isSet(k) && k !== "")
      emit.fail(`keyName is ${isUnknown(k) ? "set (unknown during preview)" : `"${String(k)}"`}`);
  },
};
