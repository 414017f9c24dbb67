import type { EngineEvent, PreviewDigest, ResourceV3, StepEventState } from "./schemas";

/** One resource state as the CLI recorded it (a ResourceV3 or an event's StepEventStateMetadata), still encoded. */
export interface RawState {
  urn: string;
  type: string;
  custom?: boolean;
  id?: string;
  parent?: string;
  provider?: string;
  delete?: boolean;
  inputs?: Record<string, unknown> | null;
  outputs?: Record<string, unknown> | null;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  sourcePosition?: string;
}

export interface PropertyChange {
  /** PropertyPath.String() form: `tags.Name`, `ingress[0].cidrBlocks[0]`, `["key.with.dots"]`. */
  path: string;
  /** add, add-replace, delete, delete-replace, update, update-replace. */
  kind: string;
  inputDiff: boolean;
}

/** One step of a digest or one resource of an event stream, in a single shape. */
export interface Change {
  op: string;
  urn: string;
  type: string;
  old?: RawState;
  new?: RawState;
  /** null when the provider returned no detailed diff. */
  detailedDiff: PropertyChange[] | null;
  diffReasons: string[];
}

function fromV3(r: ResourceV3 | undefined): RawState | undefined {
  return r ? { ...r } : undefined;
}

function fromEventState(s: StepEventState | null | undefined): RawState | undefined {
  return s ? { ...s, inputs: s.inputs ?? undefined, outputs: s.outputs ?? undefined } : undefined;
}

export function changesFromDigest(d: PreviewDigest): Change[] {
  return (d.steps ?? []).map((s) => ({
    op: s.op,
    urn: s.urn,
    type: s.newState?.type ?? s.oldState?.type ?? "",
    old: fromV3(s.oldState),
    new: fromV3(s.newState),
    detailedDiff: s.detailedDiff
      ? Object.entries(s.detailedDiff).map(([path, v]) => ({ path, kind: v.kind, inputDiff: v.inputDiff ?? false }))
      : null,
    diffReasons: s.diffReasons ?? [],
  }));
}

/**
 * The event stream reports a resource in a `resourcePreEvent` and, once done (or refreshed), a `resOutputsEvent`;
 * the later one carries the final `new` state, so it wins. Order of first appearance is kept.
 */
export function changesFromEvents(events: EngineEvent[]): Change[] {
  const byUrn = new Map<string, Change>();
  const sorted = [...events].sort((a, b) => a.sequence - b.sequence);
  for (const e of sorted) {
    const payload = e.resourcePreEvent ?? e.resOutputsEvent;
    if (!payload) continue;
    const m = payload.metadata;
    const prev = byUrn.get(m.urn);
    const change: Change = {
      op: m.op,
      urn: m.urn,
      type: m.type,
      old: fromEventState(m.old) ?? prev?.old,
      new: m.new === null && e.resOutputsEvent ? undefined : (fromEventState(m.new) ?? prev?.new),
      detailedDiff: m.detailedDiff
        ? Object.entries(m.detailedDiff).map(([path, v]) => ({
            path,
            kind: v.diffKind,
            inputDiff: v.inputDiff ?? false,
          }))
        : (prev?.detailedDiff ?? null),
      diffReasons: m.diffs ?? prev?.diffReasons ?? [],
    };
    byUrn.set(m.urn, change);
  }
  return [...byUrn.values()];
}

/** Ops after which the resource no longer exists in the planned estate. */
export const REMOVING_OPS = new Set([
  "delete",
  "delete-replaced",
  "discard",
  "discard-replaced",
  "remove-pending-replace",
  "read-discard",
]);
