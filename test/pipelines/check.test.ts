import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkResources, loadResources, parsePolicyConfig, runCheck } from "../../cli/check";
import { InputError } from "../../cli/inputs/load";
import { toSarif } from "../../cli/report/sarif";
import { PolicyNames } from "../../policies/src/names";
import { waiverTags } from "../../policies/src/waiver";

const fx = (f: string) => join(__dirname, "..", "fixtures", f);
const LEGACY = "urn:pulumi:prod::bulwark::aws:ec2/instance:Instance::legacy-app";
const LEGACY_SG = "urn:pulumi:prod::bulwark::aws:ec2/securityGroup:SecurityGroup::legacy-app-sg";
const blocking = (r: ReturnType<typeof runCheck>, urn: string) =>
  [
    ...new Set(
      r.findings.filter((f) => f.urn === urn && f.enforcement === "mandatory" && !f.waived).map((f) => f.policy),
    ),
  ].sort();

describe("the postmortem server is blocked by the controls it lacks", () => {
  const report = runCheck("state", fx("state-postmortem.v4.json"));

  test("instance: public IP, IMDSv1, unencrypted root, not SSM-managed", () => {
    expect(blocking(report, LEGACY)).toEqual(
      expect.arrayContaining([
        PolicyNames.instancePublicIp,
        PolicyNames.instanceImdsv2,
        PolicyNames.instanceEncryptedVolumes,
        PolicyNames.instanceSsmManaged,
      ]),
    );
  });

  test("firewall: SSH, the remote-access app and MySQL open to the internet", () => {
    const sg = report.findings
      .filter((f) => f.urn === LEGACY_SG && f.enforcement === "mandatory")
      .map((f) => f.message)
      .join("\n");
    for (const port of ["22", "3389", "3306"]) expect(sg).toMatch(new RegExp(`\\b${port}\\b.*0\\.0\\.0\\.0/0`));
  });

  test("the hardened part of the same estate has no blocking finding", () => {
    const others = report.findings.filter(
      (f) => f.urn && !f.urn.includes("legacy-app") && f.enforcement === "mandatory",
    );
    expect(others).toEqual([]);
  });

  test("the preview digest and the event log of the same change block on the same controls", () => {
    const preview = runCheck("preview", fx("preview-postmortem.json"));
    const events = runCheck("events", fx("events-postmortem.ndjson"));
    expect(blocking(preview, LEGACY)).toEqual(blocking(events, LEGACY));
    expect(blocking(preview, LEGACY_SG)).toEqual(blocking(events, LEGACY_SG));
    expect(blocking(preview, LEGACY).length).toBeGreaterThanOrEqual(3);
  });

  test("SARIF results point at the recorded source position", () => {
    const sarif = toSarif(report);
    const r = sarif.runs[0].results!.find((x) => x.locations![0].logicalLocations?.[0].fullyQualifiedName === LEGACY)!;
    expect(r.locations![0].physicalLocation).toMatchObject({
      artifactLocation: { uri: "components/server.ts" },
      region: { startLine: 112, startColumn: 22 },
    });
    // one rule per policy of the pack
    expect(new Set(sarif.runs[0].tool.driver.rules!.map((x) => x.id)).size).toBe(
      sarif.runs[0].tool.driver.rules!.length,
    );
    expect(sarif.runs[0].tool.driver.rules!.map((x) => x.id)).toEqual(
      expect.arrayContaining(Object.values(PolicyNames)),
    );
  });
});

describe("waivers written as tags (the components' contract) are honoured", () => {
  const resources = loadResources("state", fx("state-clean.v3.json"));
  const inst = resources.find((r) => r.type === "aws:ec2/instance:Instance")!;
  const relax = () => {
    const copy = structuredClone(resources);
    const i = copy.find((r) => r.urn === inst.urn)!;
    i.props.metadataOptions = { ...(i.props.metadataOptions as object), httpTokens: "optional" };
    return { copy, i };
  };

  test("IMDSv1 without a waiver blocks", () => {
    const { copy } = relax();
    const r = checkResources(copy, { kind: "state" });
    expect(r.verdict).toBe("fail");
    expect(blocking(r, inst.urn)).toEqual([PolicyNames.instanceImdsv2]);
  });

  test("with a valid waiver it is reported as waived and passes; an expired one blocks again", () => {
    const { copy, i } = relax();
    const waiver = {
      policy: PolicyNames.instanceImdsv2,
      reason: "vendor agent reads IMDSv1 until upgrade",
      approver: "secops@example.com",
      expires: "2099-06-30",
    };
    i.props.tags = { ...(i.props.tags as object), ...waiverTags([waiver]) };
    const r = checkResources(copy, { kind: "state" });
    expect(r.verdict).toBe("pass");
    expect(r.findings.find((f) => f.urn === inst.urn)!.waived).toEqual({
      reason: waiver.reason,
      approver: waiver.approver,
      expires: waiver.expires,
    });
    expect(r.summary.waived).toBe(1);
    const expired = checkResources(copy, { kind: "state" }, undefined, new Date("2100-01-01T00:00:00Z"));
    expect(expired.verdict).toBe("fail");
  });
});

describe("policy config", () => {
  test("levels: all first, then per policy; properties merged", () => {
    const c = parsePolicyConfig(
      JSON.stringify({
        [PolicyNames.rdsPublic]: "advisory",
        all: { enforcementLevel: "mandatory", hopLimit: 2 },
        environments: ["org/env"],
      }),
      "c.json",
    );
    expect(c.levels[PolicyNames.rdsPublic]).toBe("advisory");
    expect(c.levels[PolicyNames.instanceImdsv2]).toBe("mandatory");
    expect(c.properties).toEqual({ hopLimit: 2 });
    expect(parsePolicyConfig("", "empty.json")).toEqual({ levels: {}, properties: undefined });
  });
  test("a disabled policy reports nothing and has no SARIF rule", () => {
    const r = runCheck("state", fx("state-postmortem.v4.json"));
    const off = checkResources(
      loadResources("state", fx("state-postmortem.v4.json")),
      { kind: "state" },
      parsePolicyConfig(`{"${PolicyNames.instancePublicIp}": "disabled"}`, "c.json"),
    );
    expect(r.findings.some((f) => f.policy === PolicyNames.instancePublicIp)).toBe(true);
    expect(off.findings.some((f) => f.policy === PolicyNames.instancePublicIp)).toBe(false);
    expect(off.policies.some((p) => p.name === PolicyNames.instancePublicIp)).toBe(false);
  });
  test("bad values are InputErrors (exit 2)", () => {
    expect(() => parsePolicyConfig("[1]", "c.json")).toThrow(InputError);
    expect(() => parsePolicyConfig('{"all": 3}', "c.json")).toThrow(/use a level/);
    expect(() =>
      checkResources([], { kind: "state" }, parsePolicyConfig('{"all": {"hopLimit": 0}}', "c.json")),
    ).toThrow(InputError);
  });
});

test("check reads what the fixtures really contain (no hard-coded verdict)", () => {
  const doc = JSON.parse(readFileSync(fx("state-clean.v3.json"), "utf8"));
  const rds = doc.deployment.resources.find((r: { type: string }) => r.type === "aws:rds/instance:Instance");
  rds.outputs.publiclyAccessible = true;
  const resources = loadResources("state", fx("state-clean.v3.json")).map((r) =>
    r.urn === rds.urn ? { ...r, props: { ...r.props, publiclyAccessible: true } } : r,
  );
  const r = checkResources(resources, { kind: "state" });
  expect(blocking(r, rds.urn)).toContain(PolicyNames.rdsPublic);
});
