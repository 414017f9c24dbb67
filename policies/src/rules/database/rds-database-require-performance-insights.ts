/** Databases should have Performance Insights. */
import type { PolicyDef } from "../../framework";
import { boolPolicy } from "../../lib/rds";
import { PolicyNames } from "../../names";
import { RDS_TYPES as R } from "../../types";

export const rdsPerformanceInsights: PolicyDef = boolPolicy(
  {
    name: PolicyNames.rdsPerformanceInsights,
    description: "Databases should have Performance Insights.",
    severity: "low",
    enforcement: "advisory",
    family: "database",
    securityHub: [],
    cis: [],
    remediation: "Set performanceInsightsEnabled: true with a customer-managed performanceInsightsKmsKeyId.",
    unknowns: "An unknown flag is advisory.",
    types: [R.instance, R.clusterInstance],
  },
  "performanceInsightsEnabled",
  true,
  "no query-level performance data",
);
