/**
 * The offline plan as the CLI runs it: in a worker thread with a capped heap. A plan's memory is freed before the
 * policy pack runs, V8 collects within the cap instead of growing the process, and an estate too big for the cap
 * ends with PlanTooBigError (exit 2 and a message), never a V8 out-of-memory crash of the CLI.
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { ConfigError, type ConfigIssue } from "../components/config";
import type { PlanResult, RunPlanOptions } from "./plan-runner";
import { outOfHeapMessage, planHeapMb, PlanTooBigError } from "./plan-limits";

type Reply =
  | { ok: true; result: PlanResult }
  | { ok: false; config?: ConfigIssue[]; tooBig?: boolean; message?: string; stack?: string }
  /** Sent once the config is valid, before any resource is declared: the size an out-of-memory message names. */
  | { servers: number };

/** `onValidated`: called with the server count once the worker has validated the config. */
export function runPlanIsolated(
  opts: RunPlanOptions,
  heapMb: number = planHeapMb(),
  onValidated?: (servers: number) => void,
): Promise<PlanResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, "plan-worker.js"), {
      workerData: opts,
      // A larger young generation: the plan keeps most of what it allocates, and small scavenges cost more CPU.
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 96 },
      // The worker's own output is the plan's diagnostics: pass it through.
      stdout: false,
      stderr: false,
    });
    let settled = false;
    let servers: number | undefined;
    worker.on("message", (m: Reply) => {
      if ("servers" in m) {
        servers = m.servers;
        onValidated?.(m.servers);
        return;
      }
      settled = true;
      if (m.ok) resolve(m.result);
      else if (m.config) reject(new ConfigError(m.config));
      else if (m.tooBig) reject(new PlanTooBigError(m.message ?? "the estate is too big to plan"));
      else reject(Object.assign(new Error(m.message), { stack: m.stack }));
      void worker.terminate();
    });
    worker.once("error", (err: Error & { code?: string }) => {
      if (settled) return;
      settled = true;
      if (err.code === "ERR_WORKER_OUT_OF_MEMORY") reject(new PlanTooBigError(outOfHeapMessage(heapMb, servers)));
      else reject(err);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`the plan worker exited with code ${code} before answering`));
    });
  });
}
