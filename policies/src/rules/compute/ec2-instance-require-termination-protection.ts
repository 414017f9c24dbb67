/**
 * Instances keep termination protection (`disableApiTermination`), so one API call cannot destroy a server. Turning
 * it off (explicit false, what Bulwark's `terminationProtection` switch writes) blocks unless waived under this
 * control's name; unset (AWS's default) is advisory.
 */
import type { PolicyDef } from "../../framework";
import { inherit } from "../../launch";
import { PolicyNames } from "../../names";
import { COMPUTE_TYPES as T } from "../../types";
import { bool } from "../../values";

export const instanceTerminationProtection: PolicyDef = {
  name: PolicyNames.instanceTerminationProtection,
  description:
    "Instances must not turn termination protection off (disableApiTermination: false) unless waived; " +
    "left unset (AWS's default) it is advisory.",
  severity: "medium",
  enforcement: "mandatory",
  family: "compute",
  securityHub: [],
  cis: [],
  remediation:
    "Set disableApiTermination: true (Bulwark: terminationProtection on; off only as {enabled: false, waiver}).",
  unknowns:
    "An unknown flag is advisory in preview; an instance without its own flag inherits its launch template's. " +
    "No tag exempts an instance: Bulwark leaves the flag unset outside prod, which is advisory.",
  // Spot instances cannot be protected; launch templates feed Auto Scaling groups, which must be able to terminate.
  types: [T.instance],
  check(r, ctx, emit) {
    const v = inherit<boolean>(
      r,
      ctx,
      () => bool(r.props.disableApiTermination) as never,
      (lt) => bool(lt.props.disableApiTermination) as never,
    );
    if (v.value === "unknown") emit.unknown("disableApiTermination is unknown during preview");
    else if (v.value === false) {
      const from = v.from === "launch template" ? " (launch template)" : "";
      emit.fail(`disableApiTermination is false${from}: one API call can terminate the instance`);
    } else if (v.value === undefined)
      // AWS's default, common in stacks that never thought about it: advisory, so no benchmark-clean stack blocks.
      emit.advise("disableApiTermination is not set (AWS default: off): one API call can terminate the instance");
  },
};
