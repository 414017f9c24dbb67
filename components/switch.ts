/**
 * A hardening switch: on by default; turning it off needs a waiver. `true` (or `{enabled: true}`) keeps it on;
 * `{enabled: false, waiver: {reason, approver, expires}}` turns it off, and the component writes the waiver as a
 * tag the policy pack reads (like host opt-outs). A bare `false` is refused with the fix.
 */
import { z } from "zod";
import { PolicyNames } from "../policies/src/names";
import { optOutSchema, type OptOut } from "./common";

export type Switch = true | { enabled: false; waiver: OptOut };

const offSchema = z.object({ enabled: z.literal(false), waiver: optOutSchema }).strict();

/** `field` names the setting in errors, e.g. "encryption.customerManagedKey"; `topLevel` for a `bulwark:<key>` of its
 * own. */
export function switchField(field: string, topLevel = false) {
  const fix =
    `use true, or {enabled: false, waiver: {reason (at least 10 characters), approver, expires: ` +
    `YYYY-MM-DD}} to turn ${field} off`;
  // Pulumi hands a top-level scalar config value over as text ("true").
  const scalar = (v: unknown) => (!topLevel ? v : v === "true" ? true : v === "false" ? false : v);
  return z
    .preprocess(
      scalar,
      z.union([z.boolean(), z.object({ enabled: z.literal(true) }).strict(), offSchema], {
        error: () => `expected a boolean true or a switch object: ${fix}`,
      }),
    )
    .superRefine((v, ctx) => {
      if (v === false) ctx.addIssue({ code: "custom", message: `false weakens hardening and needs a waiver: ${fix}` });
    })
    .transform((v): Switch => (typeof v === "boolean" || v.enabled ? true : { enabled: false, waiver: v.waiver }));
}

export const isOn = (s: Switch | undefined, dflt = true): boolean => (s === undefined ? dflt : s === true);

/** The waiver a switched-off setting contributes, under `policy`. */
export function switchWaiver(
  s: Switch | undefined,
  policy: string,
): { policy: string; reason: string; approver: string; expires: string }[] {
  return s !== undefined && s !== true ? [{ policy, ...s.waiver }] : [];
}

/** Waivers for the estate-wide switches (customer-managed key, SecurityBaseline), tagged on every server. */
export function estateSwitchWaivers(cfg: {
  encryption: { customerManagedKey: Switch };
  baseline: { enabled: boolean; waiver?: OptOut };
}) {
  return [
    ...switchWaiver(cfg.encryption.customerManagedKey, PolicyNames.kmsCustomerManagedKey),
    ...(!cfg.baseline.enabled && cfg.baseline.waiver
      ? [{ policy: PolicyNames.stackSecurityBaseline, ...cfg.baseline.waiver }]
      : []),
  ];
}
