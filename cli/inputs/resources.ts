import { nameFromUrn, normaliseProps, parseSourcePosition, providerUrn, type SourceLocation } from "./encoding";
import { REMOVING_OPS, type Change, type RawState } from "./changes";
import type { UntypedDeployment } from "./schemas";

/** A resource as the policy engine takes it (policies/src/engine.ts PolicyInputResource) plus where it came from. */
export interface InputResource {
  urn: string;
  type: string;
  name: string;
  /** Provider id, when the resource exists (policies follow links by id/ARN). */
  id?: string;
  custom: boolean;
  props: Record<string, unknown>;
  parent?: string;
  provider?: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  /** Paths whose value was a secret: the value is masked as "[secret]" and never printed. */
  secretPaths: string[];
  /** Where the program declared the resource, when the state recorded it. */
  source?: SourceLocation;
}

export type PropsFrom = "inputs" | "outputs-over-inputs";

export function toInputResource(s: RawState, from: PropsFrom, unknown: unknown): InputResource {
  const raw = from === "inputs" ? (s.inputs ?? {}) : { ...(s.inputs ?? {}), ...(s.outputs ?? {}) };
  const { value, secretPaths } = normaliseProps(raw, { unknown });
  return {
    urn: s.urn,
    type: s.type,
    name: nameFromUrn(s.urn),
    id: s.id || undefined,
    custom: s.custom ?? true,
    props: value as Record<string, unknown>,
    parent: s.parent || undefined,
    provider: providerUrn(s.provider),
    dependencies: s.dependencies ?? [],
    propertyDependencies: s.propertyDependencies ?? {},
    secretPaths,
    source: parseSourcePosition(s.sourcePosition),
  };
}

/**
 * Resources of an exported state. Props are the recorded outputs over the inputs: what was read back from the
 * cloud, so after `pulumi refresh` this audits what actually runs. Resources pending deletion are skipped.
 */
export function resourcesFromDeployment(d: UntypedDeployment, unknown: unknown, consume = false): InputResource[] {
  const out: InputResource[] = [];
  for (const r of d.deployment.resources ?? []) {
    if (!r.delete && !r.pendingReplacement) out.push(toInputResource(r, "outputs-over-inputs", unknown));
    // `consume`: the caller is done with the raw deployment; its property maps can be freed as we go.
    if (consume) {
      r.inputs = undefined;
      r.outputs = undefined;
    }
  }
  return out;
}

/**
 * Resources a preview would leave in place, with the inputs the engine passes to `Analyze`. A digest lists only
 * changed resources unless `pulumi preview --json --show-sames`.
 */
export function resourcesFromChanges(changes: Change[], unknown: unknown): InputResource[] {
  const out: InputResource[] = [];
  for (const c of changes) {
    if (REMOVING_OPS.has(c.op) || !c.new) continue;
    out.push(toInputResource(c.new, "inputs", unknown));
  }
  return out;
}
