/**
 * The CLI's verdicts for every input kind, format and refusal: exit codes and output. The matrix runs in-process
 * (bin/bulwark's own `run`); a sample of it, one case per verb and exit code, also runs as `node bin/bulwark`
 * subprocesses, as a pipeline runs it, and must print the same bytes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fx, inProcessAll, sameAsProcess, type Run } from "./run-cli";
import { reportValidator, sarifValidator } from "./schemas";

const tmp = mkdtempSync(join(tmpdir(), "bulwark-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

const state = readFileSync(fx("state-clean.v3.json"), "utf8");
const events = readFileSync(fx("events-clean.ndjson"), "utf8");
const CASES: Record<string, string[]> = {
  cleanState: ["check", "--state", fx("state-clean.v3.json")],
  cleanPreview: ["check", "--preview", fx("preview-clean.json")],
  cleanEvents: ["check", "--events", fx("events-clean.ndjson"), "--format", "sarif"],
  postmortemState: ["check", "--state", fx("state-postmortem.v4.json"), "--format", "json"],
  postmortemStateText: ["check", "--state", fx("state-postmortem.v4.json")],
  postmortemPreview: ["check", "--preview", fx("preview-postmortem.json"), "--format", "sarif"],
  postmortemEvents: ["check", "--events", fx("events-postmortem.ndjson"), "--format", "markdown"],
  allAdvisory: [
    "check",
    "--state",
    fx("state-postmortem.v4.json"),
    "--policy-config",
    write("advisory.json", '{"all": "advisory"}'),
  ],
  stricterConfig: [
    "check",
    "--state",
    fx("state-clean.v3.json"),
    "--policy-config",
    write("strict.json", '{"all": {"enforcementLevel": "mandatory", "backupDays": 35}}'),
  ],
  badConfigValue: [
    "check",
    "--state",
    fx("state-clean.v3.json"),
    "--policy-config",
    write("bad.json", '{"all": {"backupDays": "a week"}}'),
  ],
  badConfigPolicy: [
    "check",
    "--state",
    fx("state-clean.v3.json"),
    "--policy-config",
    write("unknown.json", '{"ec2-instance-require-magic": "mandatory"}'),
  ],
  badConfigLevel: [
    "check",
    "--state",
    fx("state-clean.v3.json"),
    "--policy-config",
    write("level.json", '{"all": "sometimes"}'),
  ],
  truncatedState: ["check", "--state", write("trunc.json", state.slice(0, Math.floor(state.length * 0.6)))],
  truncatedEvents: ["check", "--events", write("trunc.ndjson", events.slice(0, Math.floor(events.length * 0.6)))],
  wrongKind: ["check", "--preview", fx("state-clean.v3.json")],
  missingFile: ["check", "--state", join(tmp, "nope.json")],
  noInput: ["check"],
  twoInputs: ["check", "--state", fx("state-clean.v3.json"), "--preview", fx("preview-clean.json")],
  badFormat: ["check", "--state", fx("state-clean.v3.json"), "--format", "xml"],
  driftEstate: ["drift", fx("drift-estate.json")],
  driftEstateJson: ["drift", fx("drift-estate.ndjson"), "--format", "json"],
  driftNone: ["drift", fx("drift-none.json")],
  driftTags: ["drift", fx("drift-tags-only.json")],
  driftSsh: ["drift", fx("drift-ssh.json"), "--format", "markdown"],
  driftDb: ["drift", fx("drift-db-public.json")],
  driftPreview: ["drift", "--source", "preview", fx("drift-preview-refresh.json")],
  driftTruncated: ["drift", write("trunc-drift.json", readFileSync(fx("drift-estate.json"), "utf8").slice(0, 5000))],
  driftBadSource: ["drift", "--source", "cloud", fx("drift-none.json")],
};
const results: Record<string, Run> = {};

beforeAll(async () => {
  Object.assign(results, await inProcessAll(CASES));
}, 240000);

// Every exit code of both verbs, each input kind, SARIF, Markdown, JSON, a note on stderr and a commander error.
const SPAWNED = [
  "cleanState",
  "cleanEvents",
  "postmortemPreview",
  "postmortemEvents",
  "badConfigLevel",
  "badFormat",
  "driftNone",
  "driftTags",
  "driftEstateJson",
  "driftBadSource",
];

test("a pipeline's `node bin/bulwark` prints the same bytes and exit codes as the in-process runs", async () => {
  expect(await sameAsProcess(CASES, SPAWNED, results)).toEqual([]);
}, 120000);

const noStackTrace = (r: Run) => expect(r.stderr + r.stdout).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);

describe("bulwark check exit codes", () => {
  test("clean estate: 0 from state, preview digest and event log", () => {
    expect(results.cleanState).toMatchObject({ code: 0, stdout: expect.stringMatching(/PASS: 0 mandatory/) });
    expect(results.cleanPreview.code).toBe(0);
    expect(results.cleanEvents.code).toBe(0);
    expect(JSON.parse(results.cleanEvents.stdout).runs[0].results).toEqual([]);
  });

  test("the postmortem server: 1, from every input kind", () => {
    for (const k of ["postmortemState", "postmortemStateText", "postmortemPreview", "postmortemEvents"])
      expect([k, results[k].code]).toEqual([k, 1]);
    // a digest without --show-sames covers only the change: the user is told
    expect(results.postmortemPreview.stderr).toMatch(/19 unchanged resources are not in .*--show-sames/);
    expect(results.cleanPreview.stderr).toBe("");
  });

  test("secrets are never printed, not even plaintext from an export made with --show-secrets", () => {
    for (const k of ["postmortemState", "postmortemStateText"]) {
      expect(results[k].stdout).not.toContain("hunter2");
      expect(results[k].stdout).not.toMatch(/v1:[A-Za-z0-9+/=]+:/);
    }
  });

  test("policy config in --policy-pack-config format: levels and properties", () => {
    expect(results.allAdvisory.code).toBe(0);
    expect(results.allAdvisory.stdout).toMatch(/PASS: 0 mandatory, [1-9]\d* advisory/);
    expect(results.stricterConfig.code).toBe(1);
    expect(results.stricterConfig.stdout).toMatch(/rds-database-require-backup-retention.*\n.*minimum 35 days/);
  });

  test("bad policy config: 2 with a message naming the field and the fix", () => {
    expect(results.badConfigValue).toMatchObject({ code: 2, stderr: expect.stringMatching(/backupDays.*"a week"/) });
    expect(results.badConfigPolicy).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/"ec2-instance-require-magic" is not a policy of the pack/),
    });
    expect(results.badConfigLevel).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/use one of advisory, mandatory, remediate, disabled/),
    });
  });

  test("bad input files: 2 with a clear message, never a stack trace", () => {
    expect(results.truncatedState).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/not valid JSON.*truncated/),
    });
    expect(results.truncatedEvents).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/trunc\.ndjson:\d+: not a JSON line/),
    });
    expect(results.wrongKind).toMatchObject({ code: 2, stderr: expect.stringMatching(/--state/) });
    expect(results.missingFile).toMatchObject({ code: 2, stderr: expect.stringMatching(/cannot read the file/) });
    for (const k of ["truncatedState", "truncatedEvents", "wrongKind", "missingFile", "badConfigValue"])
      noStackTrace(results[k]);
    expect(results.truncatedState.stdout).toBe("");
  });

  test("usage errors: 2", () => {
    expect(results.noInput).toMatchObject({ code: 2, stderr: expect.stringMatching(/exactly one input/) });
    expect(results.twoInputs).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/got --preview, --state|got --state, --preview/),
    });
    expect(results.badFormat.code).toBe(2);
    expect(results.badFormat.stderr).toMatch(/xml/);
  });

  test("output formats are valid: SARIF 2.1.0, the JSON schema, Markdown by control", () => {
    const sarif = sarifValidator();
    expect(sarif(JSON.parse(results.postmortemPreview.stdout))).toBe(true);
    expect(sarif(JSON.parse(results.cleanEvents.stdout))).toBe(true);
    const json = reportValidator();
    expect(json(JSON.parse(results.postmortemState.stdout))).toBe(true);
    expect(results.postmortemEvents.stdout).toMatch(/^<!-- bulwark-check -->\n## ❌ Bulwark policy check: failed/);
    expect(results.postmortemEvents.stdout).toMatch(/### 🛑 `ec2-instance-require-imdsv2`/);
  });
});

describe("bulwark drift exit codes", () => {
  test("0 none, 3 tags only, 4 SSH opened / DB made public / both", () => {
    expect(results.driftNone).toMatchObject({ code: 0, stdout: expect.stringMatching(/NO DRIFT/) });
    expect(results.driftTags).toMatchObject({ code: 3, stdout: expect.stringMatching(/DRIFT \(no control broken\)/) });
    expect(results.driftSsh.code).toBe(4);
    expect(results.driftSsh.stdout).toMatch(/### `ec2-security-group-disallow-internet-admin-ingress`/);
    expect(results.driftDb).toMatchObject({
      code: 4,
      stdout: expect.stringMatching(/database made public \[rds-instance-disallow-public-access\]/),
    });
    expect(results.driftEstate.code).toBe(4);
    expect(results.driftEstateJson.code).toBe(4);
    expect(results.driftPreview.code).toBe(4);
  });

  test("the JSON report follows the documented schema", () => {
    const doc = JSON.parse(results.driftEstateJson.stdout);
    expect(reportValidator()(doc)).toBe(true);
    expect(doc).toMatchObject({
      kind: "drift",
      verdict: "control-broken",
      input: { format: "events", source: "refresh" },
    });
  });

  test("bad input and usage: 2", () => {
    expect(results.driftTruncated).toMatchObject({ code: 2, stderr: expect.stringMatching(/truncated/) });
    noStackTrace(results.driftTruncated);
    expect(results.driftBadSource.code).toBe(2);
  });
});

test("anything unexpected is exit 2 with one line, never a pass: a report that cannot be written", async () => {
  const { run } = await import("../../cli/index");
  let err = "";
  const stderr = { write: (t: string) => (err += t) };
  const failing = (thrown: unknown) => ({
    write: () => {
      throw thrown;
    },
  });
  const args = ["node", "bulwark", ...CASES.cleanState];
  expect(await run(args, { stdout: failing(new Error("ENOSPC: no space left on device")), stderr })).toBe(2);
  expect(err).toBe("bulwark: ENOSPC: no space left on device\n");
  err = "";
  // An error from another realm, or not an Error at all, is told the same way.
  expect(await run(args, { stdout: failing({ message: "from a worker" }), stderr })).toBe(2);
  expect(await run(args, { stdout: failing("a string"), stderr })).toBe(2);
  expect(err).toBe("bulwark: from a worker\nbulwark: a string\n");
});
