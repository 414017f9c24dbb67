/**
 * Size limits of the offline plan. An estate past them ends with PlanTooBigError (exit 2 and a message): checked
 * on the validated config before any resource is declared, and as a heap cap on the plan worker.
 */
import { BulwarkError } from "../components/errors";

/** Heap cap of the plan worker (MiB): a 1,000-server estate peaks near 450 MiB live. */
export const PLAN_HEAP_MB = 768;
/** Servers an offline plan takes within the cap (measured ~0.45 MiB per server), with margin. */
export const MAX_PLAN_SERVERS = 1500;
/** Overrides the heap cap (MiB), e.g. on a machine with less memory; tests use it to reach the cap cheaply. */
export const PLAN_HEAP_ENV = "BULWARK_PLAN_HEAP_MB";

export class PlanTooBigError extends BulwarkError {}

export function tooBigMessage(servers: number): string {
  return (
    `the estate declares ${servers} servers; an offline plan takes at most ${MAX_PLAN_SERVERS} ` +
    `(heap cap ${PLAN_HEAP_MB} MiB). Split the estate into stacks of at most ${MAX_PLAN_SERVERS} servers ` +
    `(e.g. one stack per group of sites)`
  );
}

/** The plan ran out of its heap: names the estate's size (when the config was read) and the fix. */
export function outOfHeapMessage(heapMb: number, servers: number | undefined): string {
  const size = servers === undefined ? "the estate" : `the estate of ${servers} servers`;
  return (
    `the plan ran out of its ${heapMb} MiB heap: ${size} is too big to plan offline. ` +
    `Split the estate into smaller stacks (e.g. one stack per group of sites)` +
    (heapMb < PLAN_HEAP_MB ? `, or unset ${PLAN_HEAP_ENV} (default ${PLAN_HEAP_MB} MiB)` : "")
  );
}

/** The heap cap: PLAN_HEAP_MB, or a whole number of MiB (64..65536) from BULWARK_PLAN_HEAP_MB. */
export function planHeapMb(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[PLAN_HEAP_ENV];
  if (raw === undefined || raw === "") return PLAN_HEAP_MB;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 64 || n > 65536)
    throw new BulwarkError(
      `${PLAN_HEAP_ENV}=${JSON.stringify(raw)}: not a whole number of MiB from 64 to 65536. ` +
        `Fix: set e.g. ${PLAN_HEAP_ENV}=${PLAN_HEAP_MB}, or unset it`,
    );
  return n;
}
