import { createHash } from "node:crypto";
import type * as sarif from "sarif";
import type { CheckReport, PolicyInfo, ReportFinding, Severity } from "./model";

const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** GitHub code scanning ranks security alerts by this 0-10 score (`properties["security-severity"]`). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

/**
 * Results need a physical location to show in code scanning. When the state recorded no source position, the
 * finding is attached to the project file: the resource is named in the message and the logical location.
 */
export const FALLBACK_ARTIFACT = "Pulumi.yaml";

function level(p: { enforcement: string }): sarif.ReportingConfiguration.level {
  return p.enforcement === "mandatory" ? "error" : "warning";
}

function rule(p: PolicyInfo): sarif.ReportingDescriptor {
  const help = [
    p.description,
    p.remediation ? `Remediation: ${p.remediation}` : "",
    p.controls.length ? `Controls: ${p.controls.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join("\n\n");
  return {
    id: p.name,
    name: p.name,
    shortDescription: { text: p.description.split("\n")[0] },
    fullDescription: { text: p.description },
    help: { text: help, markdown: help },
    defaultConfiguration: { level: level(p) },
    properties: {
      tags: ["security", "pulumi", ...p.controls],
      "security-severity": SECURITY_SEVERITY[p.severity],
      precision: "very-high",
    },
  };
}

function location(f: ReportFinding): sarif.Location {
  const src = f.source;
  const physical: sarif.PhysicalLocation = src
    ? {
        artifactLocation: { uri: src.uri, ...(src.uri.startsWith("file:") ? {} : { uriBaseId: "%SRCROOT%" }) },
        ...(src.line ? { region: { startLine: src.line, ...(src.column ? { startColumn: src.column } : {}) } } : {}),
      }
    : { artifactLocation: { uri: FALLBACK_ARTIFACT, uriBaseId: "%SRCROOT%" }, region: { startLine: 1 } };
  return {
    physicalLocation: physical,
    ...(f.urn ? { logicalLocations: [{ fullyQualifiedName: f.urn, name: f.resourceName, kind: "resource" }] } : {}),
  };
}

function result(f: ReportFinding, ruleIndex: number): sarif.Result {
  const who = f.urn ? `${f.resourceType ?? "resource"} '${f.resourceName ?? f.urn}' (${f.urn})` : "the stack";
  const r: sarif.Result = {
    ruleId: f.policy,
    ruleIndex,
    level: level(f),
    message: { text: `${f.message.trim()}\nResource: ${who}` },
    locations: [location(f)],
    // Stable identity across runs even when no line is known: one alert per policy and resource.
    partialFingerprints: {
      "bulwarkFinding/v1": createHash("sha256")
        .update(`${f.policy}\u0000${f.urn ?? ""}`)
        .digest("hex")
        .slice(0, 32),
    },
    properties: { severity: f.severity, enforcement: f.enforcement, ...(f.urn ? { urn: f.urn } : {}) },
  };
  if (f.waived) {
    r.suppressions = [
      {
        kind: "external",
        status: "accepted",
        justification: f.waived.reason,
        properties: { approver: f.waived.approver, expires: f.waived.expires },
      },
    ];
  }
  return r;
}

/** SARIF 2.1.0: one rule per policy of the pack, one result per finding (waived ones as accepted suppressions). */
export function toSarif(r: CheckReport): sarif.Log {
  const policies = [...r.policies];
  // A finding from a policy the metadata does not list still gets a rule, so ruleIndex is always valid.
  for (const f of r.findings) {
    if (!policies.some((p) => p.name === f.policy))
      policies.push({
        name: f.policy,
        description: f.policy,
        severity: f.severity,
        enforcement: f.enforcement,
        controls: [],
      });
  }
  const index = new Map(policies.map((p, i) => [p.name, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "bulwark",
            version: r.tool.version,
            semanticVersion: r.tool.version,
            rules: policies.map(rule),
          },
        },
        automationDetails: { id: `bulwark/check/${r.input.kind}/` },
        results: r.findings.map((f) => result(f, index.get(f.policy)!)),
        columnKind: "utf16CodeUnits",
      },
    ],
  };
}

export function formatSarif(r: CheckReport): string {
  return JSON.stringify(toSarif(r), null, 2) + "\n";
}
