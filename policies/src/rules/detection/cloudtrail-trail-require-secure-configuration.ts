/** CloudTrail trails must be multi-region, validated, KMS-encrypted, sent to CloudWatch Logs and logging. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { bool, isSet } from "../../values";

export const cloudTrailSecure: PolicyDef = {
  name: PolicyNames.cloudTrailSecure,
  description: "CloudTrail trails must be multi-region, validated, KMS-encrypted, sent to CloudWatch Logs and logging.",
  severity: "high",
  enforcement: "mandatory",
  family: "detection",
  securityHub: ["CloudTrail.1", "CloudTrail.2", "CloudTrail.4", "CloudTrail.5"],
  cis: ["3.1", "3.2", "3.5"],
  remediation:
    "Set isMultiRegionTrail, enableLogFileValidation, kmsKeyId, cloudWatchLogsGroupArn (+ role) and keep " +
    "enableLogging on.",
  unknowns: "Unknown values are advisory in preview (an unknown key or log group ARN counts as set).",
  types: ["aws:cloudtrail/trail:Trail"],
  check(r, _ctx, emit) {
    const need = (prop: string, label: string, dflt: boolean) => {
      const v = bool(r.props[prop]);
      if (v === "unknown") emit.unknown(`${prop} is unknown during preview`);
      else if ((v ?? dflt) !== true) emit.fail(`${label} (${prop})`);
    };
    need("isMultiRegionTrail", "the trail is not multi-region", false);
    need("enableLogFileValidation", "log file validation is off", false);
    need("enableLogging", "the trail is not logging", true);
    for (const [prop, label] of [
      ["kmsKeyId", "logs are not KMS-encrypted"],
      ["cloudWatchLogsGroupArn", "events are not sent to CloudWatch Logs"],
    ]) {
      const v = r.props[prop];
      if (!isSet(v) || v === "") emit.fail(`${label} (${prop})`);
    }
  },
};
