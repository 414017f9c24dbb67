/** Waivers read from a resource's tags (`bulwark:waiver:<policy>:…`). zod loads only when a waiver tag is present. */
import { WAIVER_TAG_PREFIX } from "./waiver-prefix";
import type { TagWaiverRead } from "./waiver";
import { get, isObj, type Obj } from "./values";

type WaiverLib = typeof import("./waiver");
let waiverMod: WaiverLib | undefined;
// zod loads only when a waiver or a config is actually read: start-up stays light.
export function waiverLib(): WaiverLib {
  return (waiverMod ??= require("./waiver") as WaiverLib);
}

const TAG_KEYS = ["tagsAll", "tags"];

/** The waiver tags of `props` (tagsAll and tags merged), or undefined when it carries none. */
export function tagWaivers(props: Obj): TagWaiverRead | undefined {
  let merged: Record<string, unknown> | undefined;
  for (const key of TAG_KEYS) {
    const t = props[key] === undefined ? undefined : get(props, key);
    if (!isObj(t)) continue;
    for (const k in t) {
      if (k.startsWith(WAIVER_TAG_PREFIX)) (merged ??= {})[k] = t[k];
    }
  }
  return merged ? waiverLib().waiversFromTags(merged) : undefined;
}
