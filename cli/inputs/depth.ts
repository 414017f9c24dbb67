/**
 * Nesting guard: Bulwark's readers walk JSON recursively, so a document nested deeper than any Pulumi output
 * (100k levels) would overflow the stack. One linear scan before parsing refuses it with the file and the limit.
 */

/** Deepest nesting Bulwark reads. Real digests, exports and events stay far below (property trees ~10 levels). */
export const MAX_JSON_DEPTH = 512;

/** The first position where `text` nests deeper than `limit` (brackets outside strings), or undefined. */
export function tooDeepAt(text: string, limit: number = MAX_JSON_DEPTH): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return i;
    } else if (c === 93 || c === 125) depth--;
  }
  return undefined;
}

/** The message for a too-deep document. */
export function tooDeepMessage(file: string, at: number | undefined, limit: number = MAX_JSON_DEPTH): string {
  return (
    `${file}: nested more than ${limit} levels deep${at === undefined ? "" : ` (at character ${at})`}; ` +
    `Bulwark reads at most ${limit} levels of nesting, and no Pulumi output comes near that: ` +
    `check that this is the file the CLI wrote`
  );
}
