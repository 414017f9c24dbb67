/** EBS encryption by default, when declared, must be on: turning it off lets every new volume in the region be
 * unencrypted. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { COMPUTE_TYPES as T } from "../../types";
import { bool } from "../../values";

export const ebsEncryptionByDefault: PolicyDef = {
  name: PolicyNames.ebsEncryptionByDefault,
  description:
    "A declared EBS encryption-by-default setting must be enabled (enabled: false turns it off for the whole region).",
  severity: "high",
  enforcement: "mandatory",
  family: "compute",
  securityHub: ["EC2.7"],
  cis: ["2.2.1"],
  remediation: "Set enabled: true on aws.ebs.EncryptionByDefault (or remove enabled: false; the default is on).",
  unknowns: "An unknown flag is advisory in preview and decided at update.",
  types: [T.ebsDefault],
  check(r, _ctx, emit) {
    const v = bool(r.props.enabled);
    if (v === false) emit.fail("enabled is false: new EBS volumes in this region are not encrypted by default");
    else if (v === "unknown") emit.unknown("enabled is unknown during preview; checked again at update");
  },
  // Safe: it only changes the default for volumes created from now on.
  remediate: (_type, props) => (bool(props.enabled) === false ? { ...props, enabled: true } : undefined),
};
