/**
 * One CLI: --version, one spelling of --config (with --config-file as an alias), -o on every command that writes
 * output, choices listed in help, and flags that would be ignored or conflict refused with exit 2. Arguments are
 * commander's and Bulwark's own, the same in any process: they run in-process (bin/bulwark's `run`; cli.test.ts
 * proves its output byte for byte against processes); --version and the module probe are processes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bulwark, inProcess, ROOT } from "./run-cli";

jest.setTimeout(120_000);
const EXAMPLE = join(ROOT, "examples", "Pulumi.example.yaml");
const HOST = join(ROOT, "examples", "host-web.yaml");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
let tmp: string;
beforeAll(() => (tmp = mkdtempSync(join(tmpdir(), "bulwark-cli-consistency-"))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test("--version prints the package version and exits 0", async () => {
  const r = await bulwark(["--version"]);
  expect(r.stdout.trim()).toBe(pkg.version);
  expect(r.code).toBe(0);
});

test("every command that writes output has -o and lists its format choices", async () => {
  for (const cmd of [["plan"], ["check"], ["drift"], ["host", "render"], ["host", "verify"]]) {
    const help = (await inProcess([...cmd, "--help"])).stdout;
    expect(help).toMatch(/-o, --output <file>/);
    // The report verbs write more formats from the same run (a log, an artifact, a PR comment).
    if (cmd[1] !== "render") expect(help).toMatch(/--write <format:file>.*\(repeatable\)/s);
    if (cmd[0] !== "host" || cmd[1] === "verify") expect(help).toMatch(/--format <format>.*\(choices: /s);
  }
});

// -o and --write on a plan that passes: examples.test.ts asserts them on the example stack's one plan.
test("plan: --config and --config-file are one option; --stack with --config is refused; choices listed", async () => {
  const [both, twice, bad] = await Promise.all([
    inProcess(["plan", "--stack", "prod", "--config", EXAMPLE]),
    inProcess(["plan", "--config", EXAMPLE, "--config-file", HOST]),
    inProcess(["plan", "--config", EXAMPLE, "--format", "yaml"]),
  ]);
  expect(both.code).toBe(2);
  expect(both.stderr).toMatch(/--stack and --config/);
  expect(twice.code).toBe(2);
  expect(twice.stderr).toMatch(/give the stack file once: --config \(or its alias --config-file\)/);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/Allowed choices are text, json/);
});

const WRITES =
  "check and drift: each --write file holds exactly what that --format prints; two reports on one file: exit 2";
test(WRITES, async () => {
  const STATE = join(ROOT, "test", "fixtures", "state-secrets.v3.json");
  const DRIFT = join(ROOT, "test", "fixtures", "drift-estate.json");
  const f = (name: string) => join(tmp, name);
  const [check, checkJson, checkMd, drift, driftJson] = await Promise.all([
    inProcess([
      "check",
      "--state",
      STATE,
      "--format",
      "sarif",
      "--write",
      `json:${f("c.json")}`,
      "--write",
      `markdown:${f("c.md")}`,
    ]),
    inProcess(["check", "--state", STATE, "--format", "json"]),
    inProcess(["check", "--state", STATE, "--format", "markdown"]),
    inProcess(["drift", DRIFT, "--format", "markdown", "--write", `json:${f("d.json")}`]),
    inProcess(["drift", DRIFT, "--format", "json"]),
  ]);
  expect(check.code).toBe(checkJson.code);
  expect(JSON.parse(check.stdout).version).toBe("2.1.0"); // stdout keeps the chosen format
  expect(readFileSync(f("c.json"), "utf8")).toBe(checkJson.stdout);
  expect(readFileSync(f("c.md"), "utf8")).toBe(checkMd.stdout);
  expect(drift.code).toBe(driftJson.code);
  expect(drift.stdout).toMatch(/^#/m);
  expect(readFileSync(f("d.json"), "utf8")).toBe(driftJson.stdout);
  const same = f("same.json");
  for (const [args, other] of [
    [["check", "--state", STATE, "-o", same, "--write", `json:${join(tmp, ".", "same.json")}`], "-o"],
    [["drift", DRIFT, "--write", `json:${same}`, "--write", `markdown:${same}`], "--write json:"],
    [["plan", "--config", EXAMPLE, "-o", same, "--write", `json:${same}`], "-o"],
    [["check", "--state", STATE, "--write", `pdf:${same}`], undefined],
  ] as const) {
    const r = await inProcess([...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      other
        ? new RegExp(`--write \\S+: ${other}\\s?\\S* writes that file too: give each report its own file`)
        : /--write pdf:\S+: use <format>:<file> with format one of text, json, sarif, markdown/,
    );
    expect(existsSync(same)).toBe(false);
  }
});

test("host render refuses flags it would ignore", async () => {
  const gz = await inProcess([
    "host",
    "render",
    "--os",
    "debian-12",
    "--config",
    HOST,
    "--out",
    join(tmp, "b"),
    "--gzip-base64",
  ]);
  expect(gz.code).toBe(2);
  expect(gz.stderr).toMatch(/--gzip-base64 needs --format cloud-init/);
  const outDir = await inProcess([
    "host",
    "render",
    "--os",
    "debian-12",
    "--config",
    HOST,
    "--format",
    "cloud-init",
    "--out",
    join(tmp, "c"),
  ]);
  expect(outDir.code).toBe(2);
  expect(outDir.stderr).toMatch(/--out writes a bundle directory/);
  const file = join(tmp, "user-data.yaml");
  const ok = await inProcess([
    "host",
    "render",
    "--os",
    "debian-12",
    "--config",
    HOST,
    "--format",
    "cloud-init",
    "-o",
    file,
  ]);
  expect(ok.code).toBe(0);
  expect(readFileSync(file, "utf8")).toMatch(/^#cloud-config/);
});

test("gates load only their own verb: check and drift load neither plan, config schema nor renderer", async () => {
  // The modules a run of each verb loads, as the CLI loads them (its own TypeScript loader, a fresh process).
  const probe = (verb: string) =>
    bulwark([], {
      shell:
        `node -e 'require("./cli/register.js").register("cli"); require("./cli/index.ts").main(["node", "bulwark", ` +
        `"${verb}", "--help"]).then(() => console.error("MODULES " + JSON.stringify(Object.keys(require.cache))))'`,
    });
  const [check, drift, plan] = await Promise.all([probe("check"), probe("drift"), probe("plan")]);
  const loaded = (r: { stderr: string }) => JSON.parse(/MODULES (.*)/.exec(r.stderr)![1]) as string[];
  const heavy = /components\/config\.ts|components\/host\/render\.ts|cli\/plan\.ts|node_modules\/sshpk\//;
  for (const r of [check, drift]) expect(loaded(r).filter((m) => heavy.test(m))).toEqual([]);
  // The probe sees the heavy modules where they belong (it cannot pass vacuously).
  expect(loaded(plan).filter((m) => heavy.test(m)).length).toBeGreaterThan(2);
});
