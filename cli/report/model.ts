import type { SourceLocation } from "../inputs/encoding";

/** What `bulwark check` reports (the `--format json` document, described by docs/check-output.schema.json). */
export type Severity = "low" | "medium" | "high" | "critical";
export type Enforcement = "mandatory" | "advisory";

export interface ReportFinding {
  policy: string;
  severity: Severity;
  enforcement: Enforcement;
  /** The resource the finding is about; absent for stack-level findings. */
  urn?: string;
  resourceType?: string;
  resourceName?: string;
  message: string;
  waived?: { reason: string; approver: string; expires: string };
  source?: SourceLocation;
}

/** One control = one policy of the pack, with the compliance ids it maps to. */
export interface PolicyInfo {
  name: string;
  description: string;
  remediation?: string;
  severity: Severity;
  enforcement: Enforcement;
  /** Compliance references, e.g. "FSBP EC2.8", "CIS 5.6". */
  controls: string[];
}

export interface CheckReport {
  kind: "check";
  tool: { name: "bulwark"; version: string };
  input: { kind: "preview" | "events" | "state" | "plan"; file?: string };
  verdict: "pass" | "fail";
  summary: { resources: number; findings: number; mandatory: number; advisory: number; waived: number };
  policies: PolicyInfo[];
  findings: ReportFinding[];
}

export const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** A finding blocks the deploy when it is mandatory and not waived. */
export function isBlocking(f: ReportFinding): boolean {
  return f.enforcement === "mandatory" && !f.waived;
}

export function buildCheckReport(
  input: CheckReport["input"],
  resources: number,
  findings: ReportFinding[],
  policies: PolicyInfo[],
  version: string,
): CheckReport {
  const sorted = [...findings].sort(
    (a, b) =>
      Number(isBlocking(b)) - Number(isBlocking(a)) ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.policy.localeCompare(b.policy) ||
      (a.urn ?? "").localeCompare(b.urn ?? ""),
  );
  const mandatory = sorted.filter(isBlocking).length;
  return {
    kind: "check",
    tool: { name: "bulwark", version },
    input,
    verdict: mandatory > 0 ? "fail" : "pass",
    summary: {
      resources,
      findings: sorted.length,
      mandatory,
      advisory: sorted.filter((f) => f.enforcement === "advisory" && !f.waived).length,
      waived: sorted.filter((f) => f.waived).length,
    },
    policies,
    findings: sorted,
  };
}
