import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

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
