/**
 * The rendered bundles through shellcheck, as written to disk: apart from render.test.ts (the slowest checks, so
 * the two jest workers share the render suites). Two models per OS cover every variant once (bundle.env and the
 * lib hooks differ by IDS and log shipping; the MySQL hooks by bind address, so a fixed address's hooks are checked
 * on their own): the db model as cloud-init writes it from the user data, the app model as `bulwark host render
 * --out` writes it.
 *
 * apply and verify (with the libs they source) are checked with every bundle.env value made hostile (spaces, a
 * glob, a command substitution, a quote), names kept: shellcheck 0.9 lets an unquoted variable pass when its one
 * assignment is a word like 'logs.corp', so real values hide unquoted uses that another host's values would split.
 * With hostile values the scripts no longer depend on the variant, and each delivery form's text is checked once
 * (the variants' texts are compared, not assumed equal). Each variant's own bundle.env and hooks are checked as
 * rendered.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import { HOST_OSES, type HostOs } from "../../components/host/model";
import { bundleEntries, isShellEntry, renderBundle, renderCloudInit } from "../../components/host/render";
import { describeHost, run, tmpDir } from "./helpers";
import { base, CA, expectOnlyCommentLinesDropped, writeTmp } from "./render-fixtures";

/** db with MySQL (bindAddress auto), Wazuh and rsyslog over TLS. */
const dbModel = (os: string) => ({
  ...base(),
  role: "db",
  mysql: { bindAddress: "auto", platform: os === "amazonlinux-2023" ? "amazon" : "debian" },
  logs: { kind: "rsyslog-tls", target: "logs.corp", caPem: CA },
});
/** app with no IDS (waived) and CloudWatch. */
const appModel = () => ({
  ...base(),
  ids: {
    kind: "none",
    waiver: { reason: "lab host without agents", approver: "sec@example.com", expires: "2099-01-01" },
  },
});

/** shellcheck over the given scripts, following their `source` directives, from the bundle folder. */
const runShellcheck = (dir: string, scripts: string[]) =>
  run("sh", ["-c", `cd ${dir} && shellcheck -x -s bash ${scripts.join(" ")}`]);

/** The same, passing: no finding at all. */
function shellcheck(dir: string, scripts: string[]): void {
  const sc = runShellcheck(dir, scripts);
  expect(sc.out).toBe("");
  expect(sc.code).toBe(0);
}

const HOSTILE = `'a b* $(c) "d'`;
/** bundle.env with every assignment's value hostile (arrays get two such elements); comments and names kept. */
function hostileEnv(env: string): string {
  return env.replace(/^([A-Z_][A-Z0-9_]*)=(\()?.*$/gm, (_l, name: string, array?: string) =>
    array ? `${name}=(${HOSTILE} ${HOSTILE})` : `${name}=${HOSTILE}`,
  );
}

const SHARED_ROOTS = ["apply", "verify"];
const SOURCE_DIRECTIVE = /^\s*#\s*shellcheck\s+source=(\S+)/gm;
// The one line that names the OS and role: a comment (not a directive) right under the shebang.
const HEADER =
  /^# Bulwark host hardening: (apply|verify) for \S+, role \S+\. Generated from the host model: do not edit\.$/m;

/**
 * apply and verify with the files their `# shellcheck source=` directives name, transitively, bundle.env hostile.
 * A file sourced without a directive is missing from this set, and shellcheck says so (SC1091): the check fails.
 */
function sharedFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const todo = [...SHARED_ROOTS];
  while (todo.length > 0) {
    const rel = todo.pop()!;
    if (out.has(rel)) continue;
    const text = fs.readFileSync(path.join(dir, rel), "utf8");
    out.set(rel, rel === "bundle.env" ? hostileEnv(text) : text);
    for (const m of text.matchAll(SOURCE_DIRECTIVE)) todo.push(m[1]);
  }
  return out;
}

/** The db model's bundle as cloud-init writes it from the user data, and the app model's as `--out` writes it. */
interface Variant {
  dir: string;
  b: ReturnType<typeof renderBundle>;
  shells: string[];
  /** Its apply and verify with what they source, bundle.env hostile (sharedFiles). */
  shared: Map<string, string>;
}
const written = new Map<string, Variant>();
function variant(kind: "db" | "app", os: HostOs): Variant {
  const name = `${os} ${kind}`;
  const done = written.get(name);
  if (done) return done;
  const b = kind === "db" ? renderBundle(dbModel(os), os) : renderBundle(appModel(), os);
  const dir = kind === "db" ? unpackUserData(b) : writeTmp(b);
  const shells = bundleEntries(b)
    .filter(isShellEntry)
    .map((e) => e.rel);
  const v = { dir, b, shells, shared: sharedFiles(dir) };
  written.set(name, v);
  return v;
}

/** cloud-init's own steps: base64 -> gunzip -> PyYAML safe_load -> write_files (content, octal permissions). */
function unpackUserData(b: ReturnType<typeof renderBundle>): string {
  const dir = tmpDir("bulwark-ud-");
  // renderUserDataBase64's bytes (gzip of the cloud-config); built here so an oversize bundle still gets checked.
  fs.writeFileSync(path.join(dir, "user-data.b64"), gzipSync(renderCloudInit(b), { level: 9 }).toString("base64"));
  const py = [
    "import base64, gzip, os, sys, yaml",
    "root = sys.argv[1]",
    "raw = gzip.decompress(base64.b64decode(open(os.path.join(root, 'user-data.b64')).read()))",
    "doc = yaml.safe_load(raw.decode())",
    "for f in doc['write_files']:",
    "    p = root + f['path']",
    "    os.makedirs(os.path.dirname(p), exist_ok=True)",
    "    open(p, 'wb').write(f['content'].encode())",
    "    os.chmod(p, int(f['permissions'], 8))",
  ].join("\n");
  // Debian's python3 with python3-yaml: the interpreter and YAML library cloud-init itself runs on.
  const r = run("/usr/bin/python3", ["-c", py, dir]);
  expect(r.out).toBe("");
  expect(r.code).toBe(0);
  return path.join(dir, "opt/bulwark/bundle");
}

/** The variant's own shell files (bundle.env as rendered, hooks, scripts): those not checked with the shared ones. */
function checkOwn({ dir, shells, shared }: Variant): void {
  shellcheck(dir, ["bundle.env", ...shells.filter((rel) => !shared.has(rel))]);
}

describeHost("user data unpacked as cloud-init does", [], () => {
  jest.setTimeout(120_000);

  test.each(HOST_OSES.map((o) => [o]))(
    "%s db (MySQL role, bindAddress auto, Wazuh, rsyslog TLS): each script as written to disk is the original " +
      "minus comment lines, and passes bash -n; its bundle.env and hooks pass shellcheck",
    (os) => {
      const v = variant("db", os);
      const { dir, shells, b } = v;
      expect(shells).toContain("files/usr/local/sbin/bulwark-wazuh-enrol");
      expect(shells).toEqual(
        expect.arrayContaining(["apply", "verify", "bundle.env", "lib/50-mysql.apply.sh", "lib/mysql.verify.sh"]),
      );
      let dropped = 0;
      for (const e of bundleEntries(b).filter(isShellEntry)) {
        const text = fs.readFileSync(path.join(dir, e.rel), "utf8");
        expectOnlyCommentLinesDropped(e.content, text);
        dropped += e.content.split("\n").length - text.split("\n").length;
        expect(run("bash", ["-n", path.join(dir, e.rel)])).toMatchObject({ code: 0, out: "" });
      }
      expect(dropped).toBeGreaterThan(10);
      checkOwn(v);
      // The heredoc inside the MySQL apply (secure-installation SQL) arrived whole.
      expect(fs.readFileSync(path.join(dir, "lib/50-mysql.apply.sh"), "utf8")).toContain(
        "DROP DATABASE IF EXISTS test;",
      );
      // rsyslog over TLS: its hook and CA are in the bundle this model checks.
      expect(fs.readFileSync(path.join(dir, "bundle.env"), "utf8")).toMatch(/logs\.corp/);
    },
  );
});

describeHost("rendered bundles pass shellcheck", [], () => {
  jest.setTimeout(120_000);

  test.each(HOST_OSES.map((o) => [o]))(
    "%s app (no IDS, CloudWatch): bundle.env and every hook pass shellcheck",
    (os) => {
      const v = variant("app", os);
      const { dir, shells } = v;
      expect(fs.existsSync(path.join(dir, "files/usr/local/sbin/bulwark-wazuh-enrol"))).toBe(false);
      expect(shells).toEqual(expect.arrayContaining(["lib/20-cloudwatch.apply.sh", "lib/egress.sh"]));
      checkOwn(v);
    },
  );

  test.each(HOST_OSES.map((o) => [o]))("%s db with a fixed bindAddress: the MySQL hooks pass shellcheck", (os) => {
    // Only the MySQL hooks change with the bind address; the rest of this bundle is the db model's.
    const dir = writeTmp(
      renderBundle({ ...dbModel(os), mysql: { ...dbModel(os).mysql, bindAddress: "10.20.1.10" } }, os),
    );
    shellcheck(dir, ["lib/50-mysql.apply.sh", "lib/mysql.verify.sh"]);
  });

  test("apply and verify with the libs they source pass with every value hostile, each distinct text once", () => {
    // Grouped by text, the header line masked: each OS and role in each delivery form is in one group.
    const groups = new Map<string, { files: Map<string, string>; variants: string[] }>();
    for (const os of HOST_OSES) {
      for (const kind of ["db", "app"] as const) {
        const files = variant(kind, os).shared;
        const masked = [...files].sort().map(([rel, t]) => [rel, t.replace(HEADER, "# $1 header")]);
        const key = createHash("sha256").update(JSON.stringify(masked)).digest("hex");
        const group = groups.get(key) ?? { files, variants: [] };
        group.variants.push(`${os} ${kind}`);
        groups.set(key, group);
      }
    }
    for (const { files, variants } of groups.values()) {
      const dir = tmpDir("bulwark-sc-shared-");
      for (const [rel, text] of files) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      }
      const sc = runShellcheck(dir, [...files.keys()]);
      expect({ variants, out: sc.out, code: sc.code }).toEqual({ variants, out: "", code: 0 });
    }
  });

  test("a hostile bundle.env makes shellcheck flag an unquoted value that the rendered one lets pass", () => {
    const { dir } = variant("app", "debian-12");
    const use = ["#!/usr/bin/env bash", "# shellcheck source=bundle.env", ". ./bundle.env", 'cp $LOG_TARGET "$0"', ""];
    const work = tmpDir("bulwark-sc-hostile-");
    fs.writeFileSync(path.join(work, "use.sh"), use.join("\n"));
    const env = fs.readFileSync(path.join(dir, "bundle.env"), "utf8");
    const check = (text: string) => {
      fs.writeFileSync(path.join(work, "bundle.env"), text);
      return runShellcheck(work, ["use.sh"]);
    };
    expect(env).toMatch(/^LOG_TARGET='\/bulwark\/hosts'$/m);
    expect(check(env).out).toBe("");
    expect(check(hostileEnv(env)).out).toMatch(/SC2086/);
  });
});
