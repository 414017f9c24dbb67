/** Defaults and the JSON schema of the pack config: no zod here, so the pack starts without loading it. */

import { DEFAULT_HIGH_RISK_PORTS, DEFAULT_REMOTE_ADMIN_PORTS, DEFAULT_WEB_PORTS } from "./exposure";

export { DEFAULT_HIGH_RISK_PORTS };

export const DEFAULTS = {
  authorizedPorts: [...DEFAULT_WEB_PORTS],
  highRiskPorts: [...DEFAULT_HIGH_RISK_PORTS],
  /** Remote-admin ports (exposure model): never from the internet, and only from SGs, prefix lists or adminCidrs. */
  remoteAdminPorts: [...DEFAULT_REMOTE_ADMIN_PORTS],
  adminCidrs: [] as string[],
  /** Ranges that are not the internet beyond RFC 1918/ULA/loopback/link-local (the stack's internalCidrs). */
  internalCidrs: [] as string[],
  hopLimit: 1,
  backupDays: 7,
  rotationDays: 90,
};

const waiverJson = {
  type: "object",
  additionalProperties: false,
  required: ["policy", "resource", "reason", "approver", "expires"],
  properties: {
    policy: { type: "string", pattern: "^[a-z0-9]+(-[a-z0-9]+){2,}$", description: "the policy waived" },
    resource: { type: "string", minLength: 1, description: "URN or logical name of the resource" },
    reason: { type: "string", minLength: 10, maxLength: 256 },
    approver: { type: "string", minLength: 3, maxLength: 128 },
    expires: {
      type: "string",
      pattern: "^\\d{4}-\\d{2}-\\d{2}$",
      description: "YYYY-MM-DD, last day the waiver holds",
    },
  },
};

const portList = (d: number[], description: string) => ({
  type: "array",
  items: { type: "integer", minimum: 0, maximum: 65535 },
  default: d,
  description,
});

/** JSON schema (properties) for every policy's config; the engine fills `default`s and validates. */
export const packConfigJsonSchema: Record<string, unknown> = {
  authorizedPorts: portList(DEFAULTS.authorizedPorts, "ports that may be open to the internet"),
  highRiskPorts: portList(DEFAULTS.highRiskPorts, "admin/high-risk ports never open to the internet"),
  remoteAdminPorts: portList(
    DEFAULTS.remoteAdminPorts,
    "remote-admin ports (SSH, telnet, RDP, VNC, WinRM): reachable only from security groups, prefix lists or " +
      "adminCidrs",
  ),
  internalCidrs: {
    type: "array",
    items: { type: "string", pattern: "^[0-9a-fA-F:.]+(/[0-9]{1,3})?$" },
    default: DEFAULTS.internalCidrs,
    description: "declared internal ranges (besides RFC 1918, fc00::/7, loopback, link-local): not the internet",
  },
  adminCidrs: {
    type: "array",
    items: { type: "string", pattern: "^[0-9a-fA-F:.]+(/[0-9]{1,3})?$" },
    default: DEFAULTS.adminCidrs,
    description: "sources allowed to reach admin ports (e.g. the office egress range)",
  },
  hopLimit: {
    type: "integer",
    minimum: 1,
    maximum: 64,
    default: DEFAULTS.hopLimit,
    description: "max IMDS PUT response hop limit",
  },
  backupDays: {
    type: "integer",
    minimum: 1,
    maximum: 35,
    default: DEFAULTS.backupDays,
    description: "min RDS backup retention",
  },
  rotationDays: {
    type: "integer",
    minimum: 1,
    maximum: 365,
    default: DEFAULTS.rotationDays,
    description: "max secret rotation interval",
  },
  waivers: {
    type: "array",
    items: waiverJson,
    default: [],
    description: "waivers: policy, resource, reason, approver, expires",
  },
};
