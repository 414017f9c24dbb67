/**
 * One error shape for everything Bulwark refuses before it acts: stack config, component args, host config, CLI
 * input. Each problem names the field, the value (or that it is masked) and the fix; the CLI maps the class, never
 * the message text, to exit 2.
 */
export interface Issue {
  /** e.g. `bulwark:sites[2].servers[0].role`, `args.cidr`, `logs.caPem`, or the input file. */
  path: string;
  /** The offending value, rendered; secrets and ciphertext as MASKED. */
  value: string;
  problem: string;
  fix: string;
}

export const MASKED = "(masked)";

/** `invalid <subject> (N problems; nothing was created):` then one line per issue. */
export function formatIssues(subject: string, issues: readonly Issue[]): string {
  return (
    `invalid ${subject} (${issues.length} problem${issues.length === 1 ? "" : "s"}; nothing was created):\n` +
    issues.map((i) => `  - ${i.path}: got ${i.value}: ${i.problem}. Fix: ${i.fix}`).join("\n")
  );
}

/** The base of every refusal; `issues` is empty when the message is the whole story (e.g. an unreadable file). */
export class BulwarkError extends Error {
  readonly issues: readonly Issue[];
  constructor(message: string, issues: readonly Issue[] = []) {
    super(message);
    this.name = new.target.name;
    this.issues = issues;
  }
}

/**
 * Ciphertext never reaches an error message: `{secure: ...}` values, `v1:<nonce>:<ct>` and the service's opaque
 * base64 blobs are replaced, wherever they sit in a rendered value or a fix.
 */
export function maskCiphertext(s: string): string {
  return s
    .replace(/("?secure"?\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\]\s"]+)/gi, "$1[ciphertext]")
    .replace(/\bv1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+/g, "[ciphertext]")
    .replace(/\bAAAB[A-Za-z0-9+/=]{16,}/g, "[ciphertext]");
}
