/**
 * Property values as the pack sees them: plain JSON plus the engine's unknown sentinels (preview) and, on the wire,
 * secret signature objects. One place decides what "unknown", "true" and "set" mean for every policy.
 */

/** The engine's typed unknown sentinels (sdk/go/common/resource/plugin/rpc.go); all of them mean "unknown". */
export const UNKNOWN_SENTINELS = {
  bool: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  number: "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  string: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  array: "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  asset: "030794c1-ac77-496b-92df-f27374a8bd58",
  archive: "e48ece36-62e2-4504-bad9-02848725956a",
  object: "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
} as const;

/** The sentinel for an unknown (preview) value in `PolicyInputResource.props`; any typed sentinel is accepted too. */
export const UNKNOWN = UNKNOWN_SENTINELS.string;

const UNKNOWN_SET: ReadonlySet<unknown> = new Set(Object.values(UNKNOWN_SENTINELS));

/** Signature key and values of the engine's special objects (sdk/go/common/resource/sig); the CLI reuses these. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
export const RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

export function isUnknown(v: unknown): boolean {
  return typeof v === "string" && UNKNOWN_SET.has(v);
}

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Unwraps a wire-format secret (`{<sig>: <secret sig>, value}`) to its value; other values pass through. */
export function unwrap(v: unknown): unknown {
  while (isObj(v) && v[SIG_KEY] === SECRET_SIG) v = "value" in v ? v.value : "plaintext" in v ? v.plaintext : UNKNOWN;
  return v;
}

/** Reads `o.a.b` (secrets unwrapped); undefined when any step is missing; UNKNOWN when a step is unknown. */
export function get(o: unknown, ...path: (string | number)[]): unknown {
  let cur = unwrap(o);
  for (const k of path) {
    if (isUnknown(cur)) return UNKNOWN;
    if (cur === null || cur === undefined || typeof cur !== "object") return undefined;
    cur = unwrap((cur as Obj)[k as string]);
  }
  return cur;
}

/** Present and not null. */
export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

export type Tri = true | false | "unknown" | undefined;

/** A boolean as AWS providers send it: `true`, `"true"`, `"True"` (launch templates send strings). */
export function bool(v: unknown): Tri {
  v = unwrap(v);
  if (isUnknown(v)) return "unknown";
  if (v === true || v === false) return v;
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (s === "true" || s === "1" || s === "yes" || s === "on") return true;
    if (s === "false" || s === "0" || s === "no" || s === "off" || s === "") return false;
  }
  if (typeof v === "number") return v !== 0;
  return undefined;
}

export function num(v: unknown): number | "unknown" | undefined {
  v = unwrap(v);
  if (isUnknown(v)) return "unknown";
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function str(v: unknown): string | "unknown" | undefined {
  v = unwrap(v);
  if (isUnknown(v)) return "unknown";
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  return undefined;
}

/** An array property: `undefined` when absent, "unknown" when unknown, else the elements (secrets unwrapped). */
export function arr(v: unknown): unknown[] | "unknown" | undefined {
  v = unwrap(v);
  if (isUnknown(v)) return "unknown";
  if (Array.isArray(v)) return v.map(unwrap);
  if (v === undefined || v === null) return undefined;
  return [v];
}

/** Strings of a list; unknown elements are kept as UNKNOWN. */
export function strs(v: unknown): string[] | "unknown" {
  const a = arr(v);
  if (a === "unknown") return "unknown";
  if (!a) return [];
  const out: string[] = [];
  for (const x of a) {
    if (isUnknown(x)) out.push(UNKNOWN);
    else if (typeof x === "string") out.push(x);
    else if (typeof x === "number") out.push(String(x));
  }
  return out;
}

/** Whether a value contains an unknown anywhere (deep). */
export function hasUnknown(v: unknown): boolean {
  v = unwrap(v);
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (isObj(v)) return Object.values(v).some(hasUnknown);
  return false;
}

/** Parses a JSON policy document or other JSON-valued string property; objects pass through. */
export function json(v: unknown): unknown {
  v = unwrap(v);
  if (typeof v !== "string" || isUnknown(v)) return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}
