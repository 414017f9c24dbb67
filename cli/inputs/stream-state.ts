/**
 * A big `pulumi stack export` read without holding it whole: the file is read in chunks, each element of
 * `deployment.resources` is parsed on its own and handed on at once, and only the envelope around the resources
 * is kept as text. Peak memory is the resources as the policies take them, not the text, the parsed document and
 * the resources at once (a 150k-resource export is ~400 MB of text).
 *
 * Anything this reader is not sure of (a syntax error, a document that is not an export, a duplicate key, a
 * resource that fails its schema) returns `undefined`: the caller reads the file whole, whose messages are the
 * ones users see. Too-deep nesting is refused here, naming the file and the limit.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { SecretValues } from "../redact";
import { MAX_JSON_DEPTH, tooDeepMessage } from "./depth";
import { InputError, parseDeployment } from "./load";
import { toInputResource, type InputResource } from "./resources";
import { resourceV3Schema, type ResourceV3 } from "./schemas";

const CHUNK_BYTES = 8 * 1024 * 1024;

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJ = 123;
const CLOSE_OBJ = 125;
const OPEN_ARR = 91;
const CLOSE_ARR = 93;
const COMMA = 44;
const COLON = 58;

/** Runs of characters that neither open or close a container nor start a string. */
const SKIP = /[^"{}[\]]*/y;

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;

/** Where the scanner is relative to `deployment.resources`. */
type Mode =
  /** Outside the resources array: the text is kept as the envelope. */
  | "envelope"
  /** Inside the array, between elements: `expect` says what may come. */
  | "between"
  /** Inside an element (an object), depth > 3. */
  | "element";

/**
 * Streams `file`: calls `onResource` with each parsed element of `deployment.resources`, in order, and returns
 * the envelope (the document with `resources: []`) as text; `undefined` when the file should be read whole.
 */
export function streamDeployment(
  file: string,
  label: string,
  onResource: (raw: unknown) => boolean,
  chunkBytes: number = CHUNK_BYTES,
): string | undefined {
  const fd = openSync(file, "r");
  try {
    return scan(fd, label, onResource, chunkBytes);
  } finally {
    closeSync(fd);
  }
}

function scan(
  fd: number,
  label: string,
  onResource: (raw: unknown) => boolean,
  chunkBytes: number,
): string | undefined {
  const buf = Buffer.allocUnsafe(chunkBytes);
  const decoder = new StringDecoder("utf8");
  const envelope: string[] = [];
  let element: string[] = [];

  let base = 0; // characters before this chunk (positions match a whole-text scan)
  let depth = 0;
  let mode: Mode = "envelope";
  /** In `between`: a `{` (element) or `]` may come ("open"), or `,` / `]` after an element ("next"). */
  let expect: "first" | "open" | "next" = "first";
  let inString = false;
  let escapePending = false;
  /** Object at depth 1 or 2 waiting for a key (after `{` or `,`), the key being read, and the last keys. */
  let wantKey = false;
  let readingKey = false;
  let keyParts: string[] = [];
  const keys: (string | undefined)[] = [undefined, undefined, undefined];
  /** Containers at depths 1..3: true for objects. */
  const isObj: boolean[] = [];
  let seenDeployment = false;
  let seenResources = false;
  let seenResourcesKey = false;

  for (;;) {
    const n = readSync(fd, buf, 0, chunkBytes, null);
    const s = n === 0 ? decoder.end() : decoder.write(buf.subarray(0, n));
    if (n > 0 && s.length === 0) continue; // a chunk ending inside one UTF-8 character
    let start = 0; // start of the text not yet handed to `envelope` or `element`
    let i = 0;
    if (inString) {
      // A string carried over from the last chunk; its first character may be escaped.
      const skip: number = escapePending ? 1 : 0;
      const end = stringEnd(s, 0, escapePending);
      escapePending = false;
      if (end < 0) {
        escapePending = trailingBackslashes(s, skip) % 2 === 1;
        if (readingKey) keyParts.push(s);
        flush(s, 0);
        base += s.length;
        if (n === 0) return undefined;
        continue;
      }
      if (readingKey) {
        keyParts.push(s.slice(0, end));
        if (!finishKey()) return undefined;
      }
      inString = false;
      i = end + 1;
    }
    for (; i < s.length; i++) {
      if (mode === "element") {
        // Inside an element only quotes and brackets matter: jump to the next one natively.
        SKIP.lastIndex = i;
        SKIP.test(s);
        i = SKIP.lastIndex;
        if (i >= s.length) break;
      }
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        if (mode === "between") return undefined;
        const keyHere = wantKey && (depth === 1 || depth === 2);
        const end = stringEnd(s, i + 1, false);
        if (end < 0) {
          inString = true;
          escapePending = trailingBackslashes(s, i + 1) % 2 === 1;
          if (keyHere) {
            readingKey = true;
            keyParts = [s.slice(i + 1)];
          }
          break;
        }
        if (keyHere) {
          keyParts = [s.slice(i + 1, end)];
          readingKey = true;
          if (!finishKey()) return undefined;
        }
        i = end;
        continue;
      }
      if (mode === "between") {
        if (isSpace(c)) continue;
        if (c === OPEN_OBJ && expect !== "next") {
          mode = "element";
          depth++;
          start = i;
          element = [];
          continue;
        }
        if (c === COMMA && expect === "next") {
          expect = "open";
          continue;
        }
        if (c === CLOSE_ARR && expect !== "open") {
          mode = "envelope";
          depth--;
          start = i;
          continue;
        }
        return undefined;
      }
      if (c === OPEN_OBJ || c === OPEN_ARR) {
        depth++;
        if (depth > MAX_JSON_DEPTH) throw new InputError(tooDeepMessage(label, base + i));
        if (mode === "envelope" && depth <= 3) {
          isObj[depth] = c === OPEN_OBJ;
          wantKey = c === OPEN_OBJ;
          if (depth === 3 && c === OPEN_ARR && keys[1] === "deployment" && keys[2] === "resources" && isObj[2]) {
            seenResources = true;
            envelope.push(s.slice(start, i + 1));
            mode = "between";
            expect = "first";
          }
        }
      } else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
        depth--;
        if (mode === "element" && depth === 3) {
          element.push(s.slice(start, i + 1));
          let raw: unknown;
          try {
            raw = JSON.parse(element.length === 1 ? element[0] : element.join(""));
          } catch {
            return undefined;
          }
          element = [];
          if (!onResource(raw)) return undefined;
          mode = "between";
          expect = "next";
        } else if (mode === "envelope" && depth < 0) return undefined;
        wantKey = false;
      } else if (c === COMMA) {
        if (mode === "envelope" && (depth === 1 || depth === 2) && isObj[depth]) wantKey = true;
      } else if (c === COLON) {
        if (mode === "envelope") wantKey = false;
      }
    }
    flush(s, start);
    base += s.length;
    if (n === 0) break;
  }
  if (inString || depth !== 0 || !seenResources) return undefined;
  return envelope.join("");

  function flush(s: string, from: number): void {
    if (from >= s.length) return;
    if (mode === "element") element.push(s.slice(from));
    else if (mode === "envelope") envelope.push(s.slice(from));
  }

  /** Records a key at depth 1 or 2; false on a second `deployment` or `resources` (JSON.parse keeps the last). */
  function finishKey(): boolean {
    readingKey = false;
    wantKey = false;
    const key = keyParts.join("");
    keyParts = [];
    keys[depth] = key;
    if (depth === 1 && key === "deployment") {
      if (seenDeployment) return false;
      seenDeployment = true;
    }
    if (depth === 2 && keys[1] === "deployment" && key === "resources") {
      if (seenResourcesKey) return false;
      seenResourcesKey = true;
    }
    return true;
  }
}

/** Index of the quote closing a string whose body starts at `from`, or -1 when it runs past the chunk. */
function stringEnd(s: string, from: number, skipFirst: boolean): number {
  let j = skipFirst ? from + 1 : from;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q < 0) return -1;
    let k = q - 1;
    while (k >= j && s.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q;
    j = q + 1;
  }
}

/** Backslashes ending `s` (from `from` on): an odd count escapes the next chunk's first character. */
function trailingBackslashes(s: string, from: number): number {
  let k = s.length - 1;
  while (k >= from && s.charCodeAt(k) === BACKSLASH) k--;
  return s.length - 1 - k;
}

/**
 * Exports from this size on are streamed; smaller ones are read whole: parsing one document is ~20% less CPU than
 * parsing each resource, and below this size the whole file's memory is no concern (10k resources: ~25 MB).
 */
export const STREAM_MIN_BYTES = 64 * 1024 * 1024;

/**
 * The policy-input resources of a stack export read by streaming, or `undefined` when the file is small, not a
 * regular file, or anything about it needs the whole-file reader (which then gives the message).
 */
export function streamStateResources(
  path: string,
  label: string,
  unknown: unknown,
  secrets?: SecretValues,
  opts: { minBytes?: number; chunkBytes?: number } = {},
): InputResource[] | undefined {
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size < (opts.minBytes ?? STREAM_MIN_BYTES) || st.size === 0) return undefined;
  } catch {
    return undefined;
  }
  const out: InputResource[] = [];
  const envelope = streamDeployment(
    path,
    label,
    (raw) => {
      if (!resourceV3Schema.safeParse(raw).success) return false;
      const r = raw as ResourceV3;
      if (secrets) secrets.collect(r.inputs).collect(r.outputs);
      if (!r.delete && !r.pendingReplacement) out.push(toInputResource(r, "outputs-over-inputs", unknown));
      return true;
    },
    opts.chunkBytes,
  );
  if (envelope === undefined) return undefined;
  try {
    // The envelope's checks (kind, version, features) as for a whole document; its resources are `[]`.
    parseDeployment(envelope, label);
  } catch (e) {
    if (e instanceof InputError) return undefined;
    throw e;
  }
  return out;
}
