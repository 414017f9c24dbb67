/** EC2 instances, launch templates and launch configurations must require IMDSv2 with a small hop limit. */
import { isObj } from "../../values";
import type { Obj } from "../../values";
import type { PolicyDef } from "../../framework";
import { effectiveImds, imdsOf } from "../../launch";
import { PolicyNames } from "../../names";
import { SERVER_TYPES } from "../../types";

function remediateImds(type: string, props: Obj, hopLimit: number): Obj | undefined {
  if (!SERVER_TYPES.includes(type as never)) return undefined;
  const cur = imdsOf(props);
  if (cur?.endpoint === "disabled") return undefined;
  const hop = typeof cur?.hop === "number" ? Math.min(cur.hop, hopLimit) : hopLimit;
  if (cur?.tokens === "required" && typeof cur.hop === "number" && cur.hop <= hopLimit) return undefined;
  const mo = isObj(props.metadataOptions) ? props.metadataOptions : {};
  return {
    ...props,
    metadataOptions: { ...mo, httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: hop },
  };
}

export const instanceImdsv2: PolicyDef = {
  name: PolicyNames.instanceImdsv2,
  description: "EC2 instances, launch templates and launch configurations must require IMDSv2 with a small hop limit.",
  severity: "high",
  enforcement: "mandatory",
  family: "compute",
  securityHub: ["EC2.8", "EC2.170", "Autoscaling.3"],
  cis: ["5.7"],
  remediation:
    'Set metadataOptions { httpTokens: "required", httpPutResponseHopLimit: 1 } (remediate does this), on ' +
    "the instance or its launch template.",
  unknowns:
    "An instance without its own metadataOptions inherits its launch template's (preview: via " +
    "propertyDependencies); unknown values are advisory.",
  types: SERVER_TYPES,
  check(r, ctx, emit) {
    const { imds, from } = effectiveImds(r, ctx);
    if (imds.endpoint === "disabled") return;
    const src = from === "launch template" ? " (from its launch template)" : "";
    if (imds.tokens === "unknown") emit.unknown(`metadataOptions.httpTokens is unknown during preview${src}`);
    else if (imds.tokens !== "required")
      emit.fail(
        `metadataOptions.httpTokens ` +
          `is ${imds.tokens === undefined ? "not set (IMDSv1 allowed)" : `"${imds.tokens}"`}${src}`,
      );
    if (imds.hop === "unknown") emit.unknown("metadataOptions.httpPutResponseHopLimit is unknown during preview");
    else if (typeof imds.hop === "number" && imds.hop > ctx.cfg.hopLimit)
      emit.fail(`metadataOptions.httpPutResponseHopLimit is ${imds.hop} (max ${ctx.cfg.hopLimit})`);
  },
  remediate: (type, props, cfg) => remediateImds(type, props, cfg.hopLimit),
};
