import { Option } from "commander";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

let cached: string | undefined;
/** Bulwark's version (package.json), named in every report. */
export function toolVersion(): string {
  cached ??= (JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string })
    .version;
  return cached;
}

/** Writes a report to `file`, or to stdout when none is given. */
export function emit(text: string, file?: string): void {
  if (file) writeFileSync(file, text);
  else process.stdout.write(text);
}

/**
 * `--json-out <file>` on every report verb: the JSON report beside the chosen --format, so a pipeline logs text (or
 * SARIF, markdown) and keeps the JSON as an artifact from one run instead of planning or checking twice.
 */
export const jsonOutOption = (): Option =>
  new Option("--json-out <file>", "also write the JSON report to this file (beside --format's output)");

/** Why `-o` and `--json-out` cannot both be written, or undefined: one file would hold only the second report. */
export function outputsConflict(verb: string, o: { output?: string; jsonOut?: string }): string | undefined {
  if (o.output === undefined || o.jsonOut === undefined || resolve(o.output) !== resolve(o.jsonOut)) return undefined;
  return `bulwark ${verb}: -o and --json-out both name ${o.output}: give each report its own file`;
}

/** Writes the chosen report (stdout or `-o`), then the JSON one when `--json-out` asks for it. */
export function emitReports(text: string, json: () => string, o: { output?: string; jsonOut?: string }): void {
  emit(text, o.output);
  if (o.jsonOut !== undefined) writeFileSync(o.jsonOut, json());
}
