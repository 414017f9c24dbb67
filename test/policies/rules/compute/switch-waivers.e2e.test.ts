/**
 * Switch waivers through the built pack (run-policy-pack, gRPC), in preview and update modes: termination protection
 * turned off blocks at Analyze unless the instance carries the waiver tag Bulwark's switch writes; unset is advisory;
 * an AWS-managed key on a block device is advisory and waived the same way; an unknown flag is advisory in preview.
 */
import type { AnalyzerDiagnostic } from "../../../../cli/analyzer";
import { UNKNOWN } from "../../../../policies/src/engine";
import { PolicyNames } from "../../../../policies/src/names";
import { waiverTags } from "../../../../policies/src/waiver";
import { run } from "../../e2e";
import { res, T } from "../../fixtures";
import { MODES, startPack } from "../../helpers";

jest.setTimeout(120_000);

const TP = PolicyNames.instanceTerminationProtection;
const CMK = PolicyNames.kmsCustomerManagedKey;
const waived = (policy: string) =>
  waiverTags([
    { policy, reason: "rebuilt nightly from the image", approver: "ops@example.com", expires: "2999-12-31" },
  ]);
const instance = (name: string, props: Record<string, unknown>) =>
  res(T.instance, name, { ami: "ami-1", instanceType: "t3.micro", ...props });
const verdicts = (ds: AnalyzerDiagnostic[], policy: string) =>
  ds
    .filter((d) => d.policyName === policy)
    .map((d) => [d.urn.split("::").pop(), d.enforcementLevel, /waived by ops@example\.com/.test(d.message)])
    .sort();

describe.each(MODES)("switch waivers through the pack (%s)", (mode, shape) => {
  const c = startPack({ mode }, {});

  it("termination protection off blocks unless waived; unset is advisory; on passes", async () => {
    const out = await run(
      c(),
      shape([
        instance("off", { disableApiTermination: false }),
        instance("off-waived", { disableApiTermination: false, tags: waived(TP) }),
        instance("unset", {}),
        instance("on", { disableApiTermination: true }),
      ]),
    );
    // Decided at Analyze (the instance's own flag): nothing left for AnalyzeStack to repeat.
    expect(verdicts(out.analyze, TP)).toEqual([
      ["off", "mandatory", false],
      ["off-waived", "advisory", true],
      ["unset", "advisory", false],
    ]);
    expect(verdicts(out.stack, TP)).toEqual([]);
  });

  it("a root device on the AWS-managed key is advisory, and waived by the switch's tag", async () => {
    const root = { rootBlockDevice: { encrypted: true }, disableApiTermination: true };
    const out = await run(
      c(),
      shape([instance("aws-key", root), instance("aws-key-waived", { ...root, tags: waived(CMK) })]),
    );
    expect(verdicts([...out.analyze, ...out.stack], CMK)).toEqual([
      ["aws-key", "advisory", false],
      ["aws-key-waived", "advisory", true],
    ]);
  });

  if (mode === "preview")
    it("an unknown flag is advisory in preview, never a block", async () => {
      const out = await run(c(), [instance("unknown", { disableApiTermination: UNKNOWN })]);
      expect(verdicts([...out.analyze, ...out.stack], TP)).toEqual([["unknown", "advisory", false]]);
    });
});
