/**
 * Property-value encodings the Pulumi CLI writes into its JSON outputs (reference: pulumi-cli-formats.md §1.2, §1.3,
 * §2.4) and the one function that turns them into policy-input values. Secrets become the masked string
 * `"[secret]"` (as `pulumi policy analyze` does for secrets it cannot decrypt); plaintext is never kept.
 */

import {
  ARCHIVE_SIG,
  ASSET_SIG,
  RESOURCE_REF_SIG,
  SECRET_SIG,
  SIG_KEY,
  UNKNOWN_SENTINELS,
} from "../../policies/src/values";

// Signatures of the special objects in state / event JSON, defined once in the pack's value module.
export { SIG_KEY };
export const SIG_SECRET = SECRET_SIG;
export const SIG_ASSET = ASSET_SIG;
export const SIG_ARCHIVE = ARCHIVE_SIG;
export const SIG_RESOURCE_REF = RESOURCE_REF_SIG;
/** An unknown (computed) value in state, digest and events. */
export const UNKNOWN_STATE_VALUE = UNKNOWN_SENTINELS.string;
/** What the digest and the display print for a secret, and what Bulwark passes to policies instead of plaintext. */
export const MASKED_SECRET = "[secret]";

export interface NormaliseOptions {
  /** Value that stands for "unknown during preview" in the policy engine's input. */
  unknown: unknown;
}

export interface Normalised {
  value: unknown;
  /** Property paths (`a.b[0]`) that held a secret. */
  secretPaths: string[];
}

function isSigObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && SIG_KEY in v;
}

function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}

/** Decodes one property map: secrets masked, unknowns mapped, assets/archives/references kept as plain data. */
export function normaliseProps(props: Record<string, unknown> | undefined, opts: NormaliseOptions): Normalised {
  const secretPaths: string[] = [];
  const walk = (v: unknown, path: string): unknown => {
    if (v === UNKNOWN_STATE_VALUE) return opts.unknown;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, joinPath(path, i)));
    if (v === null || typeof v !== "object") return v;
    if (isSigObject(v)) {
      const sig = v[SIG_KEY];
      if (sig === SIG_SECRET) {
        secretPaths.push(path);
        return MASKED_SECRET;
      }
      // A resource reference reads as its id when known, else its URN (as the engine marshals it to analyzers).
      if (sig === SIG_RESOURCE_REF) return typeof v.id === "string" && v.id !== "" ? v.id : v.urn;
      // Assets and archives: keep the descriptive fields (hash, path, uri, text) without the signature.
      const { [SIG_KEY]: _sig, ...rest } = v;
      return walk(rest, path);
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      // Provider-internal keys are not shown to analyzers (SkipInternalKeys).
      if (k.startsWith("__")) continue;
      out[k] = walk(x, joinPath(path, k));
    }
    return out;
  };
  const value = props === undefined ? {} : walk(props, "");
  return { value, secretPaths };
}

/** The resource name is the URN's last `::` segment. */
export function nameFromUrn(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i >= 0 ? urn.slice(i + 2) : urn;
}

/** The type is the last `$`-separated element of the URN's qualified type. */
export function typeFromUrn(urn: string): string {
  const parts = urn.split("::");
  const qualified = parts.length >= 4 ? parts[parts.length - 2] : "";
  const i = qualified.lastIndexOf("$");
  return i >= 0 ? qualified.slice(i + 1) : qualified;
}

/** A provider reference is `<providerURN>::<providerID>`; policies want the URN. */
export function providerUrn(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const i = ref.lastIndexOf("::");
  const urn = i > 0 ? ref.slice(0, i) : ref;
  return urn.startsWith("urn:pulumi:") ? urn : ref;
}

export interface SourceLocation {
  /** Path relative to the project root when the engine recorded a `project:///` URI, else the URI as written. */
  uri: string;
  line?: number;
  column?: number;
}

/** Parses `project:///index.ts#12,5` or `file:///abs/path.ts#12` (ResourceV3.sourcePosition). */
export function parseSourcePosition(pos: string | undefined): SourceLocation | undefined {
  if (!pos) return undefined;
  const m = /^(project|file):\/\/\/?([^#]*)(?:#(\d+)(?:,(\d+))?)?$/.exec(pos);
  if (!m) return undefined;
  const uri = m[1] === "project" ? m[2].replace(/^\/+/, "") : `file:///${m[2].replace(/^\/+/, "")}`;
  return {
    uri,
    line: m[3] ? Number(m[3]) : undefined,
    column: m[4] ? Number(m[4]) : undefined,
  };
}
