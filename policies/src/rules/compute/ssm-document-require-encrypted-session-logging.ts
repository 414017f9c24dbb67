/** Session Manager preference documents must encrypt sessions with KMS and log them to an encrypted destination. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { str } from "../../values";

export const ssmSessionLogging: PolicyDef = {
  name: PolicyNames.ssmSessionLogging,
  description:
    "Session Manager preference documents must encrypt sessions with KMS and log them to an encrypted destination.",
  severity: "medium",
  enforcement: "mandatory",
  family: "compute",
  securityHub: ["SSM.6"],
  cis: [],
  remediation:
    "In the Session document set inputs.kmsKeyId, and cloudWatchLogGroupName with " +
    "cloudWatchEncryptionEnabled: true (or s3BucketName with s3EncryptionEnabled: true).",
  unknowns: "Unknown document content is advisory in preview.",
  types: ["aws:ssm/document:Document"],
  check(r, _ctx, emit) {
    const dt = str(r.props.documentType);
    if (dt !== "Session") return;
    const content = str(r.props.content);
    if (content === "unknown") return emit.unknown("document content is unknown during preview");
    const c = content ?? "";
    const val = (k: string) => c.match(new RegExp(`["']?${k}["']?\\s*:\\s*["']?([^"',\\n}]*)`))?.[1]?.trim() ?? "";
    if (!val("kmsKeyId")) emit.fail("sessions are not encrypted (inputs.kmsKeyId is empty)");
    const cw = val("cloudWatchLogGroupName");
    const s3 = val("s3BucketName");
    const on = (k: string) => /^(true|yes)$/i.test(val(k));
    if (!cw && !s3) emit.fail("sessions are not logged (no cloudWatchLogGroupName or s3BucketName)");
    if (cw && !on("cloudWatchEncryptionEnabled"))
      emit.fail("session logs to CloudWatch are not encrypted (cloudWatchEncryptionEnabled)");
    if (s3 && !on("s3EncryptionEnabled")) emit.fail("session logs to S3 are not encrypted (s3EncryptionEnabled)");
  },
};
