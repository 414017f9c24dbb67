/** Instances should have detailed (1-minute) CloudWatch monitoring. */
import type { PolicyDef } from "../../framework";
import { inherit } from "../../launch";
import { PolicyNames } from "../../names";
import { COMPUTE_TYPES as T, INSTANCE_TYPES } from "../../types";
import { bool, get } from "../../values";

export const instanceDetailedMonitoring: PolicyDef = {
  name: PolicyNames.instanceDetailedMonitoring,
  description: "Instances should have detailed (1-minute) CloudWatch monitoring.",
  severity: "low",
  enforcement: "advisory",
  family: "compute",
  securityHub: [],
  cis: [],
  remediation: "Set monitoring: true (launch templates: monitoring.enabled).",
  unknowns: "Unknown values are not reported.",
  types: [...INSTANCE_TYPES, T.launchTemplate],
  check(r, ctx, emit) {
    const v =
      r.type === T.launchTemplate
        ? bool(get(r.props, "monitoring", "enabled"))
        : inherit<boolean>(
            r,
            ctx,
            () => bool(r.props.monitoring) as never,
            (lt) => bool(get(lt.props, "monitoring", "enabled")) as never,
          ).value;
    if (v !== true && v !== "unknown") emit.fail("detailed monitoring is off");
  },
};
