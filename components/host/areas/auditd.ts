/** auditd: the CIS rules (AUDIT_RULES in host-controls.ts), made immutable until reboot. */
import { AUDIT_RULES } from "../host-controls";
import type { BundleFile } from "../render";

function auditRulesFile(): string {
  return ["## Bulwark CIS audit rules (U22 6.3.3.x / AL 5.2.3.x). Generated.", ...AUDIT_RULES, ""].join("\n");
}

export function auditdFiles(): BundleFile[] {
  return [
    { path: "/etc/audit/rules.d/50-bulwark.rules", content: auditRulesFile(), mode: 0o640 },
    {
      path: "/etc/audit/rules.d/99-bulwark-finalize.rules",
      content: "## U22 6.3.3.20: rules immutable until reboot\n-e 2\n",
      mode: 0o640,
    },
  ];
}
