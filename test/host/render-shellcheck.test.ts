/**
 * The rendered bundles through shellcheck, as written to disk: apart from render.test.ts (the slowest checks, so
 * the two jest workers share the render suites). Two models per OS cover every variant once (apply and verify
 * differ by role only; bundle.env and the lib hooks by IDS and log shipping; the MySQL hooks by bind address, so a
 * fixed address's hooks are checked on their own): the db model as cloud-init writes it from the user data, the app
 * model as `bulwark host render --out` writes it.
 */
import * as fs from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import { HOST_OSES } from "../../components/host/model";
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
function shellcheck(dir: string, scripts: string[]): void {
  const sc = run("sh", ["-c", `cd ${dir} && shellcheck -x -s bash ${scripts.join(" ")}`]);
  expect(sc.out).toBe("");
  expect(sc.code).toBe(0);
}

describeHost("user data unpacked as cloud-init does", [], () => {
  jest.setTimeout(120_000);

  test.each(HOST_OSES.map((o) => [o]))(
    "%s db (MySQL role, bindAddress auto, Wazuh, rsyslog TLS): each script as written to disk is the original " +
      "minus comment lines, and passes bash -n and shellcheck",
    (os) => {
      const b = renderBundle(dbModel(os), os);
      const dir = tmpDir("bulwark-ud-");
      // renderUserDataBase64's bytes (gzip of the cloud-config); built here so an oversize bundle still gets checked.
      fs.writeFileSync(path.join(dir, "user-data.b64"), gzipSync(renderCloudInit(b), { level: 9 }).toString("base64"));
      // cloud-init's own steps: base64 -> gunzip -> PyYAML safe_load -> write_files (content, octal permissions).
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
      const bundleDir = path.join(dir, "opt/bulwark/bundle");
      const shells = bundleEntries(b).filter(isShellEntry);
      expect(shells.map((e) => e.rel)).toContain("files/usr/local/sbin/bulwark-wazuh-enrol");
      expect(shells.map((e) => e.rel)).toEqual(
        expect.arrayContaining(["apply", "verify", "bundle.env", "lib/50-mysql.apply.sh", "lib/mysql.verify.sh"]),
      );
      let dropped = 0;
      for (const e of shells) {
        const written = fs.readFileSync(path.join(bundleDir, e.rel), "utf8");
        expectOnlyCommentLinesDropped(e.content, written);
        dropped += e.content.split("\n").length - written.split("\n").length;
        expect(run("bash", ["-n", path.join(bundleDir, e.rel)])).toMatchObject({ code: 0, out: "" });
      }
      expect(dropped).toBeGreaterThan(10);
      shellcheck(
        bundleDir,
        shells.map((e) => e.rel),
      );
      // The heredoc inside the MySQL apply (secure-installation SQL) arrived whole.
      expect(fs.readFileSync(path.join(bundleDir, "lib/50-mysql.apply.sh"), "utf8")).toContain(
        "DROP DATABASE IF EXISTS test;",
      );
      // rsyslog over TLS: its hook and CA are in the bundle this model checks.
      expect(fs.readFileSync(path.join(bundleDir, "bundle.env"), "utf8")).toMatch(/logs\.corp/);
    },
  );
});

describeHost("rendered bundles pass shellcheck", [], () => {
  jest.setTimeout(120_000);

  test.each(HOST_OSES.map((o) => [o]))(
    "%s app (no IDS, CloudWatch): shellcheck passes on apply, verify, bundle.env and every hook/script",
    (os) => {
      const dir = writeTmp(renderBundle(appModel(), os));
      const scripts = [
        "apply",
        "verify",
        "bundle.env",
        ...(fs.existsSync(path.join(dir, "lib")) ? fs.readdirSync(path.join(dir, "lib")).map((f) => `lib/${f}`) : []),
      ];
      expect(fs.existsSync(path.join(dir, "files/usr/local/sbin/bulwark-wazuh-enrol"))).toBe(false);
      shellcheck(dir, scripts);
    },
  );

  test.each(HOST_OSES.map((o) => [o]))("%s db with a fixed bindAddress: the MySQL hooks pass shellcheck", (os) => {
    // Only the MySQL hooks change with the bind address; the rest of this bundle is the db model's.
    const dir = writeTmp(
      renderBundle({ ...dbModel(os), mysql: { ...dbModel(os).mysql, bindAddress: "10.20.1.10" } }, os),
    );
    shellcheck(dir, ["lib/50-mysql.apply.sh", "lib/mysql.verify.sh"]);
  });
});
