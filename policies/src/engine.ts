/**
 * The pure in-process evaluator: the pack registers thin adapters over it, and `bulwark check` calls it directly.
 * Linear in the number of resources: one index (URN, id/ARN/name, type), per-type policy dispatch, memoised
 * reverse links; no policy looks at all pairs.
 */
import type { ConfigWaiver } from "./config";
import { DEFAULTS } from "./config-schema";
import {
  Index,
  type Ctx,
  type Enforcement,
  type EnforcementLevel,
  type PolicyDef,
  type PolicyInputResource,
  type PolicyMeta,
  type Res,
  type ResolvedConfig,
  type Severity,
} from "./framework";
import { PolicyNames } from "./names";
import { rules } from "./rules";
import { SG_TYPES } from "./types";
import { tagWaivers, waiverLib } from "./waiver-tags";
import type { Waiver } from "./waiver";
import type { Obj } from "./values";

export { UNKNOWN, UNKNOWN_SENTINELS, isUnknown } from "./values";
export type {
  PolicyInputResource,
  PolicyMeta,
  Severity,
  Enforcement,
  EnforcementLevel,
  ResolvedConfig,
} from "./framework";

export interface Finding {
  policy: string;
  severity: Severity;
  enforcement: Enforcement;
  /** The resource; absent for a stack-wide finding. */
  urn?: string;
  type?: string;
  name?: string;
  message: string;
  /** The policy's one-line description (what the control requires). */
  description: string;
  /** Set when a valid waiver downgraded the finding to advisory. */
  waived?: { reason: string; approver: string; expires: string };
  /** The control could not decide because a value is unknown (preview). Always advisory. */
  unknown?: true;
}

export interface EvaluateOptions {
  /** "Today" for waiver expiry (default: now). */
  today?: Date;
  /** Enforcement overrides by policy name (as from `--policy-pack-config`). */
  levels?: Readonly<Record<string, EnforcementLevel>>;
  /** Per-policy config overriding `config` for that policy (the engine configures each policy separately). */
  configs?: Readonly<Record<string, unknown>>;
}

export const WAIVER_POLICY = PolicyNames.waiverValid;

/** Every control, grouped by family. */
export const policies: readonly PolicyDef[] = rules;

/** Metadata per policy (for SARIF rules, docs and the pack's GetAnalyzerInfo). */
export const policyMetadata: readonly (PolicyMeta & { types: readonly string[]; remediable: boolean })[] = policies.map(
  (p) => ({
    name: p.name,
    description: p.description,
    severity: p.severity,
    enforcement: p.enforcement,
    family: p.family,
    securityHub: p.securityHub,
    cis: p.cis,
    remediation: p.remediation,
    unknowns: p.unknowns,
    types: p.types,
    remediable: !!p.remediate,
  }),
);

const byName = new Map(policies.map((p) => [p.name, p]));
const byType = new Map<string, PolicyDef[]>();
const everyType: PolicyDef[] = [];
for (const p of policies) {
  for (const t of p.types) {
    if (t === "*") everyType.push(p);
    else {
      let l = byType.get(t);
      if (!l) byType.set(t, (l = []));
      l.push(p);
    }
  }
}

export function policyByName(name: string): PolicyDef | undefined {
  return byName.get(name);
}

/** Policies that visit a resource type (for the pack's per-resource adapters). */
export function policiesForType(type: string): readonly PolicyDef[] {
  return [...(byType.get(type) ?? []), ...everyType];
}

// ------------------------------------------------------------------------------------------------ config

const configCache = new Map<string, ResolvedConfig>();
const DEFAULT_CONFIG: ResolvedConfig = { ...DEFAULTS, waivers: [] };

/** Validates and resolves a pack config (zod; errors name field, value and fix). `undefined` means defaults. */
const configByObject = new WeakMap<object, ResolvedConfig>();

export function resolveConfig(config?: unknown): ResolvedConfig {
  if (config === undefined || config === null) return DEFAULT_CONFIG;
  // The engine hands the same config object to every call until the next Configure: skip re-keying it.
  const known = typeof config === "object" ? configByObject.get(config) : undefined;
  if (known) return known;
  const c = resolveConfigByValue(config);
  if (typeof config === "object") configByObject.set(config, c);
  return c;
}

function resolveConfigByValue(config: unknown): ResolvedConfig {
  const key = JSON.stringify(config);
  let c = configCache.get(key);
  if (!c) {
    const { parseConfig } = require("./config") as typeof import("./config");
    c = parseConfig(config);
    if (configCache.size > 64) configCache.clear();
    configCache.set(key, c);
  }
  return c;
}

// ------------------------------------------------------------------------------------------------ waivers

interface Raw {
  kind: "fail" | "unknown" | "advise";
  message: string;
  urn?: string;
}

type EvalCtx = Ctx;

/**
 * Waivers that may cover a finding on `r`: config (by URN or logical name), the resource's tags, and for rule
 * resources the group's tags.
 */
function waiversFor(
  policy: string,
  r: Res | undefined,
  ctx: EvalCtx,
): { valid?: Waiver; expired?: Waiver; problem?: string } {
  const out: { valid?: Waiver; expired?: Waiver; problem?: string } = {};
  const consider = (w: Waiver) => {
    if (w.policy !== policy) return;
    if (waiverLib().isExpired(w, ctx.today)) out.expired ??= w;
    else out.valid ??= w;
  };
  for (const w of ctx.cfg.waivers as readonly ConfigWaiver[]) {
    if (r ? w.resource === r.urn || w.resource === r.name : w.resource === "stack")
      consider({ policy: w.policy, reason: w.reason, approver: w.approver, expires: w.expires });
  }
  if (!r) return out;
  const fromTags = (props: Obj) => {
    const read = tagWaivers(props);
    if (!read) return;
    read.waivers.forEach(consider);
    const p = read.problems.find((x) => x.policy === policy);
    if (p) out.problem ??= p.message;
  };
  fromTags(r.props);
  // A rule resource may rely on a waiver tagged on its group; look there only when it carries none itself
  // (following the link defers a single-resource verdict to the stack evaluation).
  if (!out.valid && (r.type === SG_TYPES.rule || r.type === SG_TYPES.ingress || r.type === SG_TYPES.egress)) {
    const g = ctx.idx.resolve(r, "securityGroupId", r.props.securityGroupId, [SG_TYPES.group, SG_TYPES.defaultGroup]);
    if (g.status === "found") fromTags(g.res[0].props);
  }
  return out;
}

function finalize(p: PolicyDef, level: Enforcement, r: Res | undefined, raws: Raw[], ctx: EvalCtx): Finding[] {
  const out: Finding[] = [];
  let w: ReturnType<typeof waiversFor> | undefined;
  for (const raw of raws) {
    const res = raw.urn ? ctx.idx.byUrn.get(raw.urn) : r;
    const f: Finding = {
      policy: p.name,
      severity: p.severity,
      enforcement: raw.kind === "fail" ? level : "advisory",
      urn: raw.urn ?? r?.urn,
      type: res?.type,
      name: res?.name,
      message: raw.message,
      description: p.description,
    };
    if (raw.kind === "unknown") {
      f.unknown = true;
    } else if (p.name !== WAIVER_POLICY) {
      w ??= waiversFor(p.name, res, ctx);
      if (w.valid) {
        f.enforcement = "advisory";
        f.waived = { reason: w.valid.reason, approver: w.valid.approver, expires: w.valid.expires };
        f.message += ` [waived by ${w.valid.approver} until ${w.valid.expires}: ${w.valid.reason}]`;
      } else if (w.expired) {
        f.enforcement = "mandatory";
        f.message += ` [waiver by ${w.expired.approver} expired on ${w.expired.expires}]`;
      } else if (w.problem) {
        f.enforcement = "mandatory";
        f.message += ` [waiver incomplete: ${w.problem}]`;
      }
    }
    out.push(f);
  }
  return out;
}

function levelOf(p: PolicyDef, opts: EvaluateOptions): Enforcement | "disabled" {
  const l = opts.levels?.[p.name] ?? p.enforcement;
  return l === "remediate" ? "mandatory" : l;
}

export function toRes(r: PolicyInputResource): Res {
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    props: (r.props ?? {}) as Obj,
    id: r.id,
    parent: r.parent,
    propertyDependencies: r.propertyDependencies ?? {},
  };
}

// One emitter for every check (no closures allocated per policy and resource); results are copied out only when
// a check reports something, which is rare.
const scratch: Raw[] = [];
const NONE: Raw[] = [];
const EMIT = {
  fail: (message: string) => void scratch.push({ kind: "fail", message }),
  unknown: (message: string) => void scratch.push({ kind: "unknown", message }),
  advise: (message: string) => void scratch.push({ kind: "advise", message }),
};

function runCheck(p: PolicyDef, r: Res, ctx: EvalCtx): Raw[] {
  // Emptied only when used: setting an array's length is a runtime call, ~5% of a 10k-resource evaluation.
  if (scratch.length) scratch.length = 0;
  p.check!(r, ctx, EMIT);
  return scratch.length ? scratch.slice() : NONE;
}

/** Evaluates every control over a whole stack (the preview/update stack, a plan, or exported state). */
export function evaluate(
  resources: readonly PolicyInputResource[],
  config?: unknown,
  opts: EvaluateOptions = {},
): Finding[] {
  const res = resources.map(toRes);
  const ctx: EvalCtx = { cfg: resolveConfig(config), idx: new Index(res), today: opts.today ?? new Date() };
  // One context per policy with its own config (same index and memos); built once, not per resource.
  const ctxOf = new Map<PolicyDef, EvalCtx>();
  for (const p of policies) {
    const own = opts.configs?.[p.name];
    ctxOf.set(p, own === undefined ? ctx : { ...ctx, cfg: resolveConfig(own) });
  }
  // The enabled checks per resource type, with their level and context: worked out once per type, not per resource.
  type Step = { p: PolicyDef; level: Enforcement; pctx: EvalCtx };
  const stepsOf = new Map<string, Step[]>();
  const steps = (type: string): Step[] => {
    let l = stepsOf.get(type);
    if (l) return l;
    l = [];
    for (const p of [...(byType.get(type) ?? []), ...everyType]) {
      const level = levelOf(p, opts);
      if (level !== "disabled" && p.check) l.push({ p, level, pctx: ctxOf.get(p)! });
    }
    stepsOf.set(type, l);
    return l;
  };
  const out: Finding[] = [];
  for (const r of res) {
    for (const { p, level, pctx } of steps(r.type)) {
      const raws = runCheck(p, r, pctx);
      if (raws.length) out.push(...finalize(p, level, r, raws, pctx));
    }
  }
  for (const p of policies) {
    const level = levelOf(p, opts);
    if (level === "disabled" || !p.stack) continue;
    const raws: Raw[] = [];
    const pctx = ctxOf.get(p)!;
    p.stack(pctx, (urn, message) => raws.push({ kind: "fail", message, urn }));
    if (raws.length) out.push(...finalize(p, level, undefined, raws, pctx));
  }
  return out;
}

/**
 * One policy on one resource without the rest of the stack (the engine's per-resource `Analyze`). When the verdict
 * needs another resource (launch template, subnet, role, a group's waiver tags…) it is `deferred` to the stack
 * evaluation, which sees every link.
 */
export function evaluateResource(
  policy: string,
  resource: PolicyInputResource,
  config?: unknown,
  opts: EvaluateOptions = {},
): { findings: Finding[]; deferred: boolean } {
  const p = byName.get(policy);
  if (!p?.check || !(p.types.includes(resource.type) || p.types.includes("*")))
    return { findings: [], deferred: false };
  const level = levelOf(p, opts);
  if (level === "disabled") return { findings: [], deferred: false };
  const r = toRes(resource);
  const idx = new Index([r], true);
  const ctx: EvalCtx = { cfg: resolveConfig(config), idx, today: opts.today ?? new Date() };
  const raws = runCheck(p, r, ctx);
  if (idx.touched) return { findings: [], deferred: true };
  const findings = raws.length ? finalize(p, level, r, raws, ctx) : [];
  if (idx.touched) return { findings: [], deferred: true };
  return { findings, deferred: false };
}

/**
 * Every control that visits the resource's type, on that resource alone (the pack's one per-resource dispatcher):
 * the resource is normalised once and one partial index serves every control. A control whose verdict needs another
 * resource is deferred to the stack evaluation, as in `evaluateResource`.
 */
export function evaluateResourceAll(
  resource: PolicyInputResource,
  configOf: (policy: string) => unknown,
  opts: EvaluateOptions = {},
): Finding[] {
  const ps = byType.get(resource.type);
  const r = toRes(resource);
  const idx = new Index([r], true);
  const today = opts.today ?? new Date();
  const out: Finding[] = [];
  for (const list of ps ? [ps, everyType] : [everyType]) {
    for (const p of list) {
      if (!p.check) continue;
      const level = levelOf(p, opts);
      if (level === "disabled") continue;
      const ctx: EvalCtx = { cfg: resolveConfig(configOf(p.name)), idx, today };
      idx.touched = false;
      const raws = runCheck(p, r, ctx);
      if (idx.touched || !raws.length) continue;
      const fs = finalize(p, level, r, raws, ctx);
      if (!idx.touched) out.push(...fs);
    }
  }
  return out;
}

/** Safe fixes for a resource's inputs (e.g. IMDSv2); undefined when nothing changes. */
export function remediate(
  policy: string,
  type: string,
  props: Record<string, unknown>,
  config?: unknown,
): Record<string, unknown> | undefined {
  const p = byName.get(policy);
  if (!p?.remediate || !p.types.includes(type)) return undefined;
  return p.remediate(type, props as Obj, resolveConfig(config));
}

/** True when any finding blocks (mandatory and not waived). */
export function blocks(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.enforcement === "mandatory");
}
