/** Drives the built pack over gRPC as the engine does (shared by the end-to-end tests). */
import type { AnalyzerClient, AnalyzerDiagnostic, AnalyzerResourceInput } from "../../cli/analyzer";
import { secret } from "../../cli/analyzer";
import type { PolicyInputResource } from "../../policies/src/engine";

export function wire(r: PolicyInputResource, secretKeys: string[] = ["userData", "password"]): AnalyzerResourceInput {
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.props)) props[k] = secretKeys.includes(k) && v !== undefined ? secret(v) : v;
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    props,
    dependencies: [...(r.dependencies ?? [])],
    propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, v]) => [k, [...v]])),
  };
}

/** Runs a stack as the engine does: Analyze each resource, then AnalyzeStack; diagnostics attributed to URNs. */
export async function run(
  c: AnalyzerClient,
  stack: PolicyInputResource[],
): Promise<{ analyze: AnalyzerDiagnostic[]; stack: AnalyzerDiagnostic[] }> {
  const analyze: AnalyzerDiagnostic[] = [];
  for (const r of stack) {
    const out = await c.analyze(wire(r));
    for (const d of out.diagnostics) analyze.push({ ...d, urn: d.urn || r.urn });
  }
  const st = await c.analyzeStack(stack.map((r) => wire(r)));
  return { analyze, stack: st.diagnostics };
}
