/**
 * Where the CLI writes: the process's own streams, or the ones `run` was given (tests run a verb in-process and
 * read what it wrote). Every message and report goes through these two, so both ways print the same bytes.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface Out {
  write(text: string): unknown;
}
export interface Streams {
  stdout: Out;
  stderr: Out;
}

const given = new AsyncLocalStorage<Streams>();

export const stdout = (): Out => given.getStore()?.stdout ?? process.stdout;
export const stderr = (): Out => given.getStore()?.stderr ?? process.stderr;

/** Runs `f` with `streams` as the CLI's stdout and stderr (for everything it awaits, too). */
export const withStreams = <T>(streams: Streams, f: () => Promise<T>): Promise<T> => given.run(streams, f);
