/** Databases, volumes and secrets should use customer-managed KMS keys. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { RDS_TYPES as R } from "../../types";
import { str } from "../../values";

export const kmsCustomerManagedKey: PolicyDef = {
  name: PolicyNames.kmsCustomerManagedKey,
  description: "Databases, volumes and secrets should use customer-managed KMS keys.",
  severity: "low",
  enforcement: "advisory",
  family: "secrets",
  securityHub: [],
  cis: [],
  remediation: "Pass kmsKeyId of a customer-managed key with rotation on (Bulwark's EncryptionKey).",
  unknowns: "An unknown key id counts as customer-managed.",
  types: [R.instance, R.cluster, "aws:ebs/volume:Volume", R.secret],
  check(r, _ctx, emit) {
    const k = str(r.props.kmsKeyId);
    if (k === "unknown") return;
    if (!k) emit.fail("no kmsKeyId: the AWS-managed key is used");
    else if (/alias\/aws\//.test(k)) emit.fail(`kmsKeyId ${k} is AWS-managed`);
  },
};
