import { BulwarkError } from "../../components/errors";
import { readFileSync, statSync } from "node:fs";
import { z } from "zod";
import { tooDeepAt, tooDeepMessage } from "./depth";
import { digestFailure, eventsFailure, failedRunMessage } from "./failed-run";
import {
  engineEventSchema,
  previewDigestSchema,
  untypedDeploymentSchema,
  resourceV3Schema,
  KNOWN_DEPLOYMENT_FEATURES,
  type EngineEvent,
  type PreviewDigest,
  type UntypedDeployment,
} from "./schemas";

/** A bad input file: the CLI prints the message (never a stack trace) and exits 2. */
export class InputError extends BulwarkError {
  /** `empty`: the file or stream held nothing (a policy config may be empty; an input may not). */
  constructor(
    message: string,
    readonly reason: "empty" | "other" = "other",
  ) {
    super(message);
  }
}

/** Documents below this size are scanned for nesting before parsing (cheap); larger ones on overflow only. */
const DEPTH_SCAN_CHARS = 4 * 1024 * 1024;

/**
 * Runs a reader over an input; a stack overflow (nesting past what the recursive readers take) becomes an
 * InputError naming the file and the limit instead of "Maximum call stack size exceeded".
 */
export function depthGuard<T>(path: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (!(err instanceof RangeError) || !/call stack/i.test(err.message)) throw err;
    let at: number | undefined;
    try {
      at = path === "-" ? undefined : tooDeepAt(readFileSync(path, "utf8"));
    } catch {
      at = undefined;
    }
    throw new InputError(tooDeepMessage(inputLabel(path), at));
  }
}

export type InputKind = "preview" | "events" | "state";

const HOW_TO_PRODUCE: Record<InputKind, string> = {
  preview: "pulumi preview --json > preview.json",
  events: "PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true pulumi preview --json > events.ndjson",
  state: "pulumi stack export --file state.json",
};

const STDIN_PATHS = new Set(["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"]);

/** `-` means stdin; messages name it so. */
export function inputLabel(file: string): string {
  return file === "-" ? "stdin" : file;
}

/**
 * Reads an input whole. `-` reads stdin; pipes and devices (`/dev/stdin`, process substitution) have no size
 * up front, so only a regular file is judged empty before reading.
 */
export function readInputFile(file: string): string {
  const label = inputLabel(file);
  let text: string;
  // /dev/stdin cannot be opened when stdin is a socket (ENXIO): read descriptor 0 itself.
  if (file === "-" || STDIN_PATHS.has(file)) {
    try {
      text = readFileSync(0, "utf8");
    } catch (err) {
      throw new InputError(`${label}: cannot read stdin: ${(err as Error).message}`);
    }
  } else {
    let regular: boolean;
    try {
      const st = statSync(file);
      if (st.isDirectory()) throw new InputError(`${label}: is a directory; give the file the Pulumi CLI wrote`);
      regular = st.isFile();
      if (regular && st.size === 0) throw new InputError(`${label}: the file is empty`, "empty");
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(`${label}: cannot read the file (does it exist?)`);
    }
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new InputError(`${label}: cannot read the file: ${(err as Error).message}`);
    }
  }
  if (text.length === 0)
    throw new InputError(
      `${label}: ${file === "-" || STDIN_PATHS.has(file) ? "stdin" : "the input"} is empty`,
      "empty",
    );
  return text;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || "(top level)";
}

/** Turns zod issues into one message naming the field, what was found and what is expected. */
function schemaError(
  file: string,
  what: string,
  err: z.ZodError,
  root: unknown,
  kind: InputKind,
  prefix = "",
): InputError {
  const lines = err.issues.slice(0, 5).map((i) => {
    let found: unknown = root;
    for (const p of i.path)
      found = found && typeof found === "object" ? (found as Record<PropertyKey, unknown>)[p] : undefined;
    return `  ${prefix}${formatPath(i.path)}: ${i.message} (found ${describe(found)})`;
  });
  const more = err.issues.length > 5 ? `\n  ... and ${err.issues.length - 5} more` : "";
  return new InputError(
    `${file}: not a valid ${what}:\n${lines.join("\n")}${more}\nProduce it with: ${HOW_TO_PRODUCE[kind]}`,
  );
}

/** A parse error at (or next to) the last byte means the document stops early. */
function looksTruncated(text: string, message: string): boolean {
  if (/Unexpected end|Unterminated|end of JSON/i.test(message)) return true;
  const m = /position (\d+)/.exec(message);
  return m !== null && Number(m[1]) >= text.trimEnd().length - 1;
}

function parseJson(text: string, file: string, kind: InputKind): unknown {
  // A full scan costs seconds on a 150k-resource export: small documents are scanned, big ones only when a
  // reader overflows (depthGuard).
  if (text.length < DEPTH_SCAN_CHARS) {
    const deep = tooDeepAt(text);
    if (deep !== undefined) throw new InputError(tooDeepMessage(file, deep));
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const truncated = looksTruncated(text, (err as Error).message);
    throw new InputError(
      `${file}: not valid JSON (${(err as Error).message})${truncated ? "; the file looks truncated" : ""}.\n` +
        `Produce it with: ${HOW_TO_PRODUCE[kind]}`,
    );
  }
}

/** Says which Pulumi output a parsed document looks like, to point users at the right flag. */
function sniff(doc: unknown): InputKind | "checkpoint" | undefined {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return undefined;
  const o = doc as Record<string, unknown>;
  if ("checkpoint" in o) return "checkpoint";
  if ("deployment" in o && "version" in o) return "state";
  if ("steps" in o || "changeSummary" in o) return "preview";
  if ("sequence" in o && "timestamp" in o) return "events";
  return undefined;
}

function wrongKind(file: string, expected: InputKind, found: ReturnType<typeof sniff>): InputError | undefined {
  if (found === undefined || found === expected) return undefined;
  if (found === "checkpoint")
    return new InputError(
      `${file}: this is a DIY backend checkpoint file, not a stack export. Run \`${HOW_TO_PRODUCE.state}\` ` +
        `and pass --state.`,
    );
  return new InputError(`${file}: this looks like ${LABEL[found]}, not ${LABEL[expected]}: pass it with --${found}.`);
}

const LABEL: Record<InputKind, string> = {
  preview: "a `pulumi preview --json` digest",
  events: "an engine event log (JSON lines)",
  state: "a `pulumi stack export` deployment",
};

export function parsePreviewDigest(text: string, file: string): PreviewDigest {
  const doc = parseJson(text, file, "preview");
  const wrong = wrongKind(file, "preview", sniff(doc));
  if (wrong) throw wrong;
  if (doc && typeof doc === "object" && !Array.isArray(doc)) {
    const failed = digestFailure(doc as Record<string, unknown>);
    if (failed) throw new InputError(failedRunMessage(file, failed));
  }
  requireDigestShape(doc, file);
  const r = previewDigestSchema.safeParse(doc);
  if (!r.success) throw schemaError(file, LABEL.preview, r.error, doc, "preview");
  return r.data;
}

/**
 * A digest is recognised positively: an object with `steps` (the engine always lists at least the root stack's
 * step) and `changeSummary`. Anything else (`{}`, another tool's JSON) is refused, never read as "no changes".
 */
function requireDigestShape(doc: unknown, file: string): void {
  const o = doc && typeof doc === "object" && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  const problems: string[] = [];
  if (!o) problems.push(`the document is ${describe(doc)}, not an object`);
  else {
    if (!Array.isArray(o.steps))
      problems.push(`\`steps\` is missing (found ${describe(o.steps)}; expected an array of steps)`);
    else if (o.steps.length === 0) problems.push("`steps` is empty (the engine always lists the root stack's step)");
    if (!o.changeSummary || typeof o.changeSummary !== "object" || Array.isArray(o.changeSummary))
      problems.push(
        `\`changeSummary\` is missing (found ${describe(o.changeSummary)}; expected an object of op -> count)`,
      );
  }
  if (problems.length > 0)
    throw new InputError(
      `${file}: not ${LABEL.preview}: ${problems.join("; ")}.\n` +
        `Expected the document \`pulumi preview --json\` prints: {"steps": [...], "changeSummary": {...}, ` +
        `"duration": ..., ...}.\n` +
        `Produce it with: ${HOW_TO_PRODUCE.preview}`,
    );
}

/** The deployment envelope alone: resources are validated one by one (parseDeployment). */
const deploymentEnvelopeSchema = untypedDeploymentSchema.extend({
  deployment: untypedDeploymentSchema.shape.deployment.extend({ resources: z.array(z.unknown()).optional() }),
});

export function parseDeployment(text: string, file: string): UntypedDeployment {
  const doc = parseJson(text, file, "state");
  // Let the text go before validating: a 150k-resource export is ~400 MB of it.
  text = ""; // eslint-disable-line no-useless-assignment -- releases the string for GC
  const wrong = wrongKind(file, "state", sniff(doc));
  if (wrong) throw wrong;
  // Validated in parts, without zod's copy of every resource (twice the memory at 150k resources); the schemas
  // have no defaults or transforms, so the checked document is the result. On a bad resource, the whole-document
  // parse gives the same messages as before.
  const envelope = deploymentEnvelopeSchema.safeParse(doc);
  if (!envelope.success) throw schemaError(file, LABEL.state, envelope.error, doc, "state");
  const resources = (doc as { deployment: { resources?: unknown[] } }).deployment.resources ?? [];
  for (const res of resources)
    if (!resourceV3Schema.safeParse(res).success) {
      const full = untypedDeploymentSchema.safeParse(doc);
      if (!full.success) throw schemaError(file, LABEL.state, full.error, doc, "state");
    }
  const r = { data: doc as UntypedDeployment };
  const unknownFeatures = (r.data.features ?? []).filter(
    (f) => !(KNOWN_DEPLOYMENT_FEATURES as readonly string[]).includes(f),
  );
  if (unknownFeatures.length > 0)
    throw new InputError(
      `${file}: deployment lists feature(s) ${unknownFeatures.join(", ")} that Bulwark does not know; ` +
        `export with an older format (\`pulumi stack export --version 3\`) or update Bulwark`,
    );
  return r.data;
}

/** NDJSON: one apitype.EngineEvent per line. A run always ends with `cancelEvent`; without it the log is cut short. */
export function parseEventLog(text: string, file: string): EngineEvent[] {
  const events: EngineEvent[] = [];
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === "") continue;
    let doc: unknown;
    const deep = line.length < DEPTH_SCAN_CHARS ? tooDeepAt(line) : undefined;
    if (deep !== undefined) throw new InputError(tooDeepMessage(`${file}:${n + 1}`, deep));
    try {
      doc = JSON.parse(line);
    } catch (err) {
      if (n === 0 && sniff(safeParse(text)) !== undefined) throw wrongKind(file, "events", sniff(safeParse(text)))!;
      const truncated = n >= lines.length - 2 && looksTruncated(line, (err as Error).message);
      throw new InputError(
        `${file}:${n + 1}: not a JSON line (${(err as Error).message})` +
          `${truncated ? "; the log looks truncated" : ""}.\nProduce it with: ${HOW_TO_PRODUCE.events}`,
      );
    }
    if (n === 0) {
      const wrong = wrongKind(file, "events", sniff(doc));
      if (wrong) throw wrong;
    }
    const r = engineEventSchema.safeParse(doc);
    if (!r.success) throw schemaError(`${file}:${n + 1}`, "engine event", r.error, doc, "events");
    events.push(r.data);
  }
  if (events.length === 0) throw new InputError(`${file}: no events in the file`);
  const failed = eventsFailure(events);
  if (failed) throw new InputError(failedRunMessage(file, failed));
  // Recognised positively: a run's stream opens with the prelude and reports each resource it touched.
  const missing = [
    events.some((e) => e.preludeEvent) ? "" : "no preludeEvent (the engine writes it first, with the run's config)",
    events.some((e) => e.resourcePreEvent || e.resOutputsEvent)
      ? ""
      : "no resourcePreEvent or resOutputsEvent (no resource was reported)",
  ].filter(Boolean);
  if (missing.length > 0)
    throw new InputError(
      `${file}: not ${LABEL.events} of a run: ${missing.join("; ")}.\n` +
        `Expected one engine event per line: preludeEvent, resourcePreEvent/resOutputsEvent per resource, ` +
        `summaryEvent, cancelEvent.\n` +
        `Produce it with: ${HOW_TO_PRODUCE.events}`,
    );
  if (!events[events.length - 1].cancelEvent)
    throw new InputError(
      `${file}: the event log does not end with the engine's final cancelEvent; the run was cut short or ` +
        `the file is truncated`,
    );
  return events;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
