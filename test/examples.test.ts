/**
 * Every file in examples/ works as it stands, through the CLI a newcomer runs, and the README's snippets are
 * those files verbatim (so the README can never show a config that fails).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { HOST_OSES } from "../components/host/model";
import { renderBundle } from "../components/host/render";
import { packFile, readPack } from "../cli/compile-cache";
import { bulwark as run, ROOT } from "./pipelines/run-cli";

jest.setTimeout(120_000);
const EX = path.join(ROOT, "examples");
/** The CLI as a newcomer runs it: a fresh process; both streams together, as a terminal shows them. */
const bulwark = async (...args: string[]) => {
  const r = await run(args);
  return { code: r.code, out: r.stdout + r.stderr };
};

const HOSTS = fs.readdirSync(EX).filter((f) => /^host-.*\.yaml$/.test(f));

test("the examples folder has the host configs the README promises", () => {
  expect(HOSTS.sort()).toEqual(["host-bastion.yaml", "host-db.yaml", "host-web.yaml"]);
});

describe.each(HOSTS)("examples/%s", (file) => {
  test("renders through the CLI, as a newcomer runs it", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-example-"));
    try {
      const r = await bulwark(
        "host",
        "render",
        "--os",
        "debian-12",
        "--config",
        path.join(EX, file),
        "--out",
        path.join(out, "bundle"),
      );
      expect(r.out).toMatch(/^bundle [0-9a-f]+ for /m);
      expect(r.code).toBe(0);
      expect(fs.statSync(path.join(out, "bundle", "apply")).mode & 0o111).not.toBe(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
  test.each(HOST_OSES.filter((o) => o !== "debian-12"))("renders for %s too", (o) => {
    expect(renderBundle(YAML.parse(fs.readFileSync(path.join(EX, file), "utf8")), o).hash).toMatch(/^[0-9a-f]+$/);
  });
});

const PLAN =
  "examples/Pulumi.example.yaml plans offline and passes from fresh caches: -o writes the text, --write the JSON";
test(PLAN, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-example-plan-"));
  try {
    const [txt, json] = [path.join(dir, "plan.txt"), path.join(dir, "plan.json")];
    // A newcomer's first plan: no transpile or code cache yet.
    const cacheHome = path.join(dir, "cache");
    const args = ["plan", "--config", path.join(EX, "Pulumi.example.yaml"), "-o", txt, "--write", `json:${json}`];
    const r = await run(args, { env: { XDG_CACHE_HOME: cacheHome } });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
    // Each of the plan's three runtimes kept its V8 code cache: the CLI (commander), the plan's worker thread (the
    // SDK's mocks) and the pack it started (the pack's own SDK copy).
    const v8 = path.join(cacheHome, "bulwark", "v8");
    for (const [runtime, mod] of [
      ["cli", "node_modules/commander/lib/command.js"],
      ["plan-worker", "node_modules/@pulumi/pulumi/runtime/mocks.js"],
      ["policy-pack", "policies/node_modules/@pulumi/pulumi/cmd/run-policy-pack/run.js"],
    ]) {
      const cached = readPack(packFile(v8, runtime)).get(path.join(ROOT, mod))?.data.length ?? 0;
      expect({ runtime, mod, cached: cached > 0 }).toEqual({ runtime, mod, cached: true });
    }
    const text = fs.readFileSync(txt, "utf8");
    expect(text).toMatch(/^PASS: 0 mandatory/m);
    // The text and the JSON report the same verdict of the same plan.
    const doc = JSON.parse(fs.readFileSync(json, "utf8"));
    const { verdict, summary } = doc.policy;
    expect(verdict).toBe("pass");
    expect(text).toContain(
      `PASS: ${summary.mandatory} mandatory, ${summary.advisory} advisory, ${summary.waived} waived`,
    );
    // The hardening facts: every server of the example, in the JSON and in the text's summary line.
    const stack = YAML.parse(fs.readFileSync(path.join(EX, "Pulumi.example.yaml"), "utf8"));
    const n = (stack.config["bulwark:sites"] as { servers?: unknown[] }[]).reduce(
      (k, x) => k + (x.servers?.length ?? 0),
      0,
    );
    expect(n).toBeGreaterThan(1);
    expect(doc.servers).toHaveLength(n);
    expect(doc.resources.length).toBeGreaterThan(50);
    expect(text).toContain(
      `${n} servers; IMDSv2 ${n}/${n}, encrypted root ${n}/${n}, no public IP ${n}/${n}, SSM-managed ${n}/${n}, ` +
        `internet-facing admin ports 0, host bundle ${n}/${n}`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("examples/policy-config.json is accepted by check: a clean state passes, the postmortem is blocked", async () => {
  const cfg = path.join(EX, "policy-config.json");
  const clean = await bulwark(
    "check",
    "--state",
    path.join(ROOT, "test/fixtures/state-clean.v3.json"),
    "--policy-config",
    cfg,
  );
  expect(clean.out).toMatch(/^PASS: 0 mandatory/m);
  expect(clean.code).toBe(0);
  const bad = await bulwark(
    "check",
    "--state",
    path.join(ROOT, "test/fixtures/state-postmortem.v4.json"),
    "--policy-config",
    cfg,
  );
  expect(bad.code).toBe(1);
});

test("every README snippet marked as an example is that file, verbatim", () => {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const marked = [...readme.matchAll(/<!-- example: (\S+) -->\n```[a-z]*\n([\s\S]*?)```/g)];
  expect(marked.length).toBeGreaterThanOrEqual(2);
  for (const [, file, body] of marked) expect(body).toBe(fs.readFileSync(path.join(ROOT, file), "utf8"));
});
