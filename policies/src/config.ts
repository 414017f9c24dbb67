/**
 * The pack's config (`--policy-pack-config`): one JSON schema (the engine validates it before `Configure`) and the
 * same rules in zod (the pack validates again, so the in-process CLI gets identical errors). Loaded lazily: zod is
 * not needed to start the pack.
 */
import { z } from "zod";
import { waiverSchema } from "./waiver";
import { isCidr } from "./net";
import { DEFAULTS } from "./config-schema";

export { DEFAULTS, DEFAULT_HIGH_RISK_PORTS, packConfigJsonSchema } from "./config-schema";

const port = z.number().int().min(0).max(65535);

/** A waiver in the config names the resource (URN or logical name) as well as the policy. */
export const configWaiverSchema = waiverSchema.extend({
  resource: z.string().min(1, "name the resource: its URN or its logical name"),
});
export type ConfigWaiver = z.infer<typeof configWaiverSchema>;

export const packConfigSchema = z
  .object({
    authorizedPorts: z.array(port).default(DEFAULTS.authorizedPorts),
    highRiskPorts: z.array(port).default(DEFAULTS.highRiskPorts),
    remoteAdminPorts: z.array(port).default(DEFAULTS.remoteAdminPorts),
    internalCidrs: z
      .array(z.string().refine(isCidr, "use a CIDR such as 10.0.0.0/8 or fd00::/8"))
      .default(DEFAULTS.internalCidrs),
    adminCidrs: z
      .array(z.string().refine(isCidr, "use a CIDR such as 203.0.113.0/24 or 2001:db8::/48"))
      .default(DEFAULTS.adminCidrs),
    hopLimit: z.number().int().min(1).max(64).default(DEFAULTS.hopLimit),
    backupDays: z.number().int().min(1).max(35).default(DEFAULTS.backupDays),
    rotationDays: z.number().int().min(1).max(365).default(DEFAULTS.rotationDays),
    waivers: z.array(configWaiverSchema).default([]),
  })
  // Unknown keys are tolerated: the engine merges `all` and per-policy properties into one object.
  .loose();

export type PackConfig = z.infer<typeof packConfigSchema>;

/** Parses config; the error names each field, its value and the fix. */
export function parseConfig(input: unknown): PackConfig {
  const r = packConfigSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const p = i.path.join(".");
    let v: unknown = input;
    for (const k of i.path)
      v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined;
    return `${p || "config"} = ${JSON.stringify(v)}: ${i.message}`;
  });
  throw new PolicyConfigError(`invalid Bulwark policy config:\n  ${lines.join("\n  ")}`);
}

/** A bad pack config (the pack is its own package, so this does not share the components' base class). */
export class PolicyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyConfigError";
  }
}
