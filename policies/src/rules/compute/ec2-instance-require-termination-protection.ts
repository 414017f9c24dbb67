/**
 * Instances must have termination protection (`disableApiTermination`), so one API call cannot destroy a server.
 * Bulwark's `terminationProtection` switch turns it off only with a waiver, tagged under this control's name.
 */
import type { PolicyDef } from "../../framework";
import { inherit } from "../../launch";
import { PolicyNames } from "../../names";
import { COMPUTE_TYPES as T } from "../../types";
import { bool, get, str } from "../../values";

/** Bulwark's environment tag: its servers default to termination protection in prod only. */
const ENVIRONMENT_TAG = "bulwark:environment";

export const instanceTerminationProtection: PolicyDef = {
  name: PolicyNames.instanceTerminationProtection,
  description: "Instances must have termination protection (disableApiTermination) unless waived.",
  severity: "medium",
  enforcement: "mandatory",
  family: "compute",
  securityHub: [],
  cis: [],
  remediation:
    "Set disableApiTermination: true (Bulwark: terminationProtection on; off only as {enabled: false, waiver}).",
  unknowns:
    "An unknown flag is advisory in preview; an instance without its own flag inherits its launch template's. " +
    "Instances tagged bulwark:environment other than prod are not judged (Bulwark's non-production default).",
  // Spot instances cannot be protected; launch templates feed Auto Scaling groups, which must be able to terminate.
  types: [T.instance],
  check(r, ctx, emit) {
    const env = str(get(r.props, "tags", ENVIRONMENT_TAG)) ?? str(get(r.props, "tagsAll", ENVIRONMENT_TAG));
    if (env !== undefined && env !== "unknown" && env !== "prod") return;
    const v = inherit<boolean>(
      r,
      ctx,
      () => bool(r.props.disableApiTermination) as never,
      (lt) => bool(lt.props.disableApiTermination) as never,
    );
    if (v.value === "unknown") emit.unknown("disableApiTermination is unknown during preview");
    else if (v.value !== true) {
      const from = v.from === "launch template" ? " (launch template)" : "";
      const what = `${v.value === undefined ? "not set" : "false"}${from}`;
      emit.fail(`disableApiTermination is ${what}: one API call can terminate the instance`);
    }
  },
};
