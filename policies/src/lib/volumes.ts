/** Volume encryption of instances, launch templates and launch configurations (inheriting from the template). */
import type { Ctx, Res } from "../framework";
import { isInstance, templateOf } from "../launch";
import { COMPUTE_TYPES as T } from "../types";
import { arr, bool, get, isSet } from "../values";

export function ebsDefaultOn(ctx: Ctx): boolean {
  return ctx.idx.memo("ebsDefault", () => ctx.idx.ofType(T.ebsDefault).some((r) => bool(r.props.enabled) !== false));
}

/** Unencrypted volumes of an instance/launch configuration/launch template ("" when all are encrypted). */
export function volumeProblems(r: Res, ctx: Ctx): { bad: string[]; unknown: string[] } {
  const bad: string[] = [];
  const unknown: string[] = [];
  const judge = (where: string, v: unknown) => {
    const b = bool(v);
    if (b === true) return;
    if (b === "unknown") unknown.push(where);
    else bad.push(where);
  };
  if (r.type === T.launchTemplate) {
    const l = arr(get(r.props, "blockDeviceMappings"));
    if (l === "unknown") unknown.push("blockDeviceMappings");
    (l === "unknown" ? [] : (l ?? [])).forEach((m, i) => {
      if (isSet(get(m, "ebs")) && !isSet(get(m, "virtualName")))
        judge(`blockDeviceMappings[${i}].ebs`, get(m, "ebs", "encrypted"));
    });
    return { bad, unknown };
  }
  // Instance root volume: own setting, else the template's mappings, else unencrypted (AWS default).
  if (isInstance(r)) {
    const own = get(r.props, "rootBlockDevice", "encrypted");
    if (isSet(own)) judge("rootBlockDevice", own);
    else {
      const l = templateOf(r, ctx);
      if (l.status === "found") {
        const lt = volumeProblems(l.res[0], ctx);
        const maps = arr(get(l.res[0].props, "blockDeviceMappings"));
        if (Array.isArray(maps) && maps.length) {
          bad.push(...lt.bad.map((w) => `launch template ${w}`));
          unknown.push(...lt.unknown.map((w) => `launch template ${w}`));
        } else bad.push("root volume (no encryption set on the instance or its launch template)");
      } else if (l.status === "none") bad.push("root volume (rootBlockDevice.encrypted not set)");
      else unknown.push("root volume (launch template not resolvable)");
    }
  } else judge("rootBlockDevice", get(r.props, "rootBlockDevice", "encrypted"));
  const ebs = arr(get(r.props, "ebsBlockDevices"));
  if (ebs === "unknown") unknown.push("ebsBlockDevices");
  else (ebs ?? []).forEach((d, i) => judge(`ebsBlockDevices[${i}]`, get(d, "encrypted")));
  return { bad, unknown };
}
