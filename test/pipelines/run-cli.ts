/**
 * Runs the CLI as a pipeline does (`bulwark`: `node bin/bulwark ...`, a fresh process, optional stdin), or in this
 * process (`inProcess`: the same `run` that bin/bulwark calls, with its output captured). Process start is ~0.3 s of
 * CPU a run, so the verdict matrices run in-process, and each suite that does spawns a sample of its cases and
 * asserts that both ways print the same bytes and exit codes (`sameAsProcess`).
 */
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

/**
 * `bulwark args` without a new process: bin/bulwark's own `run`, writing into strings instead of the streams. A
 * write that bypasses cli/streams.ts (straight to process.stdout or stderr) would be missed here but printed by a
 * pipeline's process, so it fails the run instead.
 */
export function inProcess(args: string[]): Promise<Run> {
  // One at a time: each run swaps the process's write functions for the guard.
  const next = queue.then(() => runInProcess(args));
  queue = next.catch(() => undefined);
  return next;
}
let queue: Promise<unknown> = Promise.resolve();

async function runInProcess(args: string[]): Promise<Run> {
  const { run } = await import("../../cli/index");
  let stdout = "";
  let stderr = "";
  const stray: string[] = [];
  const restore = [process.stdout, process.stderr].map((s) => {
    const write = s.write;
    s.write = ((t: string | Uint8Array) => (stray.push(String(t)), true)) as typeof s.write;
    return () => (s.write = write);
  });
  let code: number;
  try {
    code = await run(["node", join(ROOT, "bin", "bulwark"), ...args], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    });
  } finally {
    for (const r of restore) r();
  }
  if (stray.length) throw new Error(`bulwark ${args.join(" ")} wrote past cli/streams.ts: ${stray.join("")}`);
  return { code, stdout, stderr };
}

/** Each named case in-process, one after another. */
export async function inProcessAll(cases: Record<string, string[]>): Promise<Record<string, Run>> {
  const out: Record<string, Run> = {};
  for (const [name, args] of Object.entries(cases)) out[name] = await inProcess(args);
  return out;
}

/**
 * Spawns the `sample` of `cases` and names those whose process run differs from `got` (the in-process run): the
 * exit code, or the first line of stdout or stderr that differs. Empty when the in-process runs are what a pipeline
 * would see.
 */
export async function sameAsProcess(
  cases: Record<string, string[]>,
  sample: readonly string[],
  got: Record<string, Run>,
): Promise<string[]> {
  const spawned = await runAll(Object.fromEntries(sample.map((n) => [n, () => bulwark(cases[n])])));
  const diffs: string[] = [];
  for (const n of sample) {
    const [p, i] = [spawned[n], got[n]];
    if (p.code !== i.code) diffs.push(`${n}: exit ${p.code} as a process, ${i.code} in-process`);
    for (const s of ["stdout", "stderr"] as const) {
      if (p[s] === i[s]) continue;
      const [a, b] = [p[s].split("\n"), i[s].split("\n")];
      const at = a.findIndex((l, k) => l !== b[k]);
      const line = at < 0 ? a.length : at; // a is a prefix of b: b has more lines
      diffs.push(
        `${n}: ${s} line ${line + 1}: ${JSON.stringify(a[line])} as a process, ${JSON.stringify(b[line])} in-process`,
      );
    }
  }
  return diffs;
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
