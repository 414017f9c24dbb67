/**
 * Size limits of the offline plan. An estate past them ends with PlanTooBigError (exit 2 and a message): checked
 * on the validated config before any resource is declared, and as a heap cap on the plan worker.
 */
import { BulwarkError } from "../components/errors";

/** Heap cap of the plan worker (MiB): a 1,000-server estate peaks near 450 MiB live. */
export const PLAN_HEAP_MB = 768;
/** Servers an offline plan takes within the cap (measured ~0.45 MiB per server), with margin. */
export const MAX_PLAN_SERVERS = 1500;

export class PlanTooBigError extends BulwarkError {}

export function tooBigMessage(servers: number): string {
  return (
    `the estate declares ${servers} servers; an offline plan takes at most ${MAX_PLAN_SERVERS} (heap cap ${PLAN_HEAP_MB} MiB). ` +
    `Split the estate into stacks of at most ${MAX_PLAN_SERVERS} servers (e.g. one stack per group of sites)`
  );
}
