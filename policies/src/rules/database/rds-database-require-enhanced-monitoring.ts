/** Databases should have enhanced monitoring. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { RDS_TYPES as R } from "../../types";
import { num } from "../../values";

export const rdsEnhancedMonitoring: PolicyDef = {
  name: PolicyNames.rdsEnhancedMonitoring,
  description: "Databases should have enhanced monitoring.",
  severity: "low",
  enforcement: "advisory",
  family: "database",
  securityHub: ["RDS.6"],
  cis: [],
  remediation: "Set monitoringInterval (e.g. 60) and monitoringRoleArn.",
  unknowns: "An unknown interval is not reported.",
  types: [R.instance, R.clusterInstance],
  check(r, _ctx, emit) {
    const v = num(r.props.monitoringInterval);
    if (v !== "unknown" && !(typeof v === "number" && v > 0)) emit.fail("monitoringInterval is not set");
  },
};
