/**
 * Every file in examples/ works as it stands, through the CLI a newcomer runs, and the README's snippets are
 * those files verbatim (so the README can never show a config that fails).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { HOST_OSES } from "../components/host/model";
import { renderBundle } from "../components/host/render";

const ROOT = path.join(__dirname, "..");
const EX = path.join(ROOT, "examples");
const bulwark = (...args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "bulwark"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
};

const HOSTS = fs.readdirSync(EX).filter((f) => /^host-.*\.yaml$/.test(f));

test("the examples folder has the host configs the README promises", () => {
  expect(HOSTS.sort()).toEqual(["host-bastion.yaml", "host-db.yaml", "host-web.yaml"]);
});

describe.each(HOSTS)("examples/%s", (file) => {
  test("renders through the CLI, as a newcomer runs it", () => {
    const out = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "bulwark-example-"));
    try {
      const r = bulwark(
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
  test.each(HOST_OSES.filter((os) => os !== "debian-12"))("renders for %s too", (os) => {
    expect(renderBundle(YAML.parse(fs.readFileSync(path.join(EX, file), "utf8")), os).hash).toMatch(/^[0-9a-f]+$/);
  });
});

test("examples/Pulumi.example.yaml plans offline and passes the pack", () => {
  const r = bulwark("plan", "--config", path.join(EX, "Pulumi.example.yaml"));
  expect(r.out).toMatch(/^PASS: 0 mandatory/m);
  expect(r.code).toBe(0);
});

test("examples/policy-config.json is accepted by check: a clean state passes, the postmortem is blocked", () => {
  const cfg = path.join(EX, "policy-config.json");
  const clean = bulwark(
    "check",
    "--state",
    path.join(ROOT, "test/fixtures/state-clean.v3.json"),
    "--policy-config",
    cfg,
  );
  expect(clean.out).toMatch(/^PASS: 0 mandatory/m);
  expect(clean.code).toBe(0);
  const bad = bulwark(
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
