import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changesFromDigest, changesFromEvents } from "../../cli/inputs/changes";
import { MASKED_SECRET, parseSourcePosition, typeFromUrn } from "../../cli/inputs/encoding";
import { InputError, parseDeployment, parseEventLog, parsePreviewDigest, readInputFile } from "../../cli/inputs/load";
import { resourcesFromChanges, resourcesFromDeployment } from "../../cli/inputs/resources";
import { formatPath, parsePath } from "../../cli/inputs/paths";

const FIX = join(__dirname, "..", "fixtures");
const read = (f: string) => readFileSync(join(FIX, f), "utf8");
const UNKNOWN = Symbol("unknown");
const tmp = mkdtempSync(join(tmpdir(), "bulwark-inputs-"));
const tmpFile = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe("stack export (deployment v3 and v4)", () => {
  test("v3: every resource with urn, type, name, parent, dependencies, propertyDependencies", () => {
    const d = parseDeployment(read("state-clean.v3.json"), "state-clean.v3.json");
    expect(d.version).toBe(3);
    const rs = resourcesFromDeployment(d, UNKNOWN);
    expect(rs).toHaveLength(d.deployment.resources!.length);
    const inst = rs.find((r) => r.urn.endsWith("aws:ec2/instance:Instance::web-1"))!;
    expect(inst).toMatchObject({
      type: "aws:ec2/instance:Instance",
      name: "web-1",
      custom: true,
      parent: "urn:pulumi:prod::bulwark::bulwark:compute:HardenedServer::web-1",
      provider: "urn:pulumi:prod::bulwark::pulumi:providers:aws::default_7_48_0",
      source: { uri: "components/server.ts", line: 112, column: 22 },
    });
    expect(inst.dependencies).toEqual([
      expect.stringContaining("SecurityGroup::web-1-sg"),
      expect.stringContaining("InstanceProfile::web-1-profile"),
    ]);
    expect(inst.propertyDependencies.vpcSecurityGroupIds).toEqual([inst.dependencies[0]]);
    // outputs over inputs: the state's read-back values
    expect(inst.props.publicIp).toBe("");
    expect(inst.props.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
    // provider-internal keys are not policy input
    expect(inst.props).not.toHaveProperty("__defaults");
  });

  test("secrets stay masked: ciphertext and --show-secrets plaintext never reach policy input", () => {
    const text = read("state-postmortem.v4.json");
    expect(text).toContain("hunter2-postmortem"); // the fixture really carries plaintext
    const d = parseDeployment(text, "state-postmortem.v4.json");
    expect(d.version).toBe(4);
    const rs = resourcesFromDeployment(d, UNKNOWN);
    const legacy = rs.find((r) => r.name === "legacy-app")!;
    expect(legacy.props.userData).toBe(MASKED_SECRET);
    expect(legacy.secretPaths).toEqual(["userData"]);
    const all = JSON.stringify(rs);
    expect(all).not.toContain("hunter2");
    expect(all).not.toContain("v1:q0X1cmV0bm9uY2U=");
  });

  test("resources pending deletion are not checked", () => {
    const doc = JSON.parse(read("state-clean.v3.json"));
    doc.deployment.resources[3].delete = true;
    const rs = resourcesFromDeployment(parseDeployment(JSON.stringify(doc), "x.json"), UNKNOWN);
    expect(rs.map((r) => r.urn)).not.toContain(doc.deployment.resources[3].urn);
  });

  test("unknown v4 features are refused; known ones accepted", () => {
    const doc = JSON.parse(read("state-clean.v3.json"));
    doc.version = 4;
    doc.features = ["refreshBeforeUpdate", "teleport"];
    expect(() => parseDeployment(JSON.stringify(doc), "s.json")).toThrow(/feature\(s\) teleport/);
    doc.features = ["refreshBeforeUpdate", "hooks"];
    expect(parseDeployment(JSON.stringify(doc), "s.json").features).toEqual(["refreshBeforeUpdate", "hooks"]);
  });
});

describe("preview digest", () => {
  test("creates carry unknowns and masked secrets; sames are included with --show-sames", () => {
    const d = parsePreviewDigest(read("preview-postmortem.json"), "p.json");
    const rs = resourcesFromChanges(changesFromDigest(d), UNKNOWN);
    const inst = rs.find((r) => r.type === "aws:ec2/instance:Instance")!;
    expect(inst.props.vpcSecurityGroupIds).toEqual([UNKNOWN]);
    expect(inst.props.userData).toBe(MASKED_SECRET);
    expect(inst.props.associatePublicIpAddress).toBe(true);
    const clean = resourcesFromChanges(
      changesFromDigest(parsePreviewDigest(read("preview-clean.json"), "c.json")),
      UNKNOWN,
    );
    expect(clean.length).toBe(JSON.parse(read("state-clean.v3.json")).deployment.resources.length);
  });

  test("detailedDiff keeps the digest's `kind`", () => {
    const ch = changesFromDigest(parsePreviewDigest(read("preview-clean.json"), "c.json")).find(
      (c) => c.op === "update",
    )!;
    expect(ch.detailedDiff).toEqual([{ path: "tags.CostCentre", kind: "add", inputDiff: true }]);
  });

  test("deleted resources are not part of the planned estate", () => {
    const doc = JSON.parse(read("preview-clean.json"));
    doc.steps[2].op = "delete";
    const rs = resourcesFromChanges(changesFromDigest(parsePreviewDigest(JSON.stringify(doc), "d.json")), UNKNOWN);
    expect(rs.map((r) => r.urn)).not.toContain(doc.steps[2].urn);
  });
});

describe("engine event log", () => {
  test("one resource per URN, new state from resOutputsEvent; event secrets masked", () => {
    const events = parseEventLog(read("events-postmortem.ndjson"), "e.ndjson");
    expect(events[events.length - 1].cancelEvent).toEqual({});
    const changes = changesFromEvents(events);
    expect(new Set(changes.map((c) => c.urn)).size).toBe(changes.length);
    const rs = resourcesFromChanges(changes, UNKNOWN);
    const legacy = rs.find((r) => r.name === "legacy-app")!;
    expect(legacy.props.userData).toBe(MASKED_SECRET);
    expect(legacy.props.vpcSecurityGroupIds).toEqual([UNKNOWN]);
  });

  test("events and digest of the same drift give the same changes", () => {
    const fromEvents = changesFromEvents(parseEventLog(read("drift-estate.ndjson"), "d.ndjson")).filter(
      (c) => c.detailedDiff,
    );
    const fromDigest = changesFromDigest(parsePreviewDigest(read("drift-estate.json"), "d.json")).filter(
      (c) => c.detailedDiff,
    );
    expect(fromEvents.map((c) => [c.urn, c.detailedDiff])).toEqual(fromDigest.map((c) => [c.urn, c.detailedDiff]));
  });
});

describe("bad input gets a clear InputError naming the problem", () => {
  const expectInputError = (fn: () => unknown, pattern: RegExp) => {
    let caught: unknown;
    try {
      fn();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as Error).message).toMatch(pattern);
  };

  test("truncated export", () => {
    const text = read("state-clean.v3.json");
    expectInputError(() => parseDeployment(text.slice(0, text.length / 2), "s.json"), /not valid JSON.*truncated/s);
  });
  test("truncated digest", () => {
    const text = read("preview-clean.json");
    expectInputError(() => parsePreviewDigest(text.slice(0, 900), "p.json"), /truncated/);
  });
  test("event log cut mid-line", () => {
    const text = read("events-clean.ndjson");
    expectInputError(
      () => parseEventLog(text.slice(0, text.length - 40), "e.ndjson"),
      /e\.ndjson:\d+: not a JSON line.*truncated/s,
    );
  });
  test("event log cut at a line boundary (no final cancelEvent)", () => {
    const lines = read("events-clean.ndjson").trim().split("\n");
    expectInputError(() => parseEventLog(lines.slice(0, 10).join("\n"), "e.ndjson"), /cancelEvent/);
  });
  test("a field of the wrong type is named with its path and value", () => {
    const doc = JSON.parse(read("state-clean.v3.json"));
    doc.deployment.resources[2].urn = 42;
    expectInputError(
      () => parseDeployment(JSON.stringify(doc), "s.json"),
      /deployment\.resources\[2\]\.urn: .*found 42/,
    );
  });
  test("unsupported deployment version", () => {
    const doc = JSON.parse(read("state-clean.v3.json"));
    doc.version = 2;
    expectInputError(() => parseDeployment(JSON.stringify(doc), "s.json"), /unsupported deployment version 2/);
  });
  test("the wrong kind of file points at the right flag", () => {
    expectInputError(() => parsePreviewDigest(read("state-clean.v3.json"), "s.json"), /stack export.*--state/);
    expectInputError(() => parseDeployment(read("preview-clean.json"), "p.json"), /digest.*--preview/);
    expectInputError(() => parseDeployment(JSON.stringify({ version: 3, checkpoint: {} }), "c.json"), /checkpoint/);
    expectInputError(() => parseEventLog(read("preview-clean.json"), "p.json"), /--preview/);
  });
  test("empty and missing files", () => {
    expectInputError(() => readInputFile(tmpFile("empty.json", "")), /empty/);
    expectInputError(() => readInputFile(join(tmp, "nope.json")), /cannot read/);
  });
});

describe("paths and encodings", () => {
  test("PropertyPath strings round-trip", () => {
    for (const p of ["tags.Name", "ingress[0].cidrBlocks[0]", 'tags["bulwark:waiver:x:reason"]', "a.b[2].c"])
      expect(formatPath(parsePath(p))).toBe(p);
    expect(parsePath('["key.with.dots"].x')).toEqual(["key.with.dots", "x"]);
  });
  test("source positions and URN types", () => {
    expect(parseSourcePosition("project:///index.ts#12")).toEqual({ uri: "index.ts", line: 12, column: undefined });
    expect(parseSourcePosition("file:///abs/x.ts#3,4")).toEqual({ uri: "file:///abs/x.ts", line: 3, column: 4 });
    expect(parseSourcePosition("weird")).toBeUndefined();
    expect(typeFromUrn("urn:pulumi:s::p::a:b:C$aws:ec2/instance:Instance::n")).toBe("aws:ec2/instance:Instance");
  });
});
