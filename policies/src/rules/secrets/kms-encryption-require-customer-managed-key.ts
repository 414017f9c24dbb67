/**
 * Databases, volumes (standalone, instance and launch-template block devices) and secrets should use
 * customer-managed KMS keys. Advisory: the AWS-managed key still encrypts (the encryption controls are mandatory), a
 * customer-managed key adds key-policy control and audit. Bulwark's `encryption.customerManagedKey` switch turns it
 * off only with a waiver, tagged on the servers under this control's name.
 */
import type { Emit, PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { COMPUTE_TYPES as T, RDS_TYPES as R } from "../../types";
import { arr, bool, get, isSet, str } from "../../values";

/** One key reference: absent (the AWS-managed key), an `alias/aws/...` key, or unknown (counts as customer-managed). */
function judgeKey(where: string, key: unknown, emit: Emit): void {
  const k = str(key);
  if (k === "unknown") return;
  if (!k) emit.fail(`${where}no kmsKeyId: the AWS-managed key is used`);
  else if (/alias\/aws\//.test(k)) emit.fail(`${where}kmsKeyId ${k} is AWS-managed`);
}

/** Block devices as declared: an instance's root and EBS devices, a launch template's EBS mappings. */
function deviceKeys(type: string, props: Record<string, unknown>, emit: Emit): void {
  // A device set to unencrypted is the encryption control's finding, not this one's.
  const judge = (where: string, dev: unknown) => {
    if (bool(get(dev, "encrypted")) === false) return;
    judgeKey(`${where}: `, get(dev, "kmsKeyId"), emit);
  };
  if (type === T.launchTemplate) {
    const maps = arr(get(props, "blockDeviceMappings"));
    if (maps === "unknown") return;
    (maps ?? []).forEach((m, i) => {
      if (isSet(get(m, "ebs")) && !isSet(get(m, "virtualName"))) judge(`blockDeviceMappings[${i}].ebs`, get(m, "ebs"));
    });
    return;
  }
  // Only what the instance declares: without a rootBlockDevice the root volume follows its launch template (judged
  // on its own) or the account's EBS default key.
  if (isSet(props.rootBlockDevice)) judge("rootBlockDevice", props.rootBlockDevice);
  const ebs = arr(get(props, "ebsBlockDevices"));
  if (ebs !== "unknown") (ebs ?? []).forEach((d, i) => judge(`ebsBlockDevices[${i}]`, d));
}

export const kmsCustomerManagedKey: PolicyDef = {
  name: PolicyNames.kmsCustomerManagedKey,
  description: "Databases, volumes and secrets should use customer-managed KMS keys.",
  severity: "low",
  enforcement: "advisory",
  family: "secrets",
  securityHub: [],
  cis: [],
  remediation:
    "Pass kmsKeyId of a customer-managed key with rotation on (Bulwark's EncryptionKey), " +
    "on volumes and block devices too.",
  unknowns:
    "An unknown key id counts as customer-managed. Instance and launch-template block devices are judged as " +
    "declared; a device set to unencrypted is left to the encryption control.",
  types: [R.instance, R.cluster, T.volume, R.secret, T.instance, T.launchTemplate],
  check(r, _ctx, emit) {
    if (r.type === T.instance || r.type === T.launchTemplate) return deviceKeys(r.type, r.props, emit);
    judgeKey("", r.props.kmsKeyId, emit);
  },
};
