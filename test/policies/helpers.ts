/**
 * Shared by the rule tests: the engine's two modes, finding filters, the one-field mutation harness over the baseline
 * stack, and the built pack started for end-to-end blocks.
 */
import * as fs from "fs";
import * as path from "path";
import type { AnalyzeMode, AnalyzerClient, StartOptions } from "../../cli/analyzer";
import { evaluate, type Finding, type PolicyInputResource } from "../../policies/src/engine";
import { asPreview, baseline, urnOf } from "./fixtures";

export type Stack = PolicyInputResource[];

/** The engine's two modes and the shape each gives a stack: update (ids known), preview (unknowns, dependencies). */
export const MODES: [AnalyzeMode, (s: Stack) => Stack][] = [
  ["update", (s) => s],
  ["preview", asPreview],
];

export function find(stack: Stack, type: string, name: string): PolicyInputResource {
  const r = stack.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`fixture has no ${type} ${name}`);
  return r;
}

export const mandatory = (fs: Finding[]) => fs.filter((f) => f.enforcement === "mandatory");
export const names = (fs: Finding[]) => [...new Set(fs.map((f) => f.policy))].sort();
/** One control's findings. */
export const findingsOf = (policy: string) => (fs: Finding[]) => fs.filter((f) => f.policy === policy);

/** The day the single-rule tests judge waiver expiry on. */
export const TODAY = new Date("2026-11-30T12:00:00Z");

/** Evaluates the baseline after one change, in a mode's shape, on TODAY. */
export const changedBaseline =
  (shape: (s: Stack) => Stack) =>
  (change: (s: Stack) => void): Finding[] => {
    const s = baseline();
    change(s);
    return evaluate(shape(s), undefined, { today: TODAY });
  };

export interface Mutation {
  what: string;
  type: string;
  name: string;
  change: (props: Record<string, unknown>, stack: Stack) => void;
  expect: string[];
  /** Resource the finding lands on (default: the mutated one). */
  on?: [string, string];
}

/** Each mutation of the compliant baseline must trip exactly the controls it names, in update and preview shapes. */
export function mutationSuite(m: Mutation[]): void {
  describe.each(MODES)("one-field mutations (%s shape)", (_shape, shape) => {
    it.each(m.map((x) => [x.what, x] as const))("%s", (_what, mu) => {
      const stack = baseline();
      const target = find(stack, mu.type, mu.name);
      mu.change(target.props, stack);
      const fs = mandatory(evaluate(shape(stack)));
      expect(names(fs)).toEqual([...mu.expect].sort());
      const [ot, on] = mu.on ?? [mu.type, mu.name];
      expect(fs.some((f) => f.policy === mu.expect[0] && f.urn === urnOf(ot, on))).toBe(true);
      for (const f of fs) expect(f.message.length).toBeGreaterThan(10);
    });
  });
}

export const PACK = path.resolve(__dirname, "../../policies");

function newestMtime(dir: string, ext: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestMtime(p, ext));
    else if (p.endsWith(ext)) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

/** The pack ships built JS (npm ci runs `prepare`); a stale build would test old code. */
function assertPackBuilt(): void {
  const bin = path.join(PACK, "bin");
  if (!fs.existsSync(path.join(bin, "index.js")))
    throw new Error(`${bin}/index.js missing: run npm ci --prefix policies`);
  if (newestMtime(path.join(PACK, "src"), ".ts") > newestMtime(bin, ".js"))
    throw new Error("policies/bin is older than policies/src: run npm run build --prefix policies");
}

/**
 * Starts the built pack (run-policy-pack, gRPC) before the enclosing block's tests, configured from `config` (a
 * --policy-pack-config file) when given, and closes it after them. Returns the running client. It starts as
 * `bulwark plan` starts it, with the plan's preload (the V8 code cache, the SDK's closure libraries on first use):
 * ~0.2 s of CPU less per start. pack.e2e starts it bare (`preload: []`), exactly as the engine does.
 */
export function startPack(
  opts: StartOptions,
  config?: Parameters<AnalyzerClient["configureFromFile"]>[0],
): () => AnalyzerClient {
  let c: AnalyzerClient | undefined;
  beforeAll(async () => {
    assertPackBuilt();
    // Loaded here so the in-process rule tests never load gRPC.
    const { AnalyzerClient } = await import("../../cli/analyzer");
    const { PACK_PRELOAD } = await import("../../cli/report/pack-verdict");
    c = await AnalyzerClient.start(PACK, { preload: [PACK_PRELOAD], ...opts });
    if (config) await c.configureFromFile(config);
  });
  afterAll(() => c?.close());
  return () => {
    if (!c) throw new Error("the pack did not start (see the beforeAll error)");
    return c;
  };
}
