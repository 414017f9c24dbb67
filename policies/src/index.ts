/**
 * Bulwark's CrossGuard pack: thin adapters over the pure evaluator in ./engine.
 *
 * - Each control is a resource policy: `Analyze` runs it on the resource's inputs alone. Verdicts that need another
 *   resource (launch template, subnet, role, parameter group, a group's waiver tags) are deferred.
 * - One stack policy evaluates every control once over the whole stack at `AnalyzeStack` and reports, under each
 *   control's own name, what `Analyze` did not already report. One stack policy, not one per control, because
 *   @pulumi/policy deserialises every resource again for each stack policy.
 */
import * as path from "path";
import type {
  EnforcementLevel,
  Policies,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  StackValidationArgs,
} from "@pulumi/policy";
import { PolicyPack } from "@pulumi/policy";
import { packConfigJsonSchema } from "./config-schema";
import {
  evaluate,
  evaluateResourceAll,
  policies,
  remediate,
  resolveConfig,
  type Finding,
  type PolicyInputResource,
} from "./engine";
import type { PolicyDef } from "./framework";
import { RESOURCE_POLICY, STACK_POLICY } from "./names";
import { withFasterResponses } from "./response-encoder";

export const PACK_NAME = "bulwark";
export { RESOURCE_POLICY, STACK_POLICY };

/** Levels and properties the engine sent in `Configure`, by policy (the stack policy reports under other names). */
const configuredLevels: Record<string, EnforcementLevel> = {};
const configuredProps: Record<string, unknown> = {};
/** What `Analyze` reported in this run, so `AnalyzeStack` does not repeat it. */
const reported = new Set<string>();
const keyOf = (f: Finding) => `${f.policy}\u0000${f.urn ?? ""}\u0000${f.message}`;

// @pulumi/policy hands each policy only its own config. The stack policy needs every policy's level, so observe
// the Configure RPC on its way in (the SDK still handles it). Without this hook, defaults apply. The same hook
// hands the Analyze/AnalyzeStack responses to a faster, byte-identical encoder.
function observeConfigure(): void {
  try {
    const dir = path.dirname(require.resolve("@pulumi/policy/package.json"));
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [dir] }));
    const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "disabled", "remediate"];
    const addService = grpc.Server.prototype.addService;
    grpc.Server.prototype.addService = function (service: unknown, impl: Record<string, unknown>) {
      // Findings are many on a stack full of violations: write the response bytes natively (same bytes).
      if (impl && typeof impl.analyzeStack === "function") service = withFasterResponses(service, dir);
      if (impl && typeof impl.configure === "function") {
        const inner = impl.configure as (call: unknown, cb: unknown) => unknown;
        impl = {
          ...impl,
          configure(
            call: {
              request: {
                getPolicyconfigMap(): {
                  forEach(
                    fn: (
                      v: { getEnforcementlevel(): number; getProperties(): { toJavaScript(): unknown } | undefined },
                      k: string,
                    ) => void,
                  ): void;
                };
              };
            },
            cb: unknown,
          ) {
            // Like the SDK, each Configure replaces the whole config.
            const levels: Record<string, EnforcementLevel> = {};
            const props: Record<string, unknown> = {};
            try {
              call.request.getPolicyconfigMap().forEach((v, k) => {
                levels[k] = LEVELS[v.getEnforcementlevel()] ?? "advisory";
                props[k] = v.getProperties()?.toJavaScript() ?? {};
              });
            } catch {
              return inner.call(this, call, cb);
            }
            // Validate with zod now, so a bad config fails Configure (named field, value, fix) before any Analyze.
            for (const [k, p] of Object.entries(props)) {
              if (levels[k] === "disabled") continue;
              try {
                resolveConfig(p);
              } catch (e) {
                return (cb as (err: object) => void)({
                  code: grpc.status.INVALID_ARGUMENT,
                  details: `${k}: ${(e as Error).message}`,
                });
              }
            }
            for (const m of [configuredLevels, configuredProps]) for (const k of Object.keys(m)) delete m[k];
            Object.assign(configuredLevels, levels);
            Object.assign(configuredProps, props);
            return inner.call(this, call, cb);
          },
        };
      }
      return addService.call(this, service, impl);
    };
  } catch {
    /* keep defaults */
  }
}

/** The plain deserialised props behind @pulumi/policy's unknown-checking proxy (our policies handle unknowns). */
function rawProps(props: unknown): Record<string, unknown> {
  const p = props as Record<string, unknown> | undefined;
  return ((p && (p["__getSpecialProxyTarget"] as Record<string, unknown>)) ?? p ?? {}) as Record<string, unknown>;
}

function report(reportViolation: ReportViolation, f: Finding, stack: boolean): void {
  // The object form lets one policy report under another name/level; a plain string would get this policy's level.
  const v = {
    name: f.policy,
    description: f.description,
    message: `${f.description}\n${f.message}`,
    urn: f.urn,
    // Per resource the SDK applies the configured level; the stack policy carries each control's own.
    enforcementLevel:
      f.enforcement === "advisory" || stack
        ? f.enforcement
        : configuredLevels[f.policy] === "remediate"
          ? "mandatory"
          : undefined,
    severity: f.severity,
  };
  (reportViolation as unknown as (v: object) => void)(v);
}

/** Metadata every registered control carries in GetAnalyzerInfo. */
function common(p: PolicyDef) {
  return {
    name: p.name,
    description: p.description,
    enforcementLevel: p.enforcement,
    severity: p.severity,
    remediationSteps: p.remediation,
    tags: [p.family, ...p.securityHub.map((id) => `securityhub:${id}`), ...p.cis.map((id) => `cis:${id}`)],
    framework: {
      name: "aws-foundational-security-best-practices",
      version: "1.0.0",
      reference: p.securityHub.join(", "),
      specification: p.cis.length ? `CIS AWS Foundations Benchmark ${p.cis.join(", ")}` : "",
    },
    configSchema: { properties: packConfigJsonSchema as never },
  };
}

// Every control is registered (its metadata, level and config are set like any other), but per resource the one
// dispatcher below runs them all: @pulumi/policy deserialises a resource's properties again for every policy that
// applies, which made Analyze ~1.5× a minimal pack on stacks full of violations. An empty list of validations keeps
// the control a resource policy that the SDK passes over without deserialising anything and without a "not
// applicable" entry (a type tag here cost one such entry per control on every Analyze: ~40 protobuf messages a call).
const resourcePolicies: Policies = policies.map((p) => ({
  ...common(p),
  validateResource: [],
  ...(p.remediate
    ? {
        remediateResource: (args: ResourceValidationArgs) =>
          remediate(p.name, args.type, rawProps(args.props), args.getConfig()),
      }
    : {}),
}));

const dispatcher = {
  name: RESOURCE_POLICY,
  description:
    "Runs every control that applies to a resource on its inputs alone (Analyze) and reports under each control's " +
    "name and level; verdicts that need other resources come from the stack policy.",
  enforcementLevel: "mandatory" as const,
  severity: "high" as const,
  remediationSteps: "See the remediation of the control named in each finding.",
  tags: ["governance"],
  configSchema: { properties: packConfigJsonSchema as never },
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    const r: PolicyInputResource = { urn: args.urn, type: args.type, name: args.name, props: rawProps(args.props) };
    const levels: Record<string, EnforcementLevel> = configuredLevels;
    for (const f of evaluateResourceAll(r, (name) => configuredProps[name], { levels })) {
      reported.add(keyOf(f));
      report(reportViolation, f, true);
    }
  },
};

function toInput(r: PolicyResource): PolicyInputResource {
  const pd: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(r.propertyDependencies ?? {})) pd[k] = (v as PolicyResource[]).map((d) => d.urn);
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    props: rawProps(r.props),
    parent: r.parent?.urn,
    // `dependencies` is left out: no control reads it (links follow ids and propertyDependencies).
    propertyDependencies: pd,
  };
}

const stackPolicy = {
  name: STACK_POLICY,
  description:
    "Runs every control once over the whole stack (cross-resource links: rule and group, instance and " +
    "subnet/launch template/role, secret and rotation, database and parameter group, VPC and flow log) and " +
    "reports under each control's name.",
  enforcementLevel: "mandatory" as const,
  severity: "high" as const,
  remediationSteps: "See the remediation of the control named in each finding.",
  tags: ["governance"],
  configSchema: { properties: packConfigJsonSchema as never },
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const levels: Record<string, EnforcementLevel> = { ...configuredLevels };
    delete levels[STACK_POLICY];
    const findings = evaluate(args.resources.map(toInput), args.getConfig(), { levels, configs: configuredProps });
    // Keys are built only when Analyze reported something in this run (never for a lone AnalyzeStack).
    for (const f of findings) if (!reported.size || !reported.has(keyOf(f))) report(reportViolation, f, true);
    // AnalyzeStack ends a preview or update: the next run starts afresh.
    reported.clear();
  },
};

observeConfigure();

new PolicyPack(PACK_NAME, {
  description: "Bulwark hardening controls for AWS: network, compute, IAM, RDS/MySQL, secrets and detection.",
  displayName: "Bulwark hardening controls",
  enforcementLevel: "mandatory",
  policies: [...resourcePolicies, dispatcher, stackPolicy],
});
