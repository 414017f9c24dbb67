import { Option } from "commander";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stdout } from "../streams";

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
  else stdout().write(text);
}

/** One more report from the same run: `--write <format>:<file>`. */
export interface ReportTarget<F extends string> {
  format: F;
  file: string;
}

/**
 * `--write <format:file>` (repeatable) on every report verb: more formats from one run, so a pipeline logs the text,
 * uploads SARIF and posts Markdown without checking, planning or reaching the hosts again.
 */
export const writeOption = (example: string): Option =>
  new Option(
    "--write <format:file>",
    `also write this format to this file, from the same run (repeatable), e.g. ${example}`,
  ).argParser((v: string, acc: string[] | undefined) => [...(acc ?? []), v]);

/** The `--write` targets, or why they cannot be written: an unknown format, or two reports (`-o` too) on one file. */
export function parseWrites<F extends string>(
  writes: readonly string[] | undefined,
  formats: readonly F[],
  output?: string,
): ReportTarget<F>[] | string {
  const taken = new Map<string, string>(output === undefined ? [] : [[resolve(output), `-o ${output}`]]);
  const targets: ReportTarget<F>[] = [];
  for (const w of writes ?? []) {
    const cut = w.indexOf(":");
    const format = w.slice(0, cut) as F;
    if (cut < 1 || !formats.includes(format) || cut === w.length - 1)
      return `--write ${w}: use <format>:<file> with format one of ${formats.join(", ")}`;
    const file = w.slice(cut + 1);
    const other = taken.get(resolve(file));
    if (other) return `--write ${w}: ${other} writes that file too: give each report its own file`;
    taken.set(resolve(file), `--write ${w}`);
    targets.push({ format, file });
  }
  return targets;
}

/** The chosen report to stdout (or `-o`), then each `--write` target, every one rendered by `render`. */
export function emitReports<F extends string>(
  render: (format: F) => string,
  format: F,
  output: string | undefined,
  targets: readonly ReportTarget<F>[],
): void {
  emit(render(format), output);
  for (const t of targets) emit(render(t.format), t.file);
}
