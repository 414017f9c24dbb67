/**
 * kms-encryption-require-customer-managed-key (advisory): block devices of instances and launch templates too, so
 * Bulwark's encryption.customerManagedKey switch (off with a waiver, tagged on the servers) is judged by a control.
 */
import { evaluate, UNKNOWN } from "../../../../policies/src/engine";
import { PolicyNames } from "../../../../policies/src/names";
import { waiverTags } from "../../../../policies/src/waiver";
import { asPreview, baseline, T, urnOf } from "../../fixtures";
import { changedBaseline, find, findingsOf, mandatory, MODES } from "../../helpers";

const P = PolicyNames.kmsCustomerManagedKey;
const mine = findingsOf(P);
const dev = (p: Record<string, unknown>, k: string) => p[k] as Record<string, unknown>;

describe.each(MODES)("%s", (_mode, shape) => {
  const run = changedBaseline(shape);

  it("the baseline (every device names a customer-managed key) has no finding", () => {
    expect(mine(run(() => undefined))).toEqual([]);
  });

  it("a root device, a data device and a template mapping on the AWS-managed key are reported, advisory", () => {
    const fs = run((s) => {
      const i = find(s, T.instance, "web-1").props;
      delete dev(i, "rootBlockDevice").kmsKeyId;
      (i.ebsBlockDevices as Record<string, unknown>[])[0].kmsKeyId = "alias/aws/ebs";
      const lt = find(s, T.lt, "web").props.blockDeviceMappings as { ebs: Record<string, unknown> }[];
      delete lt[0].ebs.kmsKeyId;
    });
    expect(mandatory(fs)).toEqual([]);
    expect(mine(fs).map((f) => [f.urn, f.enforcement, f.message])).toEqual([
      [urnOf(T.lt, "web"), "advisory", "blockDeviceMappings[0].ebs: no kmsKeyId: the AWS-managed key is used"],
      [urnOf(T.instance, "web-1"), "advisory", "rootBlockDevice: no kmsKeyId: the AWS-managed key is used"],
      [urnOf(T.instance, "web-1"), "advisory", "ebsBlockDevices[0]: kmsKeyId alias/aws/ebs is AWS-managed"],
    ]);
  });

  it("the switch's waiver tag is seen (waived, with the approver); an expired one blocks", () => {
    const off = (expires: string) =>
      run((s) => {
        const i = find(s, T.instance, "web-1").props;
        delete dev(i, "rootBlockDevice").kmsKeyId;
        i.tags = waiverTags([
          { policy: P, reason: "AWS-managed key until the KMS rollout", approver: "security@example.com", expires },
        ]);
      });
    const valid = mine(off("2027-02-01"));
    expect(valid.map((f) => [f.enforcement, f.waived?.approver])).toEqual([["advisory", "security@example.com"]]);
    const expired = off("2026-11-29");
    expect(
      mandatory(expired)
        .map((f) => f.policy)
        .sort(),
    ).toEqual([P, PolicyNames.waiverValid].sort());
  });

  it("an unencrypted device is the encryption control's finding, not this one's", () => {
    const fs = run((s) => {
      const i = find(s, T.instance, "web-1").props;
      dev(i, "rootBlockDevice").encrypted = false;
      delete dev(i, "rootBlockDevice").kmsKeyId;
    });
    expect(mine(fs)).toEqual([]);
    expect(mandatory(fs).map((f) => f.policy)).toEqual([PolicyNames.instanceEncryptedVolumes]);
  });
});

it("an unknown key (a key created in the same preview) counts as customer-managed", () => {
  const s = baseline();
  dev(find(s, T.instance, "web-1").props, "rootBlockDevice").kmsKeyId = UNKNOWN;
  expect(mine(evaluate(asPreview(s)))).toEqual([]);
});
