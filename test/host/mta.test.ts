/**
 * MTA local-only (issue 15), the exim4 path and the MTAs Bulwark does not configure: components/host/scripts/mta.sh
 * run by bash against a temporary root, with fake update-exim4.conf, systemctl and ss that record what they are asked.
 */
import * as fs from "fs";
import * as path from "path";
import { run, tmpDir } from "./helpers";

const MTA = path.join(__dirname, "../../components/host/scripts/mta.sh");
const DEBIAN_DEFAULT = [
  "dc_eximconfig_configtype='internet'",
  "dc_other_hostnames=''",
  "dc_local_interfaces=''",
  "dc_relay_domains=''",
  "",
].join("\n");

function fakeHost(): { root: string; calls: () => string[]; sh: (body: string) => ReturnType<typeof run> } {
  const root = tmpDir("bulwark-mta-unit-");
  const bin = path.join(root, "bin");
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(root, "etc/exim4"), { recursive: true });
  fs.writeFileSync(path.join(root, "etc/exim4/update-exim4.conf.conf"), DEBIAN_DEFAULT);
  // exim4 as packaged: listening on every address until restarted with the new setting.
  fs.writeFileSync(path.join(root, "ss.out"), "LISTEN 0 20 0.0.0.0:25 0.0.0.0:*\nLISTEN 0 20 [::]:25 [::]:*\n");
  const fake = (name: string, body: string) =>
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  fake(
    "update-exim4.conf",
    `echo "update-exim4.conf $(grep '^dc_local_interfaces=' ${root}/etc/exim4/update-exim4.conf.conf)" >>${root}/calls`,
  );
  fake(
    "systemctl",
    `echo "systemctl $*" >>${root}/calls
case "$1" in
  is-active) exit 0 ;;
  restart) printf 'LISTEN 0 20 127.0.0.1:25 0.0.0.0:*\\nLISTEN 0 20 [::1]:25 [::]:*\\n' >${root}/ss.out ;;
esac`,
  );
  fake("ss", `case "$*" in *":25"*) cat ${root}/ss.out ;; esac`);
  const prelude = [
    "set -euo pipefail",
    `export PATH=${bin}:$PATH MTA_ROOT=${root}`,
    "ALLOWED_TCP='22 443' STATIC=0",
    'runtime() { true; }; changed() { echo "changed: $1"; }; step_failed() { echo "FAILED: $1"; }',
    'pass() { echo "PASS $1 $2"; }; fail() { echo "FAIL $1 $2"; }',
    'check() { local id=$1 d=$2; shift 2; if "$@" >/dev/null 2>&1; then pass "$id" "$d"; else fail "$id" "$d"; fi; }',
    `. ${MTA}`,
  ].join("\n");
  return {
    root,
    calls: () =>
      fs.existsSync(path.join(root, "calls"))
        ? fs.readFileSync(path.join(root, "calls"), "utf8").trim().split("\n")
        : [],
    sh: (body: string) => run("bash", ["-c", `${prelude}\n${body}`]),
  };
}

test("mta.sh passes shellcheck", () => {
  expect(run("shellcheck", ["-s", "bash", MTA]).out).toBe("");
});

describe("exim4 (Debian's default MTA)", () => {
  const h = fakeHost();
  afterAll(() => fs.rmSync(h.root, { recursive: true, force: true }));

  test("verify fails on the packaged setting and on the wide listener, naming both", () => {
    const r = h.sh("mta_verify");
    expect(r.stdout).toMatch(/^FAIL services exim4 local-only \(dc_local_interfaces='127.0.0.1 ; ::1'\)$/m);
    expect(r.stdout).toMatch(/^FAIL services SMTP listens beyond loopback: 25 /m);
  });

  test("apply sets dc_local_interfaces through update-exim4.conf and restarts exim4 once", () => {
    const r = h.sh("mta_apply");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("changed: exim4: dc_local_interfaces='127.0.0.1 ; ::1'");
    const conf = fs.readFileSync(path.join(h.root, "etc/exim4/update-exim4.conf.conf"), "utf8");
    expect(conf).toBe(
      DEBIAN_DEFAULT.replace("dc_local_interfaces=''\n", "") + "dc_local_interfaces='127.0.0.1 ; ::1'\n",
    );
    expect(h.calls()).toEqual([
      "update-exim4.conf dc_local_interfaces='127.0.0.1 ; ::1'",
      "systemctl is-active --quiet exim4",
      "systemctl restart exim4",
    ]);
  });

  test("then verify passes, and a second apply changes nothing and restarts nothing", () => {
    const v = h.sh("mta_verify");
    expect(v.stdout).toMatch(/^PASS services exim4 local-only/m);
    expect(v.stdout).toMatch(/^PASS services no SMTP listener beyond loopback$/m);
    expect(v.stdout).not.toMatch(/FAIL/);
    const before = h.calls().length;
    const r = h.sh("mta_apply");
    expect([r.code, r.stdout]).toEqual([0, ""]);
    expect(h.calls().slice(before)).toEqual(["systemctl is-active --quiet exim4"]);
  });
});

test("sendmail and opensmtpd are reported by verify with the fix; a declared port 25 is not an SMTP finding", () => {
  const h = fakeHost();
  try {
    fs.rmSync(path.join(h.root, "etc/exim4"), { recursive: true });
    fs.mkdirSync(path.join(h.root, "etc/mail"));
    fs.writeFileSync(
      path.join(h.root, "etc/mail/sendmail.mc"),
      "DAEMON_OPTIONS(`Family=inet,  Name=MTA-v4, Port=smtp')dnl\n",
    );
    fs.writeFileSync(path.join(h.root, "etc/smtpd.conf"), "listen on 0.0.0.0\naction local mbox\n");
    const r = h.sh("mta_verify");
    expect(r.stdout).toMatch(
      new RegExp(
        /^FAIL services sendmail not local-only: /.source +
          /set Addr=127.0.0.1 in each DAEMON_OPTIONS of \/etc\/mail\/sendmail.mc, run sendmailconfig$/.source,
        "m",
      ),
    );
    expect(r.stdout).toMatch(
      new RegExp(
        /^FAIL services opensmtpd not local-only: /.source +
          /use only 'listen on localhost' in \/etc\/smtpd.conf, restart opensmtpd$/.source,
        "m",
      ),
    );
    fs.writeFileSync(
      path.join(h.root, "etc/mail/sendmail.mc"),
      "DAEMON_OPTIONS(`Family=inet,  Name=MTA-v4, Port=smtp, Addr=127.0.0.1')dnl\n",
    );
    fs.writeFileSync(path.join(h.root, "etc/smtpd.conf"), "listen on localhost\n");
    const ok = h.sh("ALLOWED_TCP='22 25'; mta_verify");
    expect(ok.stdout).not.toMatch(/FAIL/);
    expect(ok.stdout).toMatch(/^PASS services no SMTP listener beyond loopback$/m);
  } finally {
    fs.rmSync(h.root, { recursive: true, force: true });
  }
});
