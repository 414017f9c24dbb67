/** Ingress findings shared by the security-group controls: internet sources, prefix lists followed to their CIDRs. */
import type { Ctx, Emit, Res } from "../framework";
import { classifyCidr, internetSources, rulesOf, type NormRule } from "../net";
import { PREFIX_LIST_ENTRY_TYPE as PL_ENTRY, PREFIX_LIST_TYPES as PL_TYPES } from "../types";
import { arr, get, isUnknown, UNKNOWN } from "../values";

// Four controls read every security-group resource's rules: normalise each resource's rules once per evaluation.
const normalised = new WeakMap<object, NormRule[]>();

/** The resource's security-group rules, normalised once (read-only). */
export function rulesFor(r: Res): NormRule[] {
  // Keyed by the evaluation's own Res (built afresh per evaluation), so a later evaluation of changed props re-reads.
  let l = normalised.get(r);
  if (!l) normalised.set(r, (l = rulesOf(r.type, r.props)));
  return l;
}

export function at(rule: NormRule): string {
  return rule.where ? ` ${rule.where}` : "";
}

/** CIDRs of a prefix list declared in this stack (inline entries and entry resources); [] when external. */
export function prefixListCidrs(r: Res, prop: string, value: string, ctx: Ctx): unknown[] {
  const l = ctx.idx.resolve(r, prop, isUnknown(value) ? undefined : value, PL_TYPES);
  if (l.status !== "found") return [];
  const entries = ctx.idx.memo("prefixListEntries", () => {
    const m = new Map<string, unknown[]>();
    for (const e of ctx.idx.ofType(PL_ENTRY)) {
      const t = ctx.idx.resolve(e, "prefixListId", e.props.prefixListId, PL_TYPES);
      if (t.status === "found") for (const x of t.res) m.set(x.urn, [...(m.get(x.urn) ?? []), e.props.cidr]);
    }
    return m;
  });
  const out: unknown[] = [];
  for (const x of l.res) {
    const inline = arr(x.props.entries);
    if (inline === "unknown") out.push(UNKNOWN);
    else for (const e of inline ?? []) out.push(get(e, "cidr"));
    out.push(...(entries.get(x.urn) ?? []));
  }
  return out;
}

export function ingressFindings(
  r: Res,
  ctx: Ctx,
  emit: Emit,
  pick: (ps: Exclude<NormRule["ports"], "unknown">) => string | undefined,
  allow: readonly string[],
) {
  for (const rule of rulesFor(r)) {
    if (rule.direction === "egress") continue;
    const src = internetSources(rule, allow);
    // A prefix list is a safe source only if what it holds is: follow it when it is declared here.
    for (const s of rule.sources) {
      if (s.kind !== "prefixList") continue;
      for (const c of prefixListCidrs(r, s.prop, s.value, ctx)) {
        const v = classifyCidr(c, allow);
        if (v.internet) src.internet.push({ ...v, cidr: `${v.cidr} (in prefix list)` });
      }
    }
    if (rule.direction === "unknown" || rule.ports === "unknown") {
      if (src.internet.length || src.unknown)
        emit.unknown(`rule${at(rule)}: direction or ports unknown during preview; checked again at update`);
      continue;
    }
    // Most rules carry no internet source: judge (and word) the ports only when there is something to report.
    if (!src.internet.length && !src.unknown) continue;
    const what = pick(rule.ports);
    if (!what) continue;
    for (const v of src.internet) {
      const why = v.invalid ? " (unparseable, treated as the internet)" : " (internet)";
      emit.fail(`rule${at(rule)} allows ${what} from ${v.cidr}${why}`);
    }
    if (src.unknown)
      emit.unknown(`rule${at(rule)} opens ${what} to a source unknown during preview; checked again at update`);
  }
}
