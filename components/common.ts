/** Small shared pieces for Bulwark's components: Input fields in zod, tag merging, invoke options. */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { waiverSchema, waiverTags, type Waiver } from "../policies/src/waiver";
import { TAGS } from "./controls";

/** A zod field for a Pulumi Input<T>: present (any plain value or Output); the value itself is checked by AWS. */
export function input<T>(what: string) {
  return z.custom<pulumi.Input<T>>((v) => v !== undefined && v !== null && v !== "", `give ${what}`);
}

export const waiversField = z.array(waiverSchema).default([]);

/** The per-opt-out waiver form `{reason, approver, expires}`; the component fills in the policy name. */
export const optOutSchema = waiverSchema.omit({ policy: true });
export type OptOut = z.infer<typeof optOutSchema>;

export const tagsField = z.record(z.string().max(128), z.string().max(256)).default({});

/** Component tags + caller tags + waiver tags (waivers last so nothing can overwrite them). */
export function mergeTags(
  component: string,
  tags: Record<string, string>,
  waivers: readonly Waiver[] = [],
): Record<string, string> {
  return { [TAGS.managedBy]: "bulwark", [TAGS.component]: component, ...tags, ...waiverTags(waivers) };
}

/** Invoke options that keep a component's provider (parent pass-through) for data-source lookups. */
export function invokeOpts(parent: pulumi.Resource): pulumi.InvokeOutputOptions {
  return { parent };
}

export type { Waiver };
