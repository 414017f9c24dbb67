/**
 * `bulwark check --preview FILE | --events FILE | --state FILE [--policy-config FILE] [--format ...]`: the policy
 * pack's controls, evaluated in-process (policies/src/engine.ts) on what the Pulumi CLI wrote.
 * Exit 0 clean, 1 a mandatory violation that is not waived, 2 usage / policy config / bad input.
 */
import { PolicyConfigError } from "../policies/src/config";
import { Option, type Command } from "commander";
import { evaluate, policyMetadata, UNKNOWN, type EnforcementLevel, type Finding } from "../policies/src/engine";
import type { ExitHolder } from "./index";
import { changesFromDigest, changesFromEvents } from "./inputs/changes";
import {
  depthGuard,
  InputError,
  inputLabel,
  parseDeployment,
  parseEventLog,
  parsePreviewDigest,
  readInputFile,
  type InputKind,
} from "./inputs/load";
import { streamStateResources } from "./inputs/stream-state";
import { resourcesFromChanges, resourcesFromDeployment, type InputResource } from "./inputs/resources";
import {
  buildCheckReport,
  CHECK_FORMATS,
  formatCheckReport,
  type CheckFormat,
  type CheckReport,
  type PolicyInfo,
  type ReportFinding,
} from "./report";
import { emitReports, parseWrites, toolVersion, writeOption } from "./report/io";
import { redactOutput, SecretValues } from "./redact";
import type { Change } from "./inputs/changes";
import { stderr } from "./streams";

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** A `--policy-pack-config` file, split the way the pack reads it: levels per policy, one property object. */
export interface PolicyConfig {
  levels: Record<string, EnforcementLevel>;
  properties: Record<string, unknown> | undefined;
}

/**
 * Parses a `--policy-pack-config` file (pulumi-cli-formats §3.4): keys are policy names or `all` (plus ESC
 * `environments`); a value is a level or `{enforcementLevel?, ...properties}`. Properties are merged (`all` first)
 * and validated by the pack's own config schema.
 */
export function parsePolicyConfig(text: string, file: string): PolicyConfig {
  let doc: unknown;
  if (text.trim() === "") doc = {};
  else {
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
    }
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    throw new InputError(`${file}: a policy config is a JSON object of policy name (or "all") -> level or settings`);
  const known = new Set(policyMetadata.map((p) => p.name));
  const levels: Record<string, EnforcementLevel> = {};
  let properties: Record<string, unknown> | undefined;
  const entries = Object.entries(doc as Record<string, unknown>).filter(([k]) => k !== "environments");
  // `all` first, then per policy, as the engine applies them.
  entries.sort(([a], [b]) => Number(b === "all") - Number(a === "all"));
  for (const [key, value] of entries) {
    if (key !== "all" && !known.has(key))
      throw new InputError(
        `${file}: "${key}" is not a policy of the pack; use "all" or one of: ${[...known].sort().join(", ")}`,
      );
    const names = key === "all" ? [...known] : [key];
    let level: unknown;
    if (typeof value === "string") level = value;
    else if (value && typeof value === "object" && !Array.isArray(value)) {
      const { enforcementLevel, ...props } = value as Record<string, unknown>;
      level = enforcementLevel;
      if (Object.keys(props).length) properties = { ...properties, ...props };
    } else
      throw new InputError(
        `${file}: ${key} = ${JSON.stringify(value)}: use a level (${LEVELS.join(", ")}) or an object`,
      );
    if (level !== undefined) {
      if (!LEVELS.includes(level as EnforcementLevel))
        throw new InputError(
          `${file}: ${key}.enforcementLevel = ${JSON.stringify(level)}: use one of ${LEVELS.join(", ")}`,
        );
      for (const n of names) levels[n] = level as EnforcementLevel;
    }
  }
  return { levels, properties };
}

export function policyInfos(levels: Record<string, EnforcementLevel>): PolicyInfo[] {
  return policyMetadata.flatMap((p) => {
    const level = levels[p.name] ?? p.enforcement;
    if (level === "disabled") return [];
    return [
      {
        name: p.name,
        description: p.description,
        remediation: p.remediation,
        severity: p.severity,
        enforcement: level === "advisory" ? ("advisory" as const) : ("mandatory" as const),
        controls: [...p.securityHub.map((id) => `FSBP ${id}`), ...p.cis.map((id) => `CIS ${id}`)],
      },
    ];
  });
}

function toReportFinding(f: Finding, byUrn: Map<string, InputResource>): ReportFinding {
  const r = f.urn ? byUrn.get(f.urn) : undefined;
  return {
    policy: f.policy,
    severity: f.severity,
    enforcement: f.enforcement,
    ...(f.urn ? { urn: f.urn } : {}),
    ...((f.type ?? r?.type) ? { resourceType: f.type ?? r?.type } : {}),
    ...((f.name ?? r?.name) ? { resourceName: f.name ?? r?.name } : {}),
    message: f.message,
    ...(f.waived ? { waived: f.waived } : {}),
    ...(r?.source ? { source: r.source } : {}),
  };
}

/** Reads an input file into policy-input resources (secrets masked, unknowns as the engine's sentinel). */
export function loadResources(kind: InputKind, path: string, secrets?: SecretValues): InputResource[] {
  const file = inputLabel(path);
  if (kind === "state") {
    // A big export is streamed resource by resource (cli/inputs/stream-state.ts); anything it is unsure of, and
    // small files, take the whole-file path below.
    const streamed = streamStateResources(path, file, UNKNOWN, secrets);
    if (streamed) return streamed;
    // The text and then each raw resource are let go as soon as they are read: a 150k-resource export is
    // ~400 MB of text and more as objects, and holding all three copies at once was what made it slow.
    const d = parseDeployment(readInputFile(path), file);
    if (secrets) for (const r of d.deployment.resources ?? []) secrets.collect(r.inputs).collect(r.outputs);
    return resourcesFromDeployment(d, UNKNOWN, true);
  }
  const text = readInputFile(path);
  switch (kind) {
    case "preview": {
      const digest = parsePreviewDigest(text, file);
      const shown = (digest.steps ?? []).filter((st) => st.op === "same").length;
      const same = digest.changeSummary?.same ?? 0;
      // Without --show-sames the digest holds only the root stack of the unchanged resources: say so.
      if (same > shown + 1)
        stderr().write(
          `bulwark check: note: ${same - shown} unchanged resources are not in ${file}; ` +
            `run \`pulumi preview --json --show-sames\` to check the whole estate\n`,
        );
      return resourcesFromChanges(collectChanges(changesFromDigest(digest), secrets), UNKNOWN);
    }
    case "events":
      return resourcesFromChanges(collectChanges(changesFromEvents(parseEventLog(text, file)), secrets), UNKNOWN);
  }
}

/** Records the credential values of both sides of each change, so no output prints them. */
export function collectChanges(changes: Change[], secrets?: SecretValues): Change[] {
  if (secrets)
    for (const c of changes) for (const s of [c.old, c.new]) if (s) secrets.collect(s.inputs).collect(s.outputs);
  return changes;
}

/** Evaluates the pack on resources and builds the report (shared by `check` and `plan`). */
export function checkResources(
  resources: InputResource[],
  input: CheckReport["input"],
  config: PolicyConfig = { levels: {}, properties: undefined },
  today?: Date,
): CheckReport {
  let findings: Finding[];
  try {
    findings = evaluate(resources, config.properties, { levels: config.levels, today });
  } catch (e) {
    // The pack's config validation names field, value and fix.
    if (e instanceof PolicyConfigError) throw new InputError(e.message);
    throw e;
  }
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  return buildCheckReport(
    input,
    resources.length,
    findings.map((f) => toReportFinding(f, byUrn)),
    policyInfos(config.levels),
    toolVersion(),
  );
}

export function runCheck(
  kind: InputKind,
  file: string,
  policyConfigFile?: string,
  today?: Date,
  secrets?: SecretValues,
): CheckReport {
  const config = policyConfigFile
    ? parsePolicyConfig(readInputFileAllowEmpty(policyConfigFile), policyConfigFile)
    : undefined;
  return depthGuard(file, () =>
    checkResources(loadResources(kind, file, secrets), { kind, file: inputLabel(file) }, config, today),
  );
}

function readInputFileAllowEmpty(file: string): string {
  try {
    return readInputFile(file);
  } catch (e) {
    if (e instanceof InputError && e.reason === "empty") return "";
    throw e;
  }
}

export function register(program: Command, exit: ExitHolder): void {
  program
    .command("check")
    .description(
      "Run the policy pack on a `pulumi preview --json` digest, an engine event log or a `pulumi stack export`. " +
        "Exit 0: clean; 1: mandatory violation; 2: usage, policy config or bad input.",
    )
    .option("--preview <file>", "`pulumi preview --json [--show-sames]` output (the digest)")
    .option("--events <file>", "engine event log, JSON lines (`PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true ... --json`)")
    .option("--state <file>", "`pulumi stack export` deployment (version 3 or 4)")
    .option("--policy-config <file>", "policy config, same format as `pulumi --policy-pack-config`")
    .addOption(new Option("--format <format>", "output format").choices([...CHECK_FORMATS]).default("text"))
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .addOption(writeOption("markdown:bulwark.md"))
    .action(
      (o: {
        preview?: string;
        events?: string;
        state?: string;
        policyConfig?: string;
        format: CheckFormat;
        output?: string;
        write?: string[];
      }) => {
        const targets = parseWrites(o.write, CHECK_FORMATS, o.output);
        if (typeof targets === "string") {
          stderr().write(`bulwark check: ${targets}\n`);
          exit.code = 2;
          return;
        }
        const given = (["preview", "events", "state"] as const).filter((k) => o[k] !== undefined);
        if (given.length !== 1) {
          stderr().write(
            `bulwark check: give exactly one input: --preview FILE, --events FILE or --state FILE` +
              `${given.length ? ` (got ${given.map((g) => `--${g}`).join(", ")})` : ""}\n`,
          );
          exit.code = 2;
          return;
        }
        const kind = given[0];
        try {
          const secrets = new SecretValues();
          const report = runCheck(kind, o[kind]!, o.policyConfig, undefined, secrets);
          emitReports((f) => redactOutput(formatCheckReport(report, f), secrets), o.format, o.output, targets);
          exit.code = report.verdict === "pass" ? 0 : 1;
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          stderr().write(redactOutput(`bulwark check: ${err.message}\n`));
          exit.code = 2;
        }
      },
    );
}
