/** EC2 root and data volumes (instances, launch templates, launch configurations, standalone volumes) must be
 * encrypted, unless EBS encryption by default is on in this stack. */
import type { PolicyDef } from "../../framework";
import { ebsDefaultOn, volumeProblems } from "../../lib/volumes";
import { PolicyNames } from "../../names";
import { COMPUTE_TYPES as T, SERVER_TYPES } from "../../types";
import { bool } from "../../values";

export const instanceEncryptedVolumes: PolicyDef = {
  name: PolicyNames.instanceEncryptedVolumes,
  description:
    "EC2 root and data volumes (instances, launch templates, launch configurations, standalone volumes) must " +
    "be encrypted, unless EBS encryption by default is on in this stack.",
  severity: "high",
  enforcement: "mandatory",
  family: "compute",
  securityHub: ["EC2.3", "EC2.7"],
  cis: ["2.2.1"],
  remediation:
    "Set encrypted: true on every volume (rootBlockDevice, ebsBlockDevices, template mappings), or enable " +
    "aws.ebs.EncryptionByDefault in the stack.",
  unknowns:
    "An unknown flag is advisory in preview; an instance without its own setting inherits its launch " +
    "template's mappings.",
  types: [...SERVER_TYPES, T.volume],
  check(r, ctx, emit) {
    const p =
      r.type === T.volume
        ? (() => {
            const b = bool(r.props.encrypted);
            return b === true
              ? { bad: [], unknown: [] }
              : b === "unknown"
                ? { bad: [], unknown: ["encrypted"] }
                : { bad: ["volume"], unknown: [] };
          })()
        : volumeProblems(r, ctx);
    if (!p.bad.length && !p.unknown.length) return;
    if (ebsDefaultOn(ctx)) return;
    for (const w of p.bad) emit.fail(`not encrypted: ${w}`);
    for (const w of p.unknown) emit.unknown(`${w} encryption is unknown during preview`);
  },
};
