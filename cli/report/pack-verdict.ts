/**
 * The pack's verdict on planned resources through the real engine path (cli/analyzer.ts): the pack is started as
 * the Pulumi CLI starts it, configured like `--policy-pack-config`, then every resource goes through `Analyze`
 * (its inputs) and the whole estate, with parents and property dependencies, through `AnalyzeStack`.
 */
import * as path from "node:path";
import { AnalyzerClient, secret, type AnalyzerDiagnostic, type AnalyzerResourceInput } from "../analyzer";
import type { PlannedResource } from "../plan-runner";
import { policyMetadata, resolveConfig } from "../../policies/src/engine";
import { InputError } from "../inputs/load";
import { parsePath, type PathSegment } from "../inputs/paths";
import { buildCheckReport, type CheckReport, type ReportFinding, type Severity } from "./model";
import { policyInfos, type PolicyConfig } from "../check";
import { toolVersion } from "./io";

export const PACK_DIR = path.join(__dirname, "..", "..", "policies");
/** What `bulwark plan` preloads in the pack it starts (`node -r`). */
export const PACK_PRELOAD = path.join(__dirname, "..", "pack-preload.js");

/** Marks the masked secret paths as secrets again, so the wire carries secret objects as the engine sends them. */
function withSecrets(inputs: Record<string, unknown>, secretPaths: readonly string[] = []): Record<string, unknown> {
  if (secretPaths.length === 0) return inputs;
  const copy = structuredClone(inputs);
  for (const p of secretPaths) {
    const segs: PathSegment[] = parsePath(p);
    let cur: unknown = copy;
    for (let i = 0; i < segs.length - 1 && cur && typeof cur === "object"; i++)
      cur = (cur as Record<string | number, unknown>)[segs[i]];
    const last = segs[segs.length - 1];
    if (cur && typeof cur === "object" && last !== undefined && last in (cur as object))
      (cur as Record<string | number, unknown>)[last] = secret((cur as Record<string | number, unknown>)[last]);
  }
  return copy;
}

function toAnalyzerResource(r: PlannedResource): AnalyzerResourceInput {
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    props: withSecrets(r.inputs, r.secretPaths),
    parent: r.parent,
    dependencies: r.dependencies,
    propertyDependencies: r.propertyDependencies,
  };
}

const SEVERITIES = new Set<Severity>(["low", "medium", "high", "critical"]);

function toFinding(d: AnalyzerDiagnostic, byUrn: Map<string, PlannedResource>): ReportFinding {
  const meta = policyMetadata.find((p) => p.name === d.policyName);
  const severity: Severity = SEVERITIES.has(d.severity as Severity)
    ? (d.severity as Severity)
    : (meta?.severity ?? "medium");
  const r = d.urn ? byUrn.get(d.urn) : undefined;
  return {
    policy: d.policyName,
    severity,
    enforcement: d.enforcementLevel === "mandatory" || d.enforcementLevel === "remediate" ? "mandatory" : "advisory",
    ...(d.urn ? { urn: d.urn } : {}),
    ...(r ? { resourceType: r.type, resourceName: r.name } : {}),
    // The SDK sends `description\nmessage`; keep the violation itself.
    ...waivedOf(
      d.message.startsWith(`${d.description}\n`) ? d.message.slice(d.description.length + 1).trim() : d.message.trim(),
      d.enforcementLevel,
    ),
  };
}

/** The pack marks a waived finding (advisory) with `[waived by <approver> until <expires>: <reason>]` (engine.ts). */
function waivedOf(message: string, level: string): Pick<ReportFinding, "message" | "waived"> {
  const m = level === "advisory" ? / \[waived by (.+?) until (\d{4}-\d{2}-\d{2}): (.+)\]$/s.exec(message) : null;
  return m
    ? { message: message.slice(0, m.index), waived: { approver: m[1], expires: m[2], reason: m[3] } }
    : { message };
}

/**
 * Starts the pack as the engine does, with the SDK's unused closure libraries loading on first use (~0.4 s of
 * CPU: cli/pack-preload.js). `bulwark plan` starts it while the plan runs (its start-up overlaps the plan on
 * another core) and hands the promise to packVerdict; a rejection is reported there.
 */
export function startPack(): Promise<AnalyzerClient> {
  const preload = [PACK_PRELOAD];
  const started = AnalyzerClient.start(PACK_DIR, { mode: "preview", stack: "plan", project: "bulwark", preload });
  started.catch(() => undefined); // reported when awaited
  return started;
}

/** Stops a pack started early and not used (the plan or the policy config failed). */
export async function stopPack(started: Promise<AnalyzerClient>): Promise<void> {
  await started.then(
    (c) => c.close(),
    () => undefined,
  );
}

/** Runs the pack over a plan; throws InputError when the pack cannot start or rejects the config. */
export async function packVerdict(
  resources: PlannedResource[],
  config?: PolicyConfig,
  rawConfig?: Record<string, unknown>,
  started: Promise<AnalyzerClient> = startPack(),
): Promise<CheckReport> {
  let client: AnalyzerClient;
  try {
    client = await started;
  } catch (e) {
    throw new InputError(
      `cannot start the policy pack in ${PACK_DIR}: ${(e as Error).message.split("\n")[0]} ` +
        `(run: npm ci --prefix policies)`,
    );
  }
  try {
    try {
      await client.configureFromFile((rawConfig ?? {}) as Parameters<AnalyzerClient["configureFromFile"]>[0]);
    } catch (e) {
      throw new InputError(`policy config rejected by the pack: ${(e as Error).message}`);
    }
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const inputs = resources.map(toAnalyzerResource);
    const diags: AnalyzerDiagnostic[] = [];
    // Several Analyze calls in flight (the engine, too, analyses resources as steps are generated in parallel).
    const perResource: AnalyzerDiagnostic[][] = new Array(inputs.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < inputs.length; i = next++) {
        const r = inputs[i];
        perResource[i] = (await client.analyze(r)).diagnostics.map((d) => ({ ...d, urn: d.urn || r.urn }));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    for (const d of perResource) diags.push(...d);
    diags.push(...(await client.analyzeStack(inputs)).diagnostics);
    // A control can report through Analyze and again through AnalyzeStack: one finding each.
    const seen = new Set<string>();
    const findings = diags
      .filter((d) => d.enforcementLevel !== "disabled")
      .map((d) => toFinding(d, byUrn))
      .filter((f) => {
        const k = `${f.policy}\u0000${f.urn ?? ""}\u0000${f.message}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    return buildCheckReport(
      { kind: "plan" },
      resources.length,
      findings,
      policyInfos(config?.levels ?? {}),
      toolVersion(),
    );
  } finally {
    await client.close();
  }
}

/** An InputError as `bulwark plan`'s exit-2 message; anything else propagates. */
function planInputError(e: unknown): { ok: false; error: string } {
  if (e instanceof InputError) return { ok: false, error: `bulwark plan: ${e.message}` };
  throw e;
}

/** `--policy-config` as `bulwark plan` hands it to the pack: parsed (Configure's input) and as written. */
export interface PlanPolicyConfig {
  config?: PolicyConfig;
  raw?: Record<string, unknown>;
}

/**
 * Reads and validates `--policy-config` before anything is planned, so a bad file costs no plan and no pack.
 * Errors are `bulwark plan: <file>: ...` for exit 2.
 */
export async function readPlanPolicyConfig(
  file?: string,
): Promise<{ ok: true; value: PlanPolicyConfig } | { ok: false; error: string }> {
  if (!file) return { ok: true, value: {} };
  const { parsePolicyConfig } = await import("../check");
  const { readInputFile } = await import("../inputs/load");
  try {
    const text = readInputFile(file);
    const config = parsePolicyConfig(text, file);
    const raw = text.trim() ? (JSON.parse(text) as Record<string, unknown>) : {};
    // The engine validates properties against the policies' schemas before Configure; the pack's own rules
    // (the same ones, in zod) give the message naming field, value and fix.
    try {
      resolveConfig(config.properties);
    } catch (e) {
      throw new InputError(`${file}: ${(e as Error).message}`);
    }
    return { ok: true, value: { config, raw } };
  } catch (e) {
    return planInputError(e);
  }
}

/** `bulwark plan`'s hook: runs the pack with the read `--policy-config` and renders the text verdict. */
export async function packVerdictForPlan(
  resources: PlannedResource[],
  policy: PlanPolicyConfig,
  started?: Promise<AnalyzerClient>,
  /** The stack's private admin ranges (cli/report/stack-admin-cidrs.ts), added to the pack's adminCidrs. */
  stackAdminCidrs: readonly string[] = [],
): Promise<{ ok: true; report: CheckReport; text: string } | { ok: false; error: string }> {
  const { formatText } = await import("./text");
  try {
    const { withAdminCidrs } = await import("./stack-admin-cidrs");
    const report = await packVerdict(resources, policy.config, withAdminCidrs(policy.raw, stackAdminCidrs), started);
    started = undefined; // packVerdict closed it
    return { ok: true, report, text: formatText(report).replace(/^bulwark check:/, "policy pack (analyzer):") };
  } catch (e) {
    return planInputError(e);
  } finally {
    if (started) await stopPack(started);
  }
}
