/**
 * How an instance gets its settings: its own inputs first, then its launch template, then AWS's default (or the
 * subnet, for public IPs). One normaliser so every compute policy inherits the same way.
 */
import type { Ctx, Link, Res } from "./framework";
import { COMPUTE_TYPES, INSTANCE_TYPES } from "./types";
import { arr, bool, get, isObj, isSet, num, str, type Tri } from "./values";

export { COMPUTE_TYPES, INSTANCE_TYPES } from "./types";

export const isInstance = (r: { type: string }) => INSTANCE_TYPES.includes(r.type);

/** The launch template an instance names (by id or name), if any. */
export function templateOf(r: Res, ctx: Ctx): Link {
  const lt = get(r.props, "launchTemplate");
  if (!isSet(lt) && !(r.propertyDependencies.launchTemplate ?? []).length) return { status: "none" };
  const ref = get(lt, "id") ?? get(lt, "name");
  return ctx.idx.resolve(r, "launchTemplate", ref, [COMPUTE_TYPES.launchTemplate]);
}

export interface Inherited<T> {
  value: T | "unknown" | undefined;
  /** Where the value came from, for messages. */
  from: "instance" | "launch template" | "default";
}

/**
 * Reads a setting from the instance, else from its launch template (`ltPath`). An unresolvable template makes an
 * unset value unknown rather than defaulted.
 */
export function inherit<T>(
  r: Res,
  ctx: Ctx,
  own: () => T | "unknown" | undefined,
  fromLt: (lt: Res) => T | "unknown" | undefined,
): Inherited<T> {
  const v = own();
  if (v !== undefined) return { value: v, from: "instance" };
  const l = templateOf(r, ctx);
  if (l.status === "none") return { value: undefined, from: "default" };
  if (l.status !== "found") return { value: "unknown", from: "launch template" };
  for (const lt of l.res) {
    const x = fromLt(lt);
    if (x !== undefined) return { value: x, from: "launch template" };
  }
  return { value: undefined, from: "default" };
}

export interface Imds {
  tokens: string | "unknown" | undefined;
  hop: number | "unknown" | undefined;
  endpoint: string | "unknown" | undefined;
}

export function imdsOf(props: Record<string, unknown>): Imds | undefined {
  const mo = get(props, "metadataOptions");
  if (!isSet(mo)) return undefined;
  if (!isObj(mo)) return { tokens: "unknown", hop: "unknown", endpoint: "unknown" };
  return { tokens: str(mo.httpTokens), hop: num(mo.httpPutResponseHopLimit), endpoint: str(mo.httpEndpoint) };
}

/** Effective IMDS settings: each field inherits separately (an instance may set only the hop limit). */
export function effectiveImds(r: Res, ctx: Ctx): { imds: Imds; from: string } {
  if (!isInstance(r))
    return { imds: imdsOf(r.props) ?? { tokens: undefined, hop: undefined, endpoint: undefined }, from: "resource" };
  const own = imdsOf(r.props);
  const t = inherit<string>(
    r,
    ctx,
    () => own?.tokens,
    (lt) => imdsOf(lt.props)?.tokens,
  );
  const h = inherit<number>(
    r,
    ctx,
    () => own?.hop,
    (lt) => imdsOf(lt.props)?.hop,
  );
  const e = inherit<string>(
    r,
    ctx,
    () => own?.endpoint,
    (lt) => imdsOf(lt.props)?.endpoint,
  );
  return { imds: { tokens: t.value, hop: h.value, endpoint: e.value }, from: t.from };
}

/** `associatePublicIpAddress` of every network interface of a launch template (strings "true"/"false"). */
export function templatePublicIp(lt: Res): Tri {
  const nis = arr(get(lt.props, "networkInterfaces"));
  if (nis === "unknown") return "unknown";
  let out: Tri = undefined;
  for (const ni of nis ?? []) {
    const v = bool(get(ni, "associatePublicIpAddress"));
    if (v === true) return true;
    if (v === "unknown") out = "unknown";
    else if (v === false && out === undefined) out = false;
  }
  return out;
}

/** Subnet ids named by a launch template's interfaces. */
export function templateSubnet(lt: Res): unknown {
  const nis = arr(get(lt.props, "networkInterfaces"));
  if (nis === "unknown") return "unknown";
  for (const ni of nis ?? []) {
    const s = get(ni, "subnetId");
    if (isSet(s)) return s;
  }
  return undefined;
}
