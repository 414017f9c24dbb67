import { PolicyConfigError } from "../policies/src/config";
import { Option, type Command } from "commander";
import type { ExitHolder } from "./index";
import { changesFromDigest, changesFromEvents, type Change } from "./inputs/changes";
import { addPolicyBreaks, detectDrift, driftSides, type DriftedResource, type DriftSource } from "./inputs/drift";
import { isCredentialPath, maskCredentials, redactOutput, REDACTED, SecretValues } from "./redact";
import { collectChanges } from "./check";
import { toInputResource } from "./inputs/resources";
import { evaluate, resolveConfig, UNKNOWN } from "../policies/src/engine";
import { parsePolicyConfig, type PolicyConfig } from "./check";
import { depthGuard, InputError, inputLabel, parseEventLog, parsePreviewDigest, readInputFile } from "./inputs/load";
import { buildDriftReport, DRIFT_EXIT, formatDriftMarkdown, formatDriftText, type DriftReport } from "./report/drift";
import { emitReports, parseWrites, toolVersion, writeOption } from "./report/io";
import { stderr } from "./streams";

export interface DriftOptions {
  source?: DriftSource;
  /** `--policy-config`: the pack config the policy side of the classification uses. */
  policyConfig?: PolicyConfig;
}

/** A digest is one JSON document; an event stream is one JSON object per line. */
export function loadDriftInput(path: string): { format: "digest" | "events"; changes: Change[] } {
  const text = readInputFile(path);
  const file = inputLabel(path);
  const firstLine = text.slice(0, text.indexOf("\n") >= 0 ? text.indexOf("\n") : undefined).trim();
  let firstIsEvent = false;
  try {
    const o = JSON.parse(firstLine) as Record<string, unknown>;
    firstIsEvent = typeof o === "object" && o !== null && "sequence" in o;
  } catch {
    // a pretty-printed digest's first line is "{"
  }
  if (firstIsEvent) return { format: "events", changes: changesFromEvents(parseEventLog(text, file)) };
  return { format: "digest", changes: changesFromDigest(parsePreviewDigest(text, file)) };
}

export function runDrift(file: string, opts: DriftOptions = {}, secrets?: SecretValues): DriftReport {
  const source = opts.source ?? "refresh";
  const { format, changes } = loadDriftInput(file);
  collectChanges(changes, secrets);
  const checked = changes.filter(
    (c) => c.type !== "pulumi:pulumi:Stack" && !c.type.startsWith("pulumi:providers:"),
  ).length;
  const cfg = opts.policyConfig;
  const drifted = detectDrift(changes, source, packConfig(cfg));
  if (drifted.length > 0) {
    // Besides the per-property rules, the pack itself judges both sides: a new mandatory finding is a broken control.
    const { expected, actual } = driftSides(changes, source);
    const side = (states: typeof expected) => states.map((s) => toInputResource(s, "outputs-over-inputs", UNKNOWN));
    const run = (states: typeof expected) => evaluate(side(states), cfg?.properties, { levels: cfg?.levels });
    let fe, fa;
    try {
      fe = run(expected);
      fa = run(actual);
    } catch (e) {
      if (e instanceof PolicyConfigError) throw new InputError(e.message);
      throw e;
    }
    addPolicyBreaks(drifted, fe, fa);
  }
  return buildDriftReport({ file: inputLabel(file), format, source }, checked, drifted.map(maskDrift), toolVersion());
}

/** The pack's resolved config (its port lists classify exposure); a config the pack refuses is exit 2. */
function packConfig(cfg: PolicyConfig | undefined): ReturnType<typeof resolveConfig> {
  try {
    return resolveConfig(cfg?.properties);
  } catch (e) {
    if (e instanceof PolicyConfigError) throw new InputError(e.message);
    throw e;
  }
}

/** Values on credential-named paths never reach a drift report (the change itself is still reported). */
function maskDrift(d: DriftedResource): DriftedResource {
  return {
    ...d,
    changes: d.changes.map((c) => {
      const cred = isCredentialPath(c.path);
      const mask = (v: unknown) =>
        v === undefined ? v : cred && typeof v !== "boolean" && v !== null ? REDACTED : maskCredentials(v);
      return { ...c, before: mask(c.before), after: mask(c.after) };
    }),
  };
}

const DRIFT_FORMATS = ["text", "json", "markdown"] as const;
type DriftFormat = (typeof DRIFT_FORMATS)[number];

export function register(program: Command, exit: ExitHolder): void {
  program
    .command("drift")
    .description(
      "Report out-of-band changes from `pulumi refresh --preview-only --json` (or `pulumi preview --refresh " +
        "--expect-no-changes --json` with --source preview) and the hardening control each one breaks. " +
        "Exit 0: no drift; 3: drift touching no control; 4: drift breaking a control; 2: bad input.",
    )
    .argument("<file>", "the command's --json output: a preview digest or an engine event stream (NDJSON)")
    .addOption(
      new Option("--source <kind>", "refresh: `pulumi refresh --preview-only`; preview: `pulumi preview --refresh`")
        .choices(["refresh", "preview"])
        .default("refresh"),
    )
    .addOption(new Option("--format <format>", "output format").choices([...DRIFT_FORMATS]).default("text"))
    .option("--policy-config <file>", "policy pack config (same format as `pulumi --policy-pack-config`)")
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .addOption(writeOption("json:drift-report.json"))
    .action(
      (
        file: string,
        o: {
          source: DriftSource;
          format: DriftFormat;
          output?: string;
          write?: string[];
          policyConfig?: string;
        },
      ) => {
        const targets = parseWrites(o.write, DRIFT_FORMATS, o.output);
        if (typeof targets === "string") {
          stderr().write(`bulwark drift: ${targets}\n`);
          exit.code = 2;
          return;
        }
        try {
          const policyConfig = o.policyConfig
            ? parsePolicyConfig(readInputFile(o.policyConfig), o.policyConfig)
            : undefined;
          const secrets = new SecretValues();
          const report = depthGuard(file, () => runDrift(file, { source: o.source, policyConfig }, secrets));
          const render = (format: DriftFormat) =>
            redactOutput(
              format === "json"
                ? JSON.stringify(report, null, 2) + "\n"
                : format === "markdown"
                  ? formatDriftMarkdown(report)
                  : formatDriftText(report),
              secrets,
            );
          emitReports(render, o.format, o.output, targets);
          exit.code = DRIFT_EXIT[report.verdict];
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          stderr().write(redactOutput(`bulwark drift: ${err.message}\n`));
          exit.code = 2;
        }
      },
    );
}
