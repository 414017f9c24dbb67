/** What `bulwark host verify` reports (the `--format json` document). */
import type { Severity } from "../report/model";

export type CheckStatus = "pass" | "fail" | "skip" | "waived";
export type HostStatus = "pass" | "fail" | "unreachable";

export interface HostCheck {
  control: string;
  status: CheckStatus;
  description: string;
}

export interface HostResult {
  name: string;
  site: string;
  address: string;
  port: number;
  os: string;
  role: string;
  bastion?: string;
  status: HostStatus;
  /** Why the host could not be checked (unreachable), or what went wrong around verify. */
  error?: string;
  durationMs: number;
  expectedBundleHash?: string;
  bundleHash?: string;
  checks: HostCheck[];
  /** Control ids that failed (verify's own list plus `bundle` on a hash mismatch). */
  failed: string[];
}

export interface FleetReport {
  kind: "fleet-verify";
  tool: { name: "bulwark"; version: string };
  input: { stack?: string; inventory?: string };
  verdict: "pass" | "fail" | "unreachable";
  summary: {
    hosts: number;
    passed: number;
    failed: number;
    unreachable: number;
    brokenControls: number;
    concurrency: number;
    timeoutSeconds: number;
    wallMs: number;
  };
  hosts: HostResult[];
}

/** Verify's control ids (components/host/scripts/verify.sh), ranked for the report. Unknown ids read as medium. */
export const CONTROL_SEVERITY: Record<string, Severity> = {
  firewall: "critical",
  ssh: "critical",
  accounts: "high",
  admins: "high",
  updates: "high",
  ids: "high",
  mysql: "high",
  bundle: "high",
  unreachable: "high",
  fail2ban: "medium",
  auditd: "medium",
  aide: "medium",
  logging: "medium",
  sysctl: "medium",
  permissions: "medium",
  files: "medium",
  services: "medium",
  verify: "medium",
  timer: "low",
  config: "low",
  needs: "low",
};

export const severityOf = (control: string): Severity => CONTROL_SEVERITY[control] ?? "medium";

const REAPPLY =
  "re-apply the bundle (`pulumi up` re-runs HardenedHost on a new bundle; on drift with the same bundle run " +
  "`sudo /opt/bulwark/bundle/apply` on the host), then find who changed it in the audit log (`ausearch -k " +
  "bulwark`)";

/** Remediation per control, for the HTML and markdown reports. */
export function remediationOf(control: string): string {
  switch (control) {
    case "unreachable":
      return (
        "check the host is up and its SSH path (bastion, firewall management sources); a host key mismatch " +
        "means the server was replaced or is an impostor: compare the key on its console before updating " +
        "bulwark:hosts"
      );
    case "bundle":
      return (
        "the host runs another bundle than the stack declares: run `pulumi up` so HardenedHost applies the " +
        "declared bundle"
      );
    case "verify":
      return (
        "the verify script could not run (no bundle at /opt/bulwark/bundle, or sudo needs a password): apply " +
        "the bundle with HardenedHost"
      );
    default:
      return REAPPLY;
  }
}

export function exitCodeOf(r: FleetReport): number {
  return r.summary.unreachable > 0 ? 5 : r.summary.failed > 0 ? 4 : 0;
}
