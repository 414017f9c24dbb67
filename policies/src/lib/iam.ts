/** IAM policy documents read as what they grant. */
import { get, isObj, isSet, isUnknown, str, strs } from "../values";

/** Whether a policy document allows every action on every resource. */
export function adminDoc(doc: unknown): boolean | "unknown" {
  let d = get(doc);
  if (isUnknown(d)) return "unknown";
  if (typeof d === "string") {
    try {
      d = JSON.parse(d);
    } catch {
      return false;
    }
  }
  const st = get(d, "Statement");
  const list = Array.isArray(st) ? st : isObj(st) ? [st] : [];
  for (const s of list) {
    if (str(get(s, "Effect"))?.toLowerCase() !== "allow") continue;
    // Allow + NotAction grants every action but the listed ones; Allow + NotResource every resource but the
    // listed ones: with the other side "*" both are admin in all but name.
    const notActs = get(s, "NotAction");
    const notRess = get(s, "NotResource");
    const acts = isSet(notActs) ? notStar(strs(notActs)) : strs(get(s, "Action"));
    const ress = isSet(notRess) ? notStar(strs(notRess)) : strs(get(s, "Resource"));
    if (acts === "unknown" || ress === "unknown") return "unknown";
    if (acts.some((a) => a === "*" || a === "*:*") && ress.includes("*")) return true;
  }
  return false;
}

/** A Not* list read as what it grants: "*" unless it excludes everything. */
function notStar(l: string[] | "unknown"): string[] | "unknown" {
  if (l === "unknown") return l;
  return l.some((x) => x === "*" || x === "*:*") ? [] : ["*"];
}
