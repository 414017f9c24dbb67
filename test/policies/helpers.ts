/** Shared by the rule-family tests: finding filters and the one-field mutation harness over the baseline stack. */
import { evaluate, type Finding, type PolicyInputResource } from "../../policies/src/engine";
import { asPreview, baseline, urnOf } from "./fixtures";

export type Stack = PolicyInputResource[];

export function find(stack: Stack, type: string, name: string): PolicyInputResource {
  const r = stack.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`fixture has no ${type} ${name}`);
  return r;
}

export const mandatory = (fs: Finding[]) => fs.filter((f) => f.enforcement === "mandatory");
export const names = (fs: Finding[]) => [...new Set(fs.map((f) => f.policy))].sort();

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
  describe.each([
    ["update", (s: Stack) => s],
    ["preview", asPreview],
  ])("one-field mutations (%s shape)", (_shape, shape) => {
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
