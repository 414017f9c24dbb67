/** Defaults and the JSON schema of the pack config: no zod here, so the pack starts without loading it. */

/** AWS Security Hub EC2.19 high-risk ports, plus 3306 (MySQL) named by the postmortem. */
export const DEFAULT_HIGH_RISK_PORTS = [
  20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300,
];

export const DEFAULTS = {
  authorizedPorts: [80, 443],
  highRiskPorts: DEFAULT_HIGH_RISK_PORTS,
  adminCidrs: [] as string[],
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
    expires: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$", description: "YYYY-MM-DD, last day the waiver holds" },
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
  adminCidrs: {
    type: "array",
    items: { type: "string", pattern: "^[0-9a-fA-F:.]+(/[0-9]{1,3})?$" },
    default: DEFAULTS.adminCidrs,
    description: "sources allowed to reach admin ports (e.g. the office egress range)",
  },
  hopLimit: { type: "integer", minimum: 1, maximum: 64, default: DEFAULTS.hopLimit, description: "max IMDS PUT response hop limit" },
  backupDays: { type: "integer", minimum: 1, maximum: 35, default: DEFAULTS.backupDays, description: "min RDS backup retention" },
  rotationDays: { type: "integer", minimum: 1, maximum: 365, default: DEFAULTS.rotationDays, description: "max secret rotation interval" },
  waivers: { type: "array", items: waiverJson, default: [], description: "waivers: policy, resource, reason, approver, expires" },
};
