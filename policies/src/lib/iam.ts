/** IAM policy documents read as what they grant, and the managed-policy ARNs a principal resource attaches. */
import type { Res } from "../framework";
import { IAM_TYPES } from "../types";
import { arr, get, isObj, isSet, isUnknown, str, strs } from "../values";

/** What makes a document administrator-equivalent: every action, or every IAM action (it can grant itself the rest). */
export type AdminGrant = "*" | "iam:*";

const isStar = (a: string) => a === "*" || a === "*:*";
const isIamStar = (a: string) => /^iam:\*$/i.test(a);

/** Whether a policy document allows every action (or every IAM action) on every resource. */
export function adminDoc(doc: unknown): AdminGrant | false | "unknown" {
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
  let grant: AdminGrant | false = false;
  for (const s of list) {
    if (str(get(s, "Effect"))?.toLowerCase() !== "allow") continue;
    // Allow + NotAction grants every action but the listed ones; Allow + NotResource every resource but the
    // listed ones: with the other side "*" both are admin in all but name.
    const notActs = get(s, "NotAction");
    const notRess = get(s, "NotResource");
    const acts = isSet(notActs) ? notStar(strs(notActs)) : strs(get(s, "Action"));
    const ress = isSet(notRess) ? notStar(strs(notRess)) : strs(get(s, "Resource"));
    if (acts === "unknown" || ress === "unknown") return "unknown";
    if (!ress.includes("*")) continue;
    if (acts.some(isStar)) return "*";
    if (acts.some(isIamStar)) grant = "iam:*";
  }
  return grant;
}

/** A Not* list read as what it grants: "*" unless it excludes everything. */
function notStar(l: string[] | "unknown"): string[] | "unknown" {
  if (l === "unknown") return l;
  return l.some(isStar) ? [] : ["*"];
}

/** The message fragment for a grant. */
export const grantText = (g: AdminGrant) =>
  g === "*"
    ? `allows "*" on "*"`
    : `allows "iam:*" on "*" (administrator-equivalent: it can grant itself any permission)`;

/** Managed-policy ARNs (or references) a principal resource attaches: where, the value, and the input it came from. */
export function attachedPolicyRefs(r: Res): { where: string; value: unknown; prop: string }[] {
  if (r.type === IAM_TYPES.role) {
    const m = arr(r.props.managedPolicyArns);
    return Array.isArray(m)
      ? m.map((value, i) => ({ where: `managedPolicyArns[${i}]`, value, prop: "managedPolicyArns" }))
      : [];
  }
  if (r.type.includes("AttachmentsExclusive")) {
    const l = arr(r.props.policyArns);
    return Array.isArray(l) ? l.map((value, i) => ({ where: `policyArns[${i}]`, value, prop: "policyArns" })) : [];
  }
  if (r.type.includes("Attachment")) return [{ where: "the attachment", value: r.props.policyArn, prop: "policyArn" }];
  return [];
}

/** Resource types that attach managed policies to a principal. */
export const ATTACHING_TYPES: readonly string[] = [
  IAM_TYPES.role,
  IAM_TYPES.rolePolicyAttachment,
  IAM_TYPES.userPolicyAttachment,
  IAM_TYPES.groupPolicyAttachment,
  IAM_TYPES.policyAttachment,
  IAM_TYPES.rolePolicyAttachmentsExclusive,
  IAM_TYPES.userPolicyAttachmentsExclusive,
  IAM_TYPES.groupPolicyAttachmentsExclusive,
];
