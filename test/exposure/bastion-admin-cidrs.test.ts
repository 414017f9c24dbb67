/**
 * `bulwark plan` hands the stack's private admin ranges (bastion mode's allowedCidrs) to the pack's adminCidrs, so
 * the lateral-movement control accepts a private office range; a public range is never passed (it keeps needing
 * its waiver under the internet-admin control).
 */
import { readStackFile } from "../../cli/plan-runner";
import { stackAdminCidrs, withAdminCidrs } from "../../cli/report/stack-admin-cidrs";
import { parseStackConfig } from "../../components/config";
import { evaluate } from "../../policies/src/engine";
import { PolicyNames } from "../../policies/src/names";
import { bastionStack, OFFICE, PRIVATE_OFFICE, writeStack } from "./bastion-config";

const fromStack = (cidrs: string[], mode?: string) => {
  const cfg = bastionStack("valid", cidrs);
  if (mode) (cfg["bulwark:adminAccess"] as Record<string, unknown>).mode = mode;
  const { file, cleanup } = writeStack(cfg);
  try {
    // As the plan does: the stack file read and parsed by the config's zod schema.
    const { config, secretKeys } = readStackFile(file);
    return stackAdminCidrs(parseStackConfig(config, { secretKeys }).adminAccess);
  } finally {
    cleanup();
  }
};

test("bastion mode: the private ranges of allowedCidrs, never a public one", () => {
  expect(fromStack([PRIVATE_OFFICE, OFFICE, "fd00:10::/48"])).toEqual([PRIVATE_OFFICE, "fd00:10::/48"]);
  expect(fromStack([OFFICE])).toEqual([]);
});

test("session-manager mode declares no admin range", () => {
  expect(fromStack([PRIVATE_OFFICE], "session-manager")).toEqual([]);
});

test("the ranges join adminCidrs under all and wherever a control sets its own; nothing else changes", () => {
  expect(withAdminCidrs(undefined, [])).toBeUndefined();
  expect(withAdminCidrs(undefined, [PRIVATE_OFFICE])).toEqual({ all: { adminCidrs: [PRIVATE_OFFICE] } });
  const lateral = PolicyNames.sgLateralAdminIngress;
  expect(
    withAdminCidrs(
      { all: { adminCidrs: ["198.51.100.0/24"], hopLimit: 1 }, [lateral]: { adminCidrs: [] }, x: "advisory" },
      [PRIVATE_OFFICE],
    ),
  ).toEqual({
    all: { adminCidrs: ["198.51.100.0/24", PRIVATE_OFFICE], hopLimit: 1 },
    [lateral]: { adminCidrs: [PRIVATE_OFFICE] },
    x: "advisory",
  });
});

test("with the range in adminCidrs the lateral control passes the bastion's rule; without it, it blocks", () => {
  const rule = {
    urn: "urn:pulumi:prod::bulwark::aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::hq-bastion-in",
    type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    name: "hq-bastion-in",
    props: { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: PRIVATE_OFFICE },
  };
  const lateral = (cfg?: unknown) =>
    evaluate([rule], cfg).filter(
      (f) => f.policy === PolicyNames.sgLateralAdminIngress && f.enforcement === "mandatory",
    );
  expect(lateral()).toHaveLength(1);
  expect(lateral(withAdminCidrs(undefined, [PRIVATE_OFFICE])?.all)).toEqual([]);
});
