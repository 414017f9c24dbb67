/**
 * A failed Pulumi run still writes JSON: a digest with `error` diagnostics, or an event stream with an `errorEvent`
 * or error diagnostics. Its resources are whatever the run reached, so a gate must not judge them: it reports the
 * engine's own message and exits 2. The engine's closing "preview failed" line alone (e.g. after a mandatory policy
 * violation) is not such a failure: the run itself completed.
 */
import type { EngineEvent } from "./schemas";

/**
 * Errors that end a run that did complete: the closing summary line (after any failure, policy violations
 * included) and `--expect-no-changes` finding changes (that is the drift signal itself).
 */
const FAILED = /(preview|update|refresh|destroy|import)\s+failed\.?/.source;
const NO_CHANGES = /no changes were expected for \w+ but changes were proposed\.?/.source;
const SUMMARY_LINE = new RegExp(/^\s*(error:\s*)?/.source + `(${FAILED}|${NO_CHANGES})` + /\s*$/.source, "i");

/** Colour directives (`<{%reset%}>`) in raw event messages. */
const stripColour = (s: string): string => s.replace(/<\{%[^%]*%\}>/g, "");

function errorMessages(diags: readonly { message?: string; severity?: string }[]): string[] {
  return diags
    .filter((d) => d.severity === "error" && typeof d.message === "string")
    .map((d) => stripColour(d.message!).trim())
    .filter((m) => m !== "" && !SUMMARY_LINE.test(m));
}

/** A failed `pulumi preview --json`: a top-level `error` or error diagnostics. Undefined when the run completed. */
export function digestFailure(doc: Record<string, unknown>): string[] | undefined {
  const out: string[] = [];
  const err = doc.error;
  if (typeof err === "string" && err.trim()) out.push(err.trim());
  else if (err && typeof err === "object" && typeof (err as { message?: unknown }).message === "string")
    out.push(String((err as { message: string }).message).trim());
  if (Array.isArray(doc.diagnostics))
    out.push(
      ...errorMessages(doc.diagnostics.filter((d): d is Record<string, string> => !!d && typeof d === "object")),
    );
  return out.length > 0 ? out : undefined;
}

/** A failed run in an event stream: `errorEvent`, error diagnostics, failed resource operations. */
export function eventsFailure(events: readonly EngineEvent[]): string[] | undefined {
  const out: string[] = [];
  for (const e of events) {
    if (e.errorEvent?.error) out.push(stripColour(e.errorEvent.error).trim());
    if (e.diagnosticEvent) out.push(...errorMessages([e.diagnosticEvent]));
    if (e.resOpFailedEvent) out.push(`${e.resOpFailedEvent.metadata.op} of ${e.resOpFailedEvent.metadata.urn} failed`);
  }
  return out.length > 0 ? out : undefined;
}

/** The message for a failed run, quoting the engine (first lines only). */
export function failedRunMessage(file: string, messages: readonly string[]): string {
  const shown = messages.slice(0, 5).map((m) => `  ${m.split("\n").slice(0, 6).join("\n    ")}`);
  const more = messages.length > 5 ? `\n  ... and ${messages.length - 5} more` : "";
  return (
    `${file}: the Pulumi run failed, so its output cannot be checked. The engine said:\n${shown.join("\n")}${more}\n` +
    `Fix the failure and run the command again; Bulwark judges only completed runs.`
  );
}
