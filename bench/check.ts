/**
 * `bulwark check --state` on generated 1,000- and 10,000-resource stack exports, run side by side (alternating, as
 * subprocesses exactly as a pipeline runs them). Prints the median wall times, the ratio, and the ratio after
 * subtracting the start-up cost measured on a 2-resource export. Target: 10,000 resources in <= 2 s, linear.
 * Then one 150,000-resource export (issue 10): linear from 10k (<= 16x) and <= 1 GB peak RSS.
 *
 *   npm run bench:check [-- --runs 5]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { runCheck } from "../cli/check";
import { join } from "node:path";
import {
  database,
  exportEnvelope,
  hardenedWeb,
  postmortemServer,
  providerResource,
  stackResource,
  type ResourceV3,
} from "../test/fixtures/estate";

const ROOT = join(__dirname, "..");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

/** An estate of exactly `n` resources: hardened servers and databases, one postmortem-style server in 50. */
export function estate(n: number): ResourceV3[] {
  const out: ResourceV3[] = [stackResource(), providerResource()];
  for (let i = 0; out.length < n; i++) {
    if (i % 50 === 49) {
      out.push(...postmortemServer().map((r) => ({ ...r, urn: `${r.urn}-${i}` })));
    } else if (i % 10 === 9) {
      out.push(
        ...database({
          name: `db-${i}`,
          publiclyAccessible: false,
          iamAuth: true,
          encrypted: true,
          managedPassword: true,
          clientSg: "sg-0a1b",
        }),
      );
    } else {
      out.push(...hardenedWeb(i, `web-${i}`));
    }
  }
  return out.slice(0, n);
}

/** Preloaded into the child: prints its own CPU time (user + system) at exit, which other load barely skews. */
const CPU_HOOK =
  `process.on("exit", () => { const u = process.cpuUsage(); ` +
  `process.stderr.write("\\nBULWARK_CPU_MS=" + ((u.user + u.system) / 1000) + " BULWARK_RSS_MB=" + ` +
  `(process.resourceUsage().maxRSS / 1024) + "\\n"); });`;
let hookFile = "";

function run(file: string): { ms: number; cpu: number; rssMb: number; code: number | null } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    ["-r", hookFile, join(ROOT, "bin", "bulwark"), "check", "--state", file, "--format", "json"],
    {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`bulwark check exited ${r.status}: ${r.stderr}`);
  const cpu = Number(/BULWARK_CPU_MS=([\d.]+)/.exec(r.stderr)?.[1] ?? NaN);
  const rssMb = Number(/BULWARK_RSS_MB=([\d.]+)/.exec(r.stderr)?.[1] ?? NaN);
  return { ms, cpu, rssMb, code: r.status };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-check-"));
  try {
    const sizes = [2, 1000, 10000];
    const files = new Map<number, string>();
    for (const n of sizes) {
      const f = join(dir, `state-${n}.json`);
      writeFileSync(f, JSON.stringify(exportEnvelope(estate(n), 3), null, 4));
      files.set(n, f);
    }
    hookFile = join(dir, "cpu-hook.js");
    writeFileSync(hookFile, CPU_HOOK);
    const times = new Map<number, number[]>(sizes.map((n) => [n, []]));
    const cpus = new Map<number, number[]>(sizes.map((n) => [n, []]));
    run(files.get(1000)!); // warm the file cache and swc's
    for (let i = 0; i < RUNS; i++)
      for (const n of sizes) {
        const r = run(files.get(n)!);
        times.get(n)!.push(r.ms);
        cpus.get(n)!.push(r.cpu);
      }

    const m = new Map(sizes.map((n) => [n, median(times.get(n)!)]));
    console.log(
      `bulwark check --state, ${RUNS} alternating runs each (median wall time, subprocess incl. node start-up)`,
    );
    for (const n of sizes) {
      const mb = (statSync(files.get(n)!).size / 1e6).toFixed(1);
      console.log(
        `  ${String(n).padStart(6)} resources (${mb.padStart(5)} MB): ${m.get(n)!.toFixed(0).padStart(6)} ms   ` +
          `runs: ${times
            .get(n)!
            .map((t) => t.toFixed(0))
            .join(", ")}`,
      );
    }
    const c = new Map(sizes.map((n) => [n, median(cpus.get(n)!)]));
    console.log(`same runs, CPU time of the bulwark process (user + system; less skewed by other load):`);
    for (const n of sizes) console.log(`  ${String(n).padStart(6)} resources: ${c.get(n)!.toFixed(0).padStart(6)} ms`);
    console.log(
      `  ratio 10k/1k: ${(c.get(10000)! / c.get(1000)!).toFixed(2)}   after start-up (${c.get(2)!.toFixed(0)} ms): ` +
        `${((c.get(10000)! - c.get(2)!) / Math.max(1, c.get(1000)! - c.get(2)!)).toFixed(2)} (10.0 = linear)`,
    );
    const base = m.get(2)!;
    const r = m.get(10000)! / m.get(1000)!;
    const rWork = (m.get(10000)! - base) / Math.max(1, m.get(1000)! - base);
    console.log(
      `  ratio 10k/1k: ${r.toFixed(2)} (wall)   ${rWork.toFixed(2)} (after start-up ${base.toFixed(0)} ms; ` +
        `10.0 = linear)`,
    );
    console.log(`  per resource at 10k: ${(((m.get(10000)! - base) * 1000) / 10000).toFixed(1)} us`);
    // The same work in-process (no node/swc start-up): shows the scaling without process noise.
    const inproc = new Map<number, number[]>(sizes.map((n) => [n, []]));
    runCheck("state", files.get(1000)!);
    for (let i = 0; i < RUNS; i++)
      for (const n of sizes) {
        const t0 = process.hrtime.bigint();
        runCheck("state", files.get(n)!);
        inproc.get(n)!.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    const mi = new Map(sizes.map((n) => [n, median(inproc.get(n)!)]));
    console.log(`in-process runCheck (read, parse, validate, normalise, evaluate, report), median of ${RUNS}:`);
    for (const n of sizes) console.log(`  ${String(n).padStart(6)} resources: ${mi.get(n)!.toFixed(0).padStart(6)} ms`);
    console.log(`  ratio 10k/1k: ${(mi.get(10000)! / mi.get(1000)!).toFixed(2)} (10.0 = linear)`);
    console.log(
      `  load average while measuring: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(" ")} on ${require("node:os").cpus().length} cores`,
    );
    const ok = m.get(10000)! <= 2000;
    console.log(`  target 10k <= 2000 ms: ${ok ? "MET" : "NOT MET"} (${m.get(10000)!.toFixed(0)} ms)`);

    // 150k: one run (the file alone is ~400 MB), against a fresh 10k run measured the same way.
    const big = join(dir, "state-150000.json");
    writeFileSync(big, JSON.stringify(exportEnvelope(estate(150000), 3), null, 4));
    const r10 = run(files.get(10000)!);
    const r150 = run(big);
    console.log(
      `150,000-resource export (${(statSync(big).size / 1e6).toFixed(0)} MB), one subprocess run beside a 10k run:`,
    );
    console.log(
      `   10k: ${r10.ms.toFixed(0)} ms wall, ${r10.cpu.toFixed(0)} ms CPU, peak RSS ${r10.rssMb.toFixed(0)} MB`,
    );
    console.log(
      `  150k: ${r150.ms.toFixed(0)} ms wall, ${r150.cpu.toFixed(0)} ms CPU, peak RSS ${r150.rssMb.toFixed(0)} MB`,
    );
    console.log(
      `  ratio 150k/10k: ${(r150.ms / r10.ms).toFixed(2)}x wall, ${(r150.cpu / r10.cpu).toFixed(2)}x CPU ` +
        `(15.0 = linear; target <= 16x), RSS ${r150.rssMb <= 1024 ? "within" : "OVER"} 1 GB`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main();
