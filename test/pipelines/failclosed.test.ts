/**
 * Issue 10: every gate recognises its input positively and fails closed (exit 2, saying what was expected);
 * a failed Pulumi run is refused with the engine's own message; stdin works; a closed pipe ends quietly;
 * too-deep nesting names the file and the limit. One case per bad input, on exit code and message.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bulwark, fx, inProcessAll, noStackTrace, runAll, sameAsProcess, type Run } from "./run-cli";

const tmp = mkdtempSync(join(tmpdir(), "bulwark-failclosed-"));
const write = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const state = readFileSync(fx("state-clean.v3.json"), "utf8");
const deepState = state.replace('"inputs": {', `"inputs": {"deep": ${deep(100000)},`);
const deepLine = readFileSync(fx("events-clean.ndjson"), "utf8").replace(
  '"inputs":{',
  `"inputs":{"deep":${deep(100000)},`,
);
const empty = write("empty.json", "{}");
const foo = write("foo.json", '{"foo":1}');

// Each bad file, in-process (bin/bulwark's own `run`); stdin, pipes and the nesting limit as processes, below.
const FILES: Record<string, string[]> = {
  previewEmpty: ["check", "--preview", empty],
  previewFoo: ["check", "--preview", foo],
  previewNoSteps: ["check", "--preview", write("nosteps.json", '{\n    "steps": [],\n    "changeSummary": {}\n}\n')],
  previewFailed: ["check", "--preview", fx("preview-failed.json")],
  previewPolicyFailed: ["check", "--preview", fx("preview-postmortem.json")],
  eventsFailed: ["check", "--events", fx("events-failed.ndjson")],
  eventsCancelOnly: ["check", "--events", fx("events-cancel-only.ndjson")],
  stateEmpty: ["check", "--state", empty],
  stateV2: ["check", "--state", write("v2.json", state.replace('"version": 3', '"version": 2'))],
  driftEmpty: ["drift", empty],
  driftFoo: ["drift", foo],
  driftFailed: ["drift", fx("preview-failed.json")],
  driftFailedEvents: ["drift", fx("events-failed.ndjson")],
  driftCancelOnly: ["drift", fx("events-cancel-only.ndjson")],
};
const SPAWNED = ["previewFoo", "previewFailed", "eventsCancelOnly", "stateV2", "driftFailedEvents"];

const r: Record<string, Run> = {};
beforeAll(async () => {
  Object.assign(r, await inProcessAll(FILES));
  Object.assign(
    r,
    await runAll({
      stateDash: () => bulwark(["check", "--state", "-"], { stdin: state }),
      stateDevStdin: () => bulwark(["check", "--state", "/dev/stdin"], { stdin: state }),
      stateDevStdinPipe: () =>
        bulwark([], { shell: `cat '${fx("state-postmortem.v4.json")}' | node bin/bulwark check --state /dev/stdin` }),
      stateDashEmpty: () => bulwark(["check", "--state", "-"], { stdin: "" }),
      stateDeep: () => bulwark(["check", "--state", write("deep.json", deepState)]),
      eventsDeep: () => bulwark(["check", "--events", write("deep.ndjson", deepLine)]),
      driftDeep: () => bulwark(["drift", write("deep-drift.json", deepState)]),
      driftDash: () => bulwark(["drift", "-"], { stdin: readFileSync(fx("drift-estate.json"), "utf8") }),
      checkEpipe: () =>
        bulwark([], {
          shell:
            `set -o pipefail; node bin/bulwark check --state '${fx("state-postmortem.v4.json")}' --format json ` +
            `| head -c 10 >/dev/null`,
        }),
      driftEpipe: () =>
        bulwark([], {
          shell:
            `set -o pipefail; node bin/bulwark drift '${fx("drift-estate.json")}' --format json | head -c 10 ` +
            `>/dev/null`,
        }),
    }),
  );
}, 300000);

test("a pipeline's `node bin/bulwark` refuses the bad files with the same bytes and exit codes", async () => {
  expect(await sameAsProcess(FILES, SPAWNED, r)).toEqual([]);
}, 120000);

describe("a preview digest is recognised positively", () => {
  test.each(["previewEmpty", "previewFoo", "driftEmpty", "driftFoo"])(
    "%s: exit 2, names steps and changeSummary",
    (k) => {
      expect(r[k].code).toBe(2);
      expect(r[k].stderr).toMatch(
        /not a `pulumi preview --json` digest: `steps` is missing .*`changeSummary` is missing/,
      );
      expect(r[k].stderr).toMatch(/Produce it with: pulumi preview --json/);
      expect(r[k].stdout).toBe("");
    },
  );

  test("a digest with no steps at all is refused", () => {
    expect(r.previewNoSteps.code).toBe(2);
    expect(r.previewNoSteps.stderr).toMatch(/`steps` is empty \(the engine always lists the root stack's step\)/);
  });
});

describe("a failed run gets the engine's message and exit 2, never PASS", () => {
  test.each(["previewFailed", "eventsFailed", "driftFailed", "driftFailedEvents"])("%s", (k) => {
    expect(r[k].code).toBe(2);
    expect(r[k].stderr).toMatch(/the Pulumi run failed, so its output cannot be checked\. The engine said:/);
    expect(r[k].stderr).toMatch(/Running program '\/work\/bulwark' failed with an unhandled exception/);
    expect(r[k].stdout).not.toMatch(/PASS|NO DRIFT/);
  });

  test("a preview that failed only on mandatory policies is still judged (exit 1 with findings)", () => {
    expect(r.previewPolicyFailed.code).toBe(1);
    expect(r.previewPolicyFailed.stdout).toMatch(/FAIL: \d+ mandatory/);
  });
});

describe("an event stream must hold a prelude and resource events", () => {
  test.each(["eventsCancelOnly", "driftCancelOnly"])("%s: a cancel-only log exits 2", (k) => {
    expect(r[k].code).toBe(2);
    expect(r[k].stderr).toMatch(/no preludeEvent .*; no resourcePreEvent or resOutputsEvent/);
  });
});

describe("--state must be a deployment, version 3 or 4", () => {
  test("{} is refused", () => {
    expect(r.stateEmpty.code).toBe(2);
    expect(r.stateEmpty.stderr).toMatch(/not a valid a `pulumi stack export` deployment:[\s\S]*version/);
  });
  test("version 2 is refused, naming the versions read", () => {
    expect(r.stateV2.code).toBe(2);
    expect(r.stateV2.stderr).toMatch(/unsupported deployment version 2: Bulwark reads versions 3 and 4/);
  });
});

describe("stdin", () => {
  test("`-` reads stdin (check and drift)", () => {
    expect(r.stateDash).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/resources from state \(stdin\)[\s\S]*PASS/),
    });
    expect(r.driftDash.code).toBe(4);
  });
  test("/dev/stdin works from a file redirect and from a pipe", () => {
    expect(r.stateDevStdin.code).toBe(0);
    expect(r.stateDevStdinPipe.code).toBe(1);
    expect(r.stateDevStdinPipe.stderr).not.toMatch(/empty/);
  });
  test("empty stdin is refused", () => {
    expect(r.stateDashEmpty.code).toBe(2);
    expect(r.stateDashEmpty.stderr).toMatch(/stdin: stdin is empty/);
  });
});

describe("too-deep input names the file and the limit", () => {
  test.each([
    ["stateDeep", "deep.json"],
    ["eventsDeep", "deep.ndjson:"],
    ["driftDeep", "deep-drift.json"],
  ])("%s", (k, file) => {
    expect(r[k].code).toBe(2);
    expect(r[k].stderr).toContain(file);
    expect(r[k].stderr).toMatch(/nested more than 512 levels deep .*Bulwark reads at most 512 levels/);
    expect(noStackTrace(r[k])).toBe(true);
  });
});

describe("a closed pipe ends the command quietly, with its own exit code", () => {
  test("check | head: no EPIPE trace, exit 1 kept", () => {
    expect(r.checkEpipe.stderr).toBe("");
    expect(r.checkEpipe.code).toBe(1);
  });
  test("drift | head: no EPIPE trace, exit 4 kept", () => {
    expect(r.driftEpipe.stderr).toBe("");
    expect(r.driftEpipe.code).toBe(4);
  });
});
