/**
 * Issue 10 secrets scan: credentials planted unmarked, marked (`--show-secrets` plaintext) and as ciphertext, in
 * the CLI's exact formats; EVERY output format of `check`, `drift` and `plan` (stdout, stderr and `-o` files) must
 * lack each of them, while still reporting what it must.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as YAML from "yaml";
import { PLANTED } from "../fixtures/generate-gates";
import { bulwark, fx, inProcessAll, prodFirstSite, ROOT, runAll, sameAsProcess, type Run } from "./run-cli";
import { isCredentialKey, maskCredentials, redactOutput, SecretValues } from "../../cli/redact";

const tmp = mkdtempSync(join(tmpdir(), "bulwark-secrets-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Fragments of each planted credential that no output may contain (ciphertext body, key body, values). */
const FORBIDDEN = [
  PLANTED.unmarked,
  PLANTED.marked,
  PLANTED.ciphertext,
  "UGxhbnRlZENpcGhlcnRleHQ",
  "PlantedApiToken",
  "MIIEplantedPRIVATEkeyBODY",
  "BEGIN RSA PRIVATE KEY",
  PLANTED.masterPassword,
  PLANTED.userData,
  "Pa55",
];
const leaks = (text: string): string[] => FORBIDDEN.filter((f) => text.includes(f));

// A stack with a credential in an ingress description (unmarked, flagged by the pack's detector) and a
// `secure:` ciphertext as a waiver reason (marked): plan must print neither.
const PLAN_CIPHERTEXT = "v1:cGxhbm5vbmNl:UGxhbnRlZENpcGhlcnRleHRQbGFu";
const stack = prodFirstSite(); // the credentials are planted in head office's first server
const hq = (stack.config["bulwark:sites"] as { servers: Record<string, unknown>[] }[])[0];
hq.servers[0].allow = [{ from: "10.10.0.0/16", ports: [8443], description: `api token=${PLANTED.token}` }];
hq.servers[0].waivers = [
  {
    policy: "ec2-instance-require-detailed-monitoring",
    reason: { secure: PLAN_CIPHERTEXT },
    approver: "alice@example.com",
    expires: "2099-12-31",
  },
];
const planStack = join(tmp, "Pulumi.secrets.yaml");
writeFileSync(planStack, YAML.stringify(stack));
const badStack = join(tmp, "Pulumi.bad.yaml");
writeFileSync(
  badStack,
  readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8").replace(
    "schedule: cron(0 2 ? * SUN *)",
    `schedule:\n      secure: ${PLAN_CIPHERTEXT}\n      extra: 1`,
  ),
);

const CHECK_INPUTS = {
  state: "state-secrets.v3.json",
  preview: "preview-secrets.json",
  events: "events-secrets.ndjson",
} as const;
const CHECK_FORMATS = ["text", "json", "sarif", "markdown"] as const;
const DRIFT_INPUTS = ["drift-secrets.json", "drift-secrets.ndjson"];
const DRIFT_FORMATS = ["text", "json", "markdown"] as const;

// The gates' matrix runs in-process (bin/bulwark's own `run`, failing on any write past cli/streams.ts); a sample of
// it, each input kind and verb, also runs as processes and must print the same bytes; plan and -o are processes.
const gates: Record<string, string[]> = {};
for (const [kind, file] of Object.entries(CHECK_INPUTS))
  for (const format of CHECK_FORMATS)
    gates[`check ${kind} ${format}`] = ["check", `--${kind}`, fx(file), "--format", format];
for (const file of DRIFT_INPUTS)
  for (const format of DRIFT_FORMATS) gates[`drift ${file} ${format}`] = ["drift", fx(file), "--format", format];
const SPAWNED = ["check state text", "check preview sarif", "check events markdown", "drift drift-secrets.ndjson json"];
const outFile = join(tmp, "report.sarif");
// One plan prints the text and writes the JSON report (--write json:FILE): both are scanned.
const planJson = join(tmp, "plan.json");
const processes: Record<string, () => Promise<Run>> = {
  "check -o file": () => bulwark(["check", "--state", fx(CHECK_INPUTS.state), "--format", "sarif", "-o", outFile]),
  "plan text": () => bulwark(["plan", "--config-file", planStack, "--write", `json:${planJson}`]),
  "plan bad config": () => bulwark(["plan", "--config-file", badStack]),
};
const names = [...Object.keys(gates), ...Object.keys(processes)];

const r: Record<string, Run> = {};
beforeAll(async () => {
  Object.assign(r, await inProcessAll(gates));
  Object.assign(r, await runAll(processes));
}, 900000);

test("a pipeline's `node bin/bulwark` prints the same bytes as the in-process runs", async () => {
  expect(await sameAsProcess(gates, SPAWNED, r)).toEqual([]);
}, 120000);

test("the fixtures really carry the planted credentials (the scan cannot pass vacuously)", () => {
  const state = readFileSync(fx(CHECK_INPUTS.state), "utf8");
  for (const v of [
    PLANTED.unmarked,
    JSON.stringify(JSON.stringify(PLANTED.marked)).slice(1, -1),
    PLANTED.ciphertext,
    PLANTED.token,
    PLANTED.userData,
  ])
    expect(state).toContain(v);
  expect(readFileSync(fx("drift-secrets.json"), "utf8")).toContain(`${PLANTED.unmarked}-rotated`);
  expect(readFileSync(fx("drift-secrets.ndjson"), "utf8")).toContain(`${PLANTED.token}-new`);
  expect(readFileSync(planStack, "utf8")).toContain(PLANTED.token);
});

describe("no output of check, drift or plan prints a planted credential", () => {
  test.each(names)("%s", (name) => {
    const run = r[name];
    expect(leaks(run.stdout)).toEqual([]);
    expect(leaks(run.stderr)).toEqual([]);
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  test("-o and --write write the same redacted reports", () => {
    expect(r["check -o file"].code).toBe(1);
    expect(leaks(readFileSync(outFile, "utf8"))).toEqual([]);
    expect(leaks(readFileSync(planJson, "utf8"))).toEqual([]);
  });
});

describe("the outputs still say what they must", () => {
  test("check judges the estate (the leaky user data is a mandatory finding) in every format", () => {
    for (const kind of Object.keys(CHECK_INPUTS))
      for (const format of CHECK_FORMATS)
        expect([kind, format, r[`check ${kind} ${format}`].code]).toEqual([kind, format, 1]);
    expect(r["check state text"].stdout).toMatch(/ec2-instance-no-credentials-in-user-data|user data/i);
  });

  test("drift reports the password and token changes, values masked", () => {
    for (const file of DRIFT_INPUTS) {
      const text = r[`drift ${file} text`];
      expect([3, 4]).toContain(text.code);
      expect(text.stdout).toMatch(/password \(update\): "\[secret\]" -> "\[secret\]"/);
      expect(text.stdout).toMatch(/apiToken \(update\)/);
      const json = JSON.parse(r[`drift ${file} json`].stdout) as {
        resources: { changes: { path: string; before: unknown; after: unknown }[] }[];
      };
      const pw = json.resources.flatMap((x) => x.changes).find((c) => c.path === "password")!;
      expect(pw).toMatchObject({ before: "[secret]", after: "[secret]" });
    }
  });

  test("plan still runs and prints the estate", () => {
    expect([0, 1]).toContain(r["plan text"].code);
    expect(r["plan text"].stdout).toMatch(/Bulwark plan for stack/);
    expect(JSON.parse(readFileSync(planJson, "utf8")).resources.length).toBeGreaterThan(100);
  });

  test("a config error never echoes secure: ciphertext", () => {
    expect(r["plan bad config"].code).toBe(2);
    expect(r["plan bad config"].stderr).toMatch(/bulwark:patching\.schedule: got .*\[ciphertext\]/);
    expect(r["plan bad config"].stderr).not.toContain("UGxhbnRlZENpcGhlcnRleHRQbGFu");
  });
});

describe("the redaction model", () => {
  test.each([
    ["password", true],
    ["masterPassword", true],
    ["MASTER_PASSWORD", true],
    ["master-password", true],
    ["dbPassword", true],
    ["secret", true],
    ["clientSecret", true],
    ["apiToken", true],
    ["token", true],
    ["private_key", true],
    ["privateKeyPem", true],
    ["PrivateKey", true],
    ["apiKey", true],
    ["secretAccessKey", true],
    ["httpTokens", false],
    ["secretArn", false],
    ["passwordLength", false],
    ["manageMasterUserPassword", true],
    ["kmsKeyId", false],
    ["publicKeyOpenssh", false],
    ["name", false],
    ["description", false],
  ])("%s is a credential name: %s", (key, expected) => {
    expect(isCredentialKey(key as string)).toBe(expected);
  });

  test("masking keeps booleans (manageMasterUserPassword) and masks values under credential keys", () => {
    expect(
      maskCredentials({
        manageMasterUserPassword: true,
        password: "x1234",
        nested: { Secret: { v: "abcd" } },
        name: "db",
      }),
    ).toEqual({
      manageMasterUserPassword: true,
      password: "[secret]",
      nested: { Secret: { v: "[secret]" } },
      name: "db",
    });
  });

  test(
    "a value seen under a credential key is scrubbed wherever it recurs; " + "detector-flagged lines lose their values",
    () => {
      const s = new SecretValues().collect({ password: "Hunter2Hunter2" });
      expect(redactOutput('url: "mysql://admin:Hunter2Hunter2@db"\n', s)).toBe('url: "mysql://admin:[secret]@db"\n');
      expect(redactOutput("  note: db_password=letmein99\n")).not.toContain("letmein99");
      expect(redactOutput(`key ${PLANTED.privateKey}\n`)).not.toContain("PRIVATE KEY");
      expect(redactOutput(`cipher ${PLANTED.ciphertext}\n`)).not.toContain("UGxhbnRl");
    },
  );
});
