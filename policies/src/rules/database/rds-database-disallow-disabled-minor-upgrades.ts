/** Automatic minor version upgrades must not be turned off. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { RDS_TYPES as R } from "../../types";
import { bool } from "../../values";

export const rdsMinorUpgrades: PolicyDef = {
  name: PolicyNames.rdsMinorUpgrades,
  description: "Automatic minor version upgrades must not be turned off.",
  severity: "medium",
  enforcement: "mandatory",
  family: "database",
  securityHub: ["RDS.13", "RDS.35"],
  cis: ["2.3.2"],
  remediation: "Remove autoMinorVersionUpgrade: false.",
  unknowns: "An unknown flag is not reported.",
  types: [R.instance, R.cluster, R.clusterInstance],
  check(r, _ctx, emit) {
    if (bool(r.props.autoMinorVersionUpgrade) === false) emit.fail("autoMinorVersionUpgrade is false");
  },
  // Safe: minor versions are compatible and apply in the maintenance window.
  remediate: (_type, props) =>
    bool(props.autoMinorVersionUpgrade) === false ? { ...props, autoMinorVersionUpgrade: true } : undefined,
};
