import { z } from "zod";

/**
 * The waiver contract shared by Bulwark's components (which write waivers as resource tags) and the policy pack
 * (which reads them, and also reads waivers from its config). Pure: zod only, no Pulumi at runtime.
 *
 * A waiver on a resource is three tags, because AWS tag values cannot hold a separator such as `|` or `;`:
 *   bulwark:waiver:<policy>:reason    free text (AWS tag charset)
 *   bulwark:waiver:<policy>:approver  who accepted the risk
 *   bulwark:waiver:<policy>:expires   YYYY-MM-DD, the last day the waiver holds
 */
import { WAIVER_TAG_PREFIX } from "./waiver-prefix";

export { WAIVER_TAG_PREFIX };
const WAIVER_FIELDS = ["reason", "approver", "expires"] as const;

// AWS tag values allow letters, digits, spaces and _ . : / = + - @ (max 256).
const AWS_TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export const waiverSchema = z
  .object({
    policy: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+){2,}$/, "must be a policy name such as ec2-instance-disallow-public-ip"),
    reason: z
      .string()
      .min(10, "give a reason of at least 10 characters, saying why the risk is accepted")
      .max(256)
      .regex(AWS_TAG_VALUE, "use only letters, digits, spaces and _ . : / = + - @ (AWS tag characters)"),
    approver: z
      .string()
      .min(3, "name who approved the waiver, e.g. an e-mail address")
      .max(128)
      .regex(AWS_TAG_VALUE, "use only letters, digits, spaces and _ . : / = + - @ (AWS tag characters)"),
    expires: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "use an ISO date, YYYY-MM-DD")
      .refine(isCalendarDate, "must be a real calendar date (e.g. not 2026-02-30)"),
  })
  .strict();

/** Date.parse rolls 2026-02-30 over to March; a real date survives the round trip unchanged. */
function isCalendarDate(s: string): boolean {
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
}

export type Waiver = z.infer<typeof waiverSchema>;

/** True when `waiver.expires` is before `today` (the waiver holds through the whole of its expiry day). */
export function isExpired(waiver: Pick<Waiver, "expires">, today: Date = new Date()): boolean {
  return today.toISOString().slice(0, 10) > waiver.expires;
}

/** Tags that carry the given waivers. */
export function waiverTags(waivers: readonly Waiver[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const w of waivers) {
    for (const field of WAIVER_FIELDS) tags[`${WAIVER_TAG_PREFIX}${w.policy}:${field}`] = w[field];
  }
  return tags;
}

export interface TagWaiverRead {
  /** Complete, well-formed waivers (expired ones included: the caller decides). */
  waivers: Waiver[];
  /** Waiver tags that are incomplete or malformed, by policy name: an incomplete waiver blocks. */
  problems: { policy: string; message: string }[];
}

/** Reads waivers back from a resource's tags. Unknown (non-string) tag maps read as no waivers. */
export function waiversFromTags(tags: unknown): TagWaiverRead {
  const out: TagWaiverRead = { waivers: [], problems: [] };
  if (!tags || typeof tags !== "object") return out;
  const byPolicy = new Map<string, Record<string, unknown>>();
  for (const [key, value] of Object.entries(tags as Record<string, unknown>)) {
    if (!key.startsWith(WAIVER_TAG_PREFIX)) continue;
    const rest = key.slice(WAIVER_TAG_PREFIX.length);
    const cut = rest.lastIndexOf(":");
    const policy = cut > 0 ? rest.slice(0, cut) : rest;
    const field = cut > 0 ? rest.slice(cut + 1) : "";
    const entry = byPolicy.get(policy) ?? { policy };
    entry[field] = value;
    byPolicy.set(policy, entry);
  }
  for (const [policy, entry] of byPolicy) {
    const parsed = waiverSchema.safeParse(entry);
    if (parsed.success) out.waivers.push(parsed.data);
    else
      out.problems.push({
        policy,
        message: parsed.error.issues.map((i) => `${i.path.join(".") || "waiver"}: ${i.message}`).join("; "),
      });
  }
  return out;
}
