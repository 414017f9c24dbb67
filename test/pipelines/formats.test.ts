import { formatCheckReport } from "../../cli/report";
import { COMMENT_MARKER, formatMarkdown, MAX_COMMENT_CHARS } from "../../cli/report/markdown";
import { buildCheckReport, type PolicyInfo, type ReportFinding } from "../../cli/report/model";
import { FALLBACK_ARTIFACT, toSarif } from "../../cli/report/sarif";
import { runDrift } from "../../cli/drift";
import { join } from "node:path";
import { reportValidator, sarifValidator } from "./schemas";

const policies: PolicyInfo[] = [
  {
    name: "ec2-instance-require-imdsv2",
    description: "EC2 instances must require IMDSv2.",
    remediation: "Set metadataOptions.httpTokens to required.",
    severity: "high",
    enforcement: "mandatory",
    controls: ["FSBP EC2.8"],
  },
  {
    name: "ec2-security-group-disallow-internet-admin-ingress",
    description: "No SSH/RDP from the internet.",
    severity: "critical",
    enforcement: "mandatory",
    controls: ["FSBP EC2.13", "CIS 5.2"],
  },
  {
    name: "rds-instance-require-iam-auth",
    description: "RDS uses IAM auth.",
    severity: "medium",
    enforcement: "advisory",
    controls: [],
  },
];
const urn = "urn:pulumi:prod::bulwark::aws:ec2/instance:Instance::legacy-app";
const findings: ReportFinding[] = [
  {
    policy: "ec2-instance-require-imdsv2",
    severity: "high",
    enforcement: "mandatory",
    urn,
    resourceType: "aws:ec2/instance:Instance",
    resourceName: "legacy-app",
    message: 'httpTokens is "optional"',
    source: { uri: "index.ts", line: 40, column: 5 },
  },
  {
    policy: "ec2-security-group-disallow-internet-admin-ingress",
    severity: "critical",
    enforcement: "mandatory",
    urn: urn.replace("instance:Instance::legacy-app", "securityGroup:SecurityGroup::legacy-app-sg"),
    message: "port 22 open | to 0.0.0.0/0",
  },
  {
    policy: "rds-instance-require-iam-auth",
    severity: "medium",
    enforcement: "advisory",
    message: "stack-level finding",
  },
  {
    policy: "ec2-instance-require-imdsv2",
    severity: "high",
    enforcement: "mandatory",
    urn: urn.replace("legacy-app", "old-batch"),
    message: "httpTokens optional",
    waived: { reason: "vendor agent needs IMDSv1", approver: "sec@example.com", expires: "2099-12-31" },
  },
];
const report = buildCheckReport({ kind: "state", file: "state.json" }, 12, findings, policies, "0.1.0");

test("verdict and counts: waived mandatory findings do not fail", () => {
  expect(report.verdict).toBe("fail");
  expect(report.summary).toEqual({ resources: 12, findings: 4, mandatory: 2, advisory: 1, waived: 1 });
  const ok = buildCheckReport({ kind: "state" }, 1, [findings[2], findings[3]], policies, "0.1.0");
  expect(ok.verdict).toBe("pass");
});

describe("SARIF", () => {
  const validate = sarifValidator();
  const log = toSarif(report);

  test("valid against the SARIF 2.1.0 schema", () => {
    const ok = validate(JSON.parse(formatCheckReport(report, "sarif")));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test("the validator rejects a broken log (it is not vacuous)", () => {
    const broken = JSON.parse(JSON.stringify(log));
    broken.runs[0].results[0].level = "fatal";
    delete broken.runs[0].tool.driver.name;
    expect(validate(broken)).toBe(false);
  });

  test("one rule per policy with help text and severity; results name URN and source", () => {
    const run = log.runs[0];
    expect(run.tool.driver.rules!.map((r) => r.id)).toEqual(policies.map((p) => p.name));
    const imds = run.tool.driver.rules![0];
    expect(imds.help!.text).toMatch(/Remediation: Set metadataOptions/);
    expect(imds.defaultConfiguration!.level).toBe("error");
    expect(imds.properties!["security-severity"]).toBe("8.0");
    expect(run.tool.driver.rules![2].defaultConfiguration!.level).toBe("warning");
    const r0 = run.results!.find((r) => r.ruleId === "ec2-instance-require-imdsv2" && !r.suppressions)!;
    expect(r0.locations![0].physicalLocation).toEqual({
      artifactLocation: { uri: "index.ts", uriBaseId: "%SRCROOT%" },
      region: { startLine: 40, startColumn: 5 },
    });
    expect(r0.locations![0].logicalLocations![0].fullyQualifiedName).toBe(urn);
    expect(r0.message.text).toContain(urn);
    expect(run.results![r0.ruleIndex!].ruleId).toBeDefined();
    expect(run.tool.driver.rules![r0.ruleIndex!].id).toBe(r0.ruleId);
  });

  test("no known source: the project file; waived findings are accepted suppressions", () => {
    const sg = log.runs[0].results!.find((r) => r.ruleId === "ec2-security-group-disallow-internet-admin-ingress")!;
    expect(sg.locations![0].physicalLocation!.artifactLocation!.uri).toBe(FALLBACK_ARTIFACT);
    const waived = log.runs[0].results!.find((r) => r.suppressions)!;
    expect(waived.suppressions![0]).toMatchObject({
      kind: "external",
      status: "accepted",
      justification: "vendor agent needs IMDSv1",
    });
  });
});

describe("Markdown", () => {
  const md = formatMarkdown(report);
  test("grouped by control, blocking controls first, pipes escaped", () => {
    expect(md.startsWith(COMMENT_MARKER)).toBe(true);
    const sections = [...md.matchAll(/^### .*`([a-z0-9-]+)`/gm)].map((m) => m[1]);
    expect(sections).toEqual([
      "ec2-security-group-disallow-internet-admin-ingress",
      "ec2-instance-require-imdsv2",
      "rds-instance-require-iam-auth",
    ]);
    expect(md).toContain("port 22 open \\| to 0.0.0.0/0");
    expect(md).toContain("waived until 2099-12-31");
    expect(md).toContain("_Controls: FSBP EC2.13, CIS 5.2_");
  });
  test("stays under GitHub's comment limit on a huge estate", () => {
    const many = Array.from({ length: 400 }, (_, i) => ({
      ...findings[0],
      policy: `p-${i}-x`,
      urn: `${urn}-${i}`,
      message: "x".repeat(300),
    }));
    const big = formatMarkdown(buildCheckReport({ kind: "state" }, 400, many, [], "0.1.0"));
    expect(big.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS + 200);
    expect(big).toMatch(/more controls not shown/);
  });
  test("a clean report says so", () => {
    expect(formatMarkdown(buildCheckReport({ kind: "preview" }, 3, [], policies, "0.1.0"))).toMatch(
      /passed[\s\S]*No findings/,
    );
  });
});

describe("JSON against docs/check-output.schema.json", () => {
  const validate = reportValidator();
  test("check report", () => {
    expect(validate(JSON.parse(formatCheckReport(report, "json")))).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
  });
  test("drift report", () => {
    const drift = JSON.parse(JSON.stringify(runDrift(join(__dirname, "..", "fixtures", "drift-estate.json"))));
    expect(validate(drift)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
  });
  test("the schema rejects a report with a wrong verdict or a stray field", () => {
    expect(validate({ ...JSON.parse(formatCheckReport(report, "json")), verdict: "maybe" })).toBe(false);
    expect(validate({ ...JSON.parse(formatCheckReport(report, "json")), extra: 1 })).toBe(false);
  });
});
