/** Runs `node bin/bulwark ...` as a pipeline does: a fresh process, optional stdin, exit code and both streams. */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as YAML from "yaml";

export const ROOT = join(__dirname, "..", "..");
export const FIX = join(ROOT, "test", "fixtures");
export const fx = (f: string): string => join(FIX, f);

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function bulwark(
  args: string[],
  opts: { stdin?: string; shell?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...opts.env };
    const p = opts.shell
      ? spawn("bash", ["-c", opts.shell], { cwd: ROOT, env })
      : spawn(process.execPath, [join(ROOT, "bin", "bulwark"), ...args], { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (b) => (stdout += b));
    p.stderr.on("data", (b) => (stderr += b));
    p.on("close", (code) => resolve({ code, stdout, stderr }));
    if (opts.stdin !== undefined) p.stdin.end(opts.stdin);
    else p.stdin.end();
  });
}

/** Runs named cases two at a time (the machine has 2 cores). */
export async function runAll(cases: Record<string, () => Promise<Run>>): Promise<Record<string, Run>> {
  const out: Record<string, Run> = {};
  const names = Object.keys(cases);
  const worker = async () => {
    for (let n = names.shift(); n; n = names.shift()) out[n] = await cases[n]();
  };
  await Promise.all([worker(), worker()]);
  return out;
}

export const noStackTrace = (r: Run): boolean =>
  !/\n\s+at .+\(.*:\d+:\d+\)|Maximum call stack/.test(r.stderr + r.stdout);

/**
 * Pulumi.prod.yaml's config cut to its first site (head office: servers, hosts, the RDS database) for plans whose
 * test reads one site: every control's resources at a quarter of the full estate's plan time.
 */
export function prodFirstSite(): { config: Record<string, unknown> } {
  const stack = YAML.parse(readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> };
  const [first] = stack.config["bulwark:sites"] as { name: string }[];
  stack.config["bulwark:sites"] = [first];
  const hosts = stack.config["bulwark:hosts"] as { site: string }[] | undefined;
  if (hosts) stack.config["bulwark:hosts"] = hosts.filter((h) => h.site === first.name);
  return stack;
}
