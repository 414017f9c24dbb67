/**
 * bench:plan: the offline plan of the prod estate (Pulumi.prod.yaml) against a one-site baseline (the head office
 * alone), run side by side in one process. Prints both, the ratio and the per-resource cost. Target: prod < 5 s.
 */
import * as path from "path";
import { readStackFile, runPlan } from "../cli/plan-runner";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TARGET_MS = 5000;

async function time(config: Record<string, unknown>): Promise<{ ms: number; cpuMs: number; resources: number }> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const plan = await runPlan({ config });
  const used = process.cpuUsage(cpu);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, cpuMs: (used.user + used.system) / 1000, resources: plan.resources.length };
}

async function main(): Promise<void> {
  const { config: prod } = readStackFile(path.join(__dirname, "..", "Pulumi.prod.yaml"));
  const sites = prod["bulwark:sites"] as { kind: string }[];
  const oneSite = { ...prod, "bulwark:sites": sites.filter((s) => s.kind === "head-office") };

  // Warm-up (reported): module loading (swc, @pulumi/aws) is paid once per process, not per plan.
  const cold = await time(prod);
  const results = { prod: [] as number[], base: [] as number[], prodCpu: [] as number[], baseCpu: [] as number[], prodRes: 0, baseRes: 0 };
  for (let i = 0; i < ROUNDS; i++) {
    const b = await time(oneSite);
    const p = await time(prod);
    results.base.push(b.ms);
    results.prod.push(p.ms);
    results.baseCpu.push(b.cpuMs);
    results.prodCpu.push(p.cpuMs);
    results.baseRes = b.resources;
    results.prodRes = p.resources;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(results.base);
  const prodMs = median(results.prod);
  // CPU time beside wall time: on a shared 2-core machine wall time also measures the neighbours.
  console.log(`plan one-site baseline: ${base.toFixed(0)} ms wall, ${median(results.baseCpu).toFixed(0)} ms CPU for ${results.baseRes} resources (${(base / results.baseRes).toFixed(2)} ms/resource)`);
  console.log(`plan prod estate:       ${prodMs.toFixed(0)} ms wall, ${median(results.prodCpu).toFixed(0)} ms CPU for ${results.prodRes} resources (${(prodMs / results.prodRes).toFixed(2)} ms/resource)`);
  console.log(`first (cold) prod plan in this process, incl. loading @pulumi/aws and compiling TS: ${cold.ms.toFixed(0)} ms wall, ${cold.cpuMs.toFixed(0)} ms CPU`);
  console.log(`ratio prod/baseline: ${(prodMs / base).toFixed(2)}x time for ${(results.prodRes / results.baseRes).toFixed(2)}x resources (median of ${ROUNDS} rounds)`);
  console.log(`target prod < ${TARGET_MS} ms: ${prodMs < TARGET_MS ? "met" : "MISSED"}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
