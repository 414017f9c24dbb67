/**
 * The prod estate (index.ts with Pulumi.prod.yaml, run under mocks by the offline plan runner) passes the pack with
 * no mandatory violation: in-process, and through the real pack (Analyze per resource, then AnalyzeStack).
 */
import type { PlannedResource } from "../../cli/plan-runner";
import type { AnalyzerResourceInput } from "../../cli/analyzer";
import { evaluate, type PolicyInputResource } from "../../policies/src/engine";
import { startPack } from "./helpers";
import { prodPlan } from "../setup/prod-plan";

jest.setTimeout(300_000);

const toInput = (r: PlannedResource): PolicyInputResource => ({
  urn: r.urn,
  type: r.type,
  name: r.name,
  props: r.inputs,
  parent: r.parent,
  dependencies: r.dependencies,
  propertyDependencies: r.propertyDependencies,
});

let resources: PolicyInputResource[];
beforeAll(async () => {
  const plan = await prodPlan();
  resources = plan.resources.map(toInput);
});

it("plans a real estate (servers, networks, baseline)", () => {
  const types = new Set(resources.map((r) => r.type));
  for (const t of [
    "aws:ec2/instance:Instance",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/vpc:Vpc",
    "bulwark:security:SecurityBaseline",
  ])
    expect(types).toContain(t);
});

it("has no mandatory violation in-process", () => {
  const mandatory = evaluate(resources).filter((f) => f.enforcement === "mandatory");
  expect(mandatory.map((f) => `${f.policy} ${f.name}: ${f.message}`)).toEqual([]);
});

const c = startPack({ mode: "preview", stack: "prod" }, {});

it("has no mandatory violation through the pack (Analyze each resource, then AnalyzeStack)", async () => {
  const wire = (r: PolicyInputResource): AnalyzerResourceInput => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    props: r.props,
    parent: r.parent,
    dependencies: [...(r.dependencies ?? [])],
    propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, v]) => [k, [...v]])),
  });
  const diags = [];
  for (const r of resources) diags.push(...(await c().analyze(wire(r))).diagnostics);
  const st = await c().analyzeStack(resources.map(wire));
  diags.push(...st.diagnostics);
  expect(diags.filter((d) => d.enforcementLevel === "mandatory").map((d) => `${d.policyName}: ${d.message}`)).toEqual(
    [],
  );
});
