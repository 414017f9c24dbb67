/**
 * What a policy is (pure function + metadata) and the stack index policies use to follow links between
 * resources. Links resolve by id/ARN/name when values are known (update), else through `propertyDependencies`
 * (preview). Lookups are O(1) by URN or reference; no policy ever scans all pairs.
 */
import type { Obj } from "./values";
import { isUnknown, str } from "./values";
import type { ConfigWaiver } from "./config";

export type Severity = "low" | "medium" | "high" | "critical";
/** How a finding of a control is enforced. */
export type Enforcement = "mandatory" | "advisory";
/** A control's configured level (`--policy-pack-config`, the engine's Configure). */
export type EnforcementLevel = Enforcement | "disabled" | "remediate";
export type Family = "network" | "compute" | "iam" | "database" | "secrets" | "detection" | "governance";

export interface PolicyMeta {
  /** `<service>-<resource>-<verb>-…` */
  name: string;
  description: string;
  severity: Severity;
  enforcement: Enforcement;
  family: Family;
  /** AWS Security Hub (FSBP) control ids, e.g. `EC2.19`. */
  securityHub: readonly string[];
  /** CIS AWS Foundations Benchmark v3.0.0 control ids, e.g. `5.2`. */
  cis: readonly string[];
  remediation: string;
  /** How the control treats a value unknown during preview (README). */
  unknowns: string;
}

/** A resource as the evaluator sees it (inputs from Analyze / a plan, or outputs from AnalyzeStack / state). */
export interface PolicyInputResource {
  urn: string;
  type: string;
  name: string;
  props: Record<string, unknown>;
  /** Provider id when known (stack export); outputs usually carry it as `props.id` too. */
  id?: string;
  parent?: string;
  dependencies?: readonly string[];
  propertyDependencies?: Readonly<Record<string, readonly string[]>>;
  provider?: string;
}

export interface Res {
  urn: string;
  type: string;
  name: string;
  props: Obj;
  id?: string;
  parent?: string;
  propertyDependencies: Readonly<Record<string, readonly string[]>>;
}

export interface ResolvedConfig {
  authorizedPorts: readonly number[];
  highRiskPorts: readonly number[];
  remoteAdminPorts: readonly number[];
  adminCidrs: readonly string[];
  internalCidrs: readonly string[];
  hopLimit: number;
  backupDays: number;
  rotationDays: number;
  waivers: readonly ConfigWaiver[];
}

export interface Emit {
  /** A violation of the control. */
  fail(message: string): void;
  /** The control cannot decide because a value is unknown (preview): always advisory. */
  unknown(message: string): void;
  /** A weaker violation the control reports as advisory whatever its level (a valid waiver still marks it). */
  advise(message: string): void;
}

export interface Ctx {
  cfg: ResolvedConfig;
  idx: Index;
  /** "Today" for waiver expiry. */
  today: Date;
}

export interface PolicyDef extends PolicyMeta {
  /** Resource types `check` visits. */
  types: readonly string[];
  check?(r: Res, ctx: Ctx, emit: Emit): void;
  /** Whole-stack check, run once (e.g. "servers but no SecurityBaseline"). Findings carry their own URN. */
  stack?(ctx: Ctx, emit: (urn: string | undefined, message: string) => void): void;
  /** A safe fix for the resource's inputs (offered as `remediate`). */
  remediate?(type: string, props: Obj, cfg: ResolvedConfig): Obj | undefined;
}

export type Link =
  | { status: "found"; res: Res[] }
  /** Referenced by a known value that is not in this stack. */
  | { status: "external"; ref: string }
  /** No reference at all. */
  | { status: "none" }
  /** The reference is unknown, or links are not available (single-resource analysis). */
  | { status: "unknown" };

export class Index {
  readonly byUrn = new Map<string, Res>();
  private readonly byType = new Map<string, Res[]>();
  private readonly byRef = new Map<string, Res[]>();
  private readonly memos = new Map<string, unknown>();
  /** Set when a check asked for another resource; in single-resource mode such a verdict is deferred to the stack. */
  touched = false;

  constructor(
    resources: readonly Res[],
    /** Single-resource analysis (Analyze): links are not available. */
    readonly partial = false,
  ) {
    for (const r of resources) {
      this.byUrn.set(r.urn, r);
      let l = this.byType.get(r.type);
      if (!l) this.byType.set(r.type, (l = []));
      l.push(r);
      this.addRef(r, r.id);
      this.addRef(r, r.props.id);
      this.addRef(r, r.props.arn);
      this.addRef(r, r.props.name);
    }
  }

  private addRef(r: Res, ref: unknown): void {
    if (typeof ref !== "string" || !ref || isUnknown(ref)) return;
    const rl = this.byRef.get(ref);
    if (!rl) this.byRef.set(ref, [r]);
    else if (!rl.includes(r)) rl.push(r);
  }

  ofType(...types: string[]): Res[] {
    this.touched = true;
    if (this.partial) return [];
    if (types.length === 1) return this.byType.get(types[0]) ?? [];
    return types.flatMap((t) => this.byType.get(t) ?? []);
  }

  /** Memoised per-evaluation derived data (e.g. "VPCs that have a flow log"). */
  memo<T>(key: string, fn: () => T): T {
    this.touched = true;
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const v = fn();
    this.memos.set(key, v);
    return v;
  }

  /**
   * Follows a reference held in `value` (read from the top-level input `prop` of `from`) to resources of `types`.
   * Known values match ids, ARNs and names; otherwise (or when not found) `propertyDependencies[prop]` decide.
   */
  resolve(from: Res, prop: string, value: unknown, types: readonly string[]): Link {
    this.touched = true;
    if (this.partial) return { status: "unknown" };
    const s = str(value);
    if (s !== undefined && s !== "unknown" && s !== "") {
      const refs = this.byRef.get(s);
      const hit = refs ? refs.filter((r) => types.includes(r.type)) : [];
      if (hit.length) return { status: "found", res: hit };
    }
    const deps = from.propertyDependencies[prop] ?? [];
    const viaDeps: Res[] = [];
    for (const u of deps) {
      const r = this.byUrn.get(u);
      if (r && types.includes(r.type)) viaDeps.push(r);
    }
    if (viaDeps.length) return { status: "found", res: viaDeps };
    if (s === "unknown") return { status: "unknown" };
    if (s !== undefined && s !== "") return { status: "external", ref: s };
    return { status: "none" };
  }
}
