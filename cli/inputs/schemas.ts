import { z } from "zod";

/**
 * zod schemas for the Pulumi CLI's JSON outputs, written from the Go structs cited in
 * shared/reference/pulumi-cli-formats.md. Objects are loose: unknown fields are ignored (newer CLIs add fields),
 * optional fields may be absent; only what Bulwark reads is required.
 */

const urn = z
  .string()
  .startsWith("urn:pulumi:", "must be a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>)");
// Property maps are arbitrary provider data: checked to be objects, not copied key by key (10k-resource states).
const propertyMap = z.custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), {
  message: "must be an object of property values",
});

/** apitype.ResourceV3 (stack export resources, digest oldState/newState). */
export const resourceV3Schema = z.looseObject({
  urn,
  custom: z.boolean(),
  type: z.string().min(1),
  delete: z.boolean().optional(),
  id: z.string().optional(),
  inputs: propertyMap.optional(),
  outputs: propertyMap.optional(),
  parent: z.string().optional(),
  protect: z.boolean().optional(),
  external: z.boolean().optional(),
  dependencies: z.array(z.string()).optional(),
  provider: z.string().optional(),
  propertyDependencies: z.record(z.string(), z.array(z.string())).optional(),
  pendingReplacement: z.boolean().optional(),
  sourcePosition: z.string().optional(),
});
export type ResourceV3 = z.infer<typeof resourceV3Schema>;

/** Feature strings a v4 deployment may list (PP pkg/resource/stack/deployment.go:72-81). */
export const KNOWN_DEPLOYMENT_FEATURES = [
  "refreshBeforeUpdate",
  "views",
  "hooks",
  "taint",
  "replaceWith",
  "snippets-prototype",
  "extensionParameterization",
  "byteString",
] as const;

/** apitype.UntypedDeployment wrapping a DeploymentV3 (`pulumi stack export`, versions 3 and 4). */
export const untypedDeploymentSchema = z.looseObject({
  version: z.union([z.literal(3), z.literal(4)], {
    error: (i) => `unsupported deployment version ${JSON.stringify(i.input)}: Bulwark reads versions 3 and 4`,
  }),
  features: z.array(z.string()).optional(),
  deployment: z.looseObject({
    manifest: z.looseObject({ time: z.string(), magic: z.string(), version: z.string() }),
    secrets_providers: z.looseObject({ type: z.string(), state: z.unknown().optional() }).optional(),
    resources: z.array(resourceV3Schema).optional(),
    pending_operations: z.array(z.unknown()).optional(),
    metadata: z.unknown().optional(),
  }),
});
export type UntypedDeployment = z.infer<typeof untypedDeploymentSchema>;

/** display.PropertyDiff in the digest: note `kind` (the event stream says `diffKind`). */
const digestPropertyDiff = z.looseObject({ kind: z.string(), inputDiff: z.boolean().optional() });

export const previewStepSchema = z.looseObject({
  op: z.string().min(1),
  urn,
  provider: z.string().optional(),
  oldState: resourceV3Schema.optional(),
  newState: resourceV3Schema.optional(),
  diffReasons: z.array(z.string()).optional(),
  replaceReasons: z.array(z.string()).optional(),
  detailedDiff: z.record(z.string(), digestPropertyDiff).nullable().optional(),
});
export type PreviewStep = z.infer<typeof previewStepSchema>;

/** display.PreviewDigest (`pulumi preview --json`, `pulumi refresh --preview-only --json`). */
export const previewDigestSchema = z.looseObject({
  config: z.record(z.string(), z.string()).optional(),
  steps: z.array(previewStepSchema).optional(),
  diagnostics: z
    .array(
      z.looseObject({ urn: z.string().optional(), message: z.string().optional(), severity: z.string().optional() }),
    )
    .optional(),
  duration: z.number().optional(),
  changeSummary: z.record(z.string(), z.number()).optional(),
  maybeCorrupt: z.boolean().optional(),
});
export type PreviewDigest = z.infer<typeof previewDigestSchema>;

/** apitype.StepEventStateMetadata. */
export const stepEventStateSchema = z.looseObject({
  type: z.string(),
  urn,
  custom: z.boolean().optional(),
  delete: z.boolean().optional(),
  id: z.string().optional(),
  parent: z.string().optional(),
  protect: z.boolean().optional(),
  inputs: propertyMap.nullable().optional(),
  outputs: propertyMap.nullable().optional(),
  provider: z.string().optional(),
});
export type StepEventState = z.infer<typeof stepEventStateSchema>;

/** apitype.StepEventMetadata: `old`/`new` may be null; detailedDiff uses `diffKind`. */
export const stepEventMetadataSchema = z.looseObject({
  op: z.string().min(1),
  urn,
  type: z.string(),
  old: stepEventStateSchema.nullable().optional(),
  new: stepEventStateSchema.nullable().optional(),
  keys: z.array(z.string()).optional(),
  diffs: z.array(z.string()).optional(),
  detailedDiff: z
    .record(z.string(), z.looseObject({ diffKind: z.string(), inputDiff: z.boolean().optional() }))
    .nullable()
    .optional(),
  logical: z.boolean().optional(),
  provider: z.string().optional(),
});
export type StepEventMetadata = z.infer<typeof stepEventMetadataSchema>;

const metadataPayload = z.looseObject({ metadata: stepEventMetadataSchema, planning: z.boolean().optional() });

/** apitype.EngineEvent: one payload key per line plus `sequence` and `timestamp` (Unix seconds). */
export const engineEventSchema = z.looseObject({
  sequence: z.number().int(),
  timestamp: z.number().int(),
  cancelEvent: z.looseObject({}).optional(),
  preludeEvent: z.looseObject({ config: z.record(z.string(), z.string()).optional() }).optional(),
  summaryEvent: z
    .looseObject({
      maybeCorrupt: z.boolean().optional(),
      durationSeconds: z.number().optional(),
      resourceChanges: z.record(z.string(), z.number()).nullable().optional(),
      PolicyPacks: z.record(z.string(), z.string()).nullable().optional(),
      isPreview: z.boolean().optional(),
      result: z.string().optional(),
    })
    .optional(),
  resourcePreEvent: metadataPayload.optional(),
  resOutputsEvent: metadataPayload.optional(),
  resOpFailedEvent: metadataPayload.optional(),
  policyEvent: z
    .looseObject({
      resourceUrn: z.string().optional(),
      message: z.string(),
      policyName: z.string(),
      policyPackName: z.string(),
      enforcementLevel: z.string(),
      severity: z.string().optional(),
    })
    .optional(),
  diagnosticEvent: z.looseObject({ message: z.string(), severity: z.string() }).optional(),
  errorEvent: z.looseObject({ error: z.string() }).optional(),
});
export type EngineEvent = z.infer<typeof engineEventSchema>;
