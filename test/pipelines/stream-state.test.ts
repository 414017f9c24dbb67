/**
 * Issue 10 item 4 (check scale): a big `--state` export is streamed resource by resource. The streamed reader must
 * give exactly what the whole-file reader gives, at any chunk boundary, and hand anything it is unsure of back to
 * the whole-file reader (whose messages users see); too-deep nesting names the file and the limit.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadResources } from "../../cli/check";
import { tooDeepAt, tooDeepMessage } from "../../cli/inputs/depth";
import { InputError } from "../../cli/inputs/load";
import { streamStateResources } from "../../cli/inputs/stream-state";
import { SecretValues } from "../../cli/redact";
import { UNKNOWN } from "../../policies/src/engine";
import { fx } from "./run-cli";

const tmp = mkdtempSync(join(tmpdir(), "bulwark-stream-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const write = (text: string): string => {
  const f = join(tmp, `state-${n++}.json`);
  writeFileSync(f, text);
  return f;
};
const values = (s: SecretValues) => [...(s as unknown as { values: Set<string> }).values].sort();

/** The whole-file reader's result (files this small never stream by default). */
function whole(file: string) {
  const secrets = new SecretValues();
  return { resources: loadResources("state", file, secrets), secrets: values(secrets) };
}
function streamed(file: string, chunkBytes?: number) {
  const secrets = new SecretValues();
  const resources = streamStateResources(file, file, UNKNOWN, secrets, { minBytes: 0, chunkBytes });
  return { resources, secrets: values(secrets) };
}

const fixtures = ["state-clean.v3.json", "state-postmortem.v4.json", "state-secrets.v3.json"];

describe.each(fixtures)("%s: streamed = read whole", (name) => {
  const file = fx(name);
  const expected = whole(file);
  test.each([1, 2, 3, 7, 64, 4096, undefined])("chunks of %p bytes", (chunk) => {
    const got = streamed(file, chunk);
    expect(got.resources).toBeDefined();
    expect(got.resources).toEqual(expected.resources);
    expect(got.secrets).toEqual(expected.secrets);
  });
  test("compact JSON too", () => {
    const compact = write(JSON.stringify(JSON.parse(readFileSync(file, "utf8"))));
    expect(streamed(compact, 5).resources).toEqual(whole(compact).resources);
  });
});

test("strings that look like structure: escaped quotes and backslashes, brackets, keys named resources", () => {
  const doc = JSON.parse(readFileSync(fx("state-clean.v3.json"), "utf8")) as {
    deployment: { resources: { inputs?: Record<string, unknown> }[] };
  };
  const tricky = {
    'a"b': 'x\\"y',
    "c\\": "d\\\\",
    resources: "[{]}",
    deployment: '"resources": [',
    text: 'tab\t"quoted" \\ end\\',
    unicode: "é—🔒 ünïcödé",
  };
  doc.deployment.resources[1].inputs = { ...doc.deployment.resources[1].inputs, ...tricky };
  const file = write(JSON.stringify({ note: { resources: [{ x: 1 }] }, ...doc }, null, 2));
  const expected = whole(file);
  for (const chunk of [1, 2, 3, 5, 11, 4096]) expect(streamed(file, chunk).resources).toEqual(expected.resources);
  expect(JSON.stringify(expected.resources)).toContain("🔒");
});

describe("anything unsure goes back to the whole-file reader", () => {
  test("the helper's well-formed case streams (so the cases below fail for their own reason)", () => {
    const file = write(withResources((rs) => rs.join(" , ")));
    expect(streamed(file, 7).resources).toEqual(whole(file).resources);
  });
  const text = readFileSync(fx("state-clean.v3.json"), "utf8");
  const doc = JSON.parse(text) as { version: number; deployment: Record<string, unknown> & { resources: unknown[] } };
  /** The export with its resources array's inside written by `inside` (each resource as compact JSON). */
  const withResources = (inside: (rs: string[]) => string) =>
    JSON.stringify({ ...doc, deployment: { ...doc.deployment, resources: ["@"] } }).replace(
      '["@"]',
      `[${inside(doc.deployment.resources.map((r) => JSON.stringify(r)))}]`,
    );
  test.each([
    ["a syntax error in a resource", text.replace('"urn":', '"urn"')],
    ["a truncated file", text.slice(0, Math.floor(text.length / 2))],
    ["a missing comma between resources", withResources((rs) => rs.join("\n"))],
    ["a trailing comma", withResources((rs) => `${rs.join(",")},`)],
    ["two commas", withResources((rs) => `${rs[0]},,${rs.slice(1).join(",")}`)],
    ["a leading comma", withResources((rs) => `,${rs.join(",")}`)],
    ["a resource that is not an object", JSON.stringify({ ...doc, deployment: { ...doc.deployment, resources: [1] } })],
    [
      "a resource failing its schema",
      JSON.stringify({ ...doc, deployment: { ...doc.deployment, resources: [{ urn: 5 }] } }),
    ],
    ["version 2", text.replace('"version": 3', '"version": 2')],
    ["a checkpoint file", JSON.stringify({ version: 3, checkpoint: { latest: doc.deployment } })],
    ["no resources array", JSON.stringify({ ...doc, deployment: { ...doc.deployment, resources: null } })],
    ["a second deployment key", text.replace(/\}\s*$/, `, "deployment": {"manifest": {}}}`)],
    ["a second resources key", text.replace(/\}\s*\}\s*$/, `}, "resources": null}}`)],
    ["garbage after the document", `${text}]`],
  ])("%s", (_what, bad) => {
    const file = write(bad);
    expect(streamed(file, 7).resources).toBeUndefined();
    expect(streamed(file).resources).toBeUndefined();
  });
});

test("too deep: refused while streaming, naming the file, the limit and the position a whole scan finds", () => {
  const text = readFileSync(fx("state-clean.v3.json"), "utf8");
  const deep = text.replace('"inputs": {', `"inputs": {"deep": ${"[".repeat(100000)}${"]".repeat(100000)},`);
  const file = write(deep);
  const call = () => streamStateResources(file, file, UNKNOWN, undefined, { minBytes: 0, chunkBytes: 1000 });
  expect(call).toThrow(InputError);
  expect(call).toThrow(tooDeepMessage(file, tooDeepAt(deep)));
});

test("small files and streams are read whole by default", () => {
  expect(streamStateResources(fx("state-clean.v3.json"), "x", UNKNOWN)).toBeUndefined();
  expect(streamStateResources("/dev/stdin", "stdin", UNKNOWN, undefined, { minBytes: 0 })).toBeUndefined();
});
