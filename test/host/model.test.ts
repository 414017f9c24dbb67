/**
 * Issue 9's host-config refusals (expired waivers, admin keys parsed by sshpk, private keys in caPem, nft comment
 * bytes) and the leftover logic of lib/accounts.sh and lib/updates.sh, run against planted files and fake package
 * managers (dnf is only checked here: AL2023 cannot be booted on this machine).
 */
import * as fs from "fs";
import * as path from "path";
import { HostConfigError, parseHostModel } from "../../components/host/model";
import { nftComment, renderBundle, renderNftables } from "../../components/host/render";
import { describeHost, run, tmpDir } from "./helpers";

const SCRIPTS = path.join(__dirname, "../../components/host/scripts");
const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0Bw5ZqZ0eZq6mD7m0Xo0vW2V0m7D1b3qj2cJ8ZkXg alice@laptop";
const CA = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----";
const LIVE = { reason: "accepted for the pilot", approver: "sec@example.com", expires: "2099-12-31" };
const EXPIRED = { ...LIVE, expires: "2020-01-31" };

const base = () => ({
  role: "app",
  admins: [{ name: "alice", sshKeys: [ED25519] }],
  ssh: { managementSources: ["10.20.0.0/16"] },
  inbound: [{ port: 8080, sources: ["10.30.0.0/16"] }],
  ids: { manager: "wazuh.corp.internal", enrolmentSecretParameter: "/bulwark/wazuh/enrolment" },
  logs: { kind: "cloudwatch" },
});

function problems(input: unknown): string {
  try {
    parseHostModel(input);
  } catch (e) {
    if (e instanceof HostConfigError) return e.problems.join("\n");
    throw e;
  }
  return "";
}

/** Real public keys by name (fixtures/admin-keys: ssh-keygen's output, kept so no run generates RSA keys). */
const KEY_DIR = path.join(__dirname, "fixtures", "admin-keys");
const keys: Record<string, string> = Object.fromEntries(
  ["rsa1024", "rsa2048", "rsa3072", "ecdsa", "ed25519"].map((n) => [
    n,
    fs.readFileSync(path.join(KEY_DIR, `${n}.pub`), "utf8").trim(),
  ]),
);

/** An SSH wire body: each part as a uint32-length-prefixed string. */
const wire = (...parts: Buffer[]) =>
  Buffer.concat(
    parts.flatMap((p) => {
      const n = Buffer.alloc(4);
      n.writeUInt32BE(p.length);
      return [n, p];
    }),
  ).toString("base64");
const withKey = (k: string) => ({ ...base(), admins: [{ name: "alice", sshKeys: [k] }] });

describe("admin keys are parsed (sshpk), not matched", () => {
  test("Ed25519, ECDSA, RSA >= 3072 and FIDO keys are accepted", () => {
    for (const k of ["ed25519", "ecdsa", "rsa3072"]) expect([k, problems(withKey(keys[k]))]).toEqual([k, ""]);
    const sk =
      "sk-ssh-ed25519@openssh.com " +
      wire(Buffer.from("sk-ssh-ed25519@openssh.com"), Buffer.alloc(32, 7), Buffer.from("ssh:")) +
      " yubikey";
    expect(problems(withKey(sk))).toBe("");
  });

  test.each([
    [
      "RSA 1024",
      () => keys.rsa1024,
      new RegExp(
        /^admins\[0\]\.sshKeys\[0\] = "ssh-rsa AAAA.*: /.source +
          /RSA key of 1024 bits: use at least 3072 bits \(ssh-keygen -t rsa -b 4096\)/.source,
      ),
    ],
    ["RSA 2048", () => keys.rsa2048, /RSA key of 2048 bits: use at least 3072 bits/],
    [
      "DSA",
      () => `ssh-dss ${wire(Buffer.from("ssh-dss"), ...[129, 21, 128, 128].map((n) => Buffer.alloc(n, 1)))} old`,
      /DSA keys are refused.*ssh-keygen -t ed25519/,
    ],
    [
      "an RSA body named ssh-ed25519",
      () => `ssh-ed25519 ${keys.rsa3072.split(" ")[1]} x`,
      /the key body does not decode to a ssh-ed25519 key; paste one OpenSSH public key line/,
    ],
    [
      "a bogus body after ssh-ed25519",
      () => "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAbogus x",
      /the key body does not decode to a ssh-ed25519 key/,
    ],
    [
      "an Ed25519 body of the wrong length",
      () => `ssh-ed25519 ${wire(Buffer.from("ssh-ed25519"), Buffer.alloc(31, 1))}`,
      /does not decode to a ssh-ed25519 key/,
    ],
    [
      "a FIDO key without its application",
      () => `sk-ssh-ed25519@openssh.com ${wire(Buffer.from("sk-ssh-ed25519@openssh.com"), Buffer.alloc(32, 7))}`,
      /does not decode to a sk-ssh-ed25519@openssh.com key/,
    ],
    [
      "an unknown type",
      () => `ssh-foo ${wire(Buffer.from("ssh-foo"), Buffer.alloc(32, 1))}`,
      /ssh-foo is not an accepted key type/,
    ],
    ["not a key line", () => "hunter2", /^admins\[0\]\.sshKeys\[0\] = "hunter2": paste one OpenSSH public key line/],
  ])("%s is refused naming the field, the value and the fix", (_name, key, message) => {
    expect(problems(withKey(key()))).toMatch(message);
  });
});

describe("expired waivers in the host config are refused", () => {
  test.each([
    [
      "ids",
      { ids: { kind: "none", waiver: EXPIRED } },
      /^ids\.waiver\.expires = "2020-01-31": this waiver has expired: fix the finding, or have the approver renew it/m,
    ],
    [
      "patch",
      { patch: { automatic: false, waiver: EXPIRED } },
      /^patch\.waiver\.expires = "2020-01-31": this waiver has expired/m,
    ],
    [
      "updates",
      { updates: { installOnFirstApply: false, waiver: EXPIRED } },
      /^updates\.waiver\.expires = "2020-01-31": this waiver has expired/m,
    ],
    [
      "accounts.keep",
      { accounts: { keep: [{ name: "backup", waiver: EXPIRED }] } },
      /^accounts\.keep\[0\]\.waiver\.expires = "2020-01-31": this waiver has expired/m,
    ],
  ])("%s", (_n, patch, message) => {
    expect(problems({ ...base(), ...patch })).toMatch(message);
    expect(problems({ ...base(), ...JSON.parse(JSON.stringify(patch).replace("2020-01-31", "2099-12-31")) })).toBe("");
  });

  test("a waiver expiring today still holds (it covers the whole of its last day)", () => {
    expect(
      problems({
        ...base(),
        ids: { kind: "none", waiver: { ...LIVE, expires: new Date().toISOString().slice(0, 10) } },
      }),
    ).toBe("");
  });
});

describe("accounts and updates sections", () => {
  test("defaults: leftovers are locked, the first apply installs security updates", () => {
    const m = parseHostModel(base());
    expect(m.accounts).toEqual({ undeclared: "lock", keep: [] });
    expect(m.updates).toEqual({ installOnFirstApply: true });
    const env = renderBundle(base(), "debian-12").env;
    expect(env).toMatch(/^ACCOUNTS_MODE='lock'$/m);
    expect(env).toMatch(/^ACCOUNTS_KEEP=\(\)$/m);
    expect(env).toMatch(/^PRIV_GROUPS='sudo wheel admin bulwark-admins'$/m);
    expect(env).toMatch(/^FIRST_UPDATES_WAIVER=''$/m);
  });

  test.each([
    [
      { updates: { installOnFirstApply: false } },
      new RegExp(
        /^updates\.installOnFirstApply = false: /.source +
          /the first apply installs pending security updates; to skip that add updates\.waiver/.source,
        "m",
      ),
    ],
    [{ accounts: { undeclared: "delete" } }, /^accounts\.undeclared = "delete": /m],
    [
      { accounts: { keep: [{ name: "alice", waiver: LIVE }] } },
      /^accounts\.keep\[0\]\.name = "alice": alice is already declared/m,
    ],
    [
      {
        accounts: {
          keep: [
            { name: "bob", waiver: LIVE },
            { name: "bob", waiver: LIVE },
          ],
        },
      },
      /^accounts\.keep\[1\]\.name = "bob": bob is listed twice/m,
    ],
    [{ accounts: { keep: [{ name: "bob" }] } }, /^accounts\.keep\[0\]\.waiver = \(missing\)/m],
  ])("bad accounts/updates input %# is refused", (patch, message) => {
    expect(problems({ ...base(), ...patch })).toMatch(message);
  });

  test("kept accounts and the updates waiver reach the bundle", () => {
    const env = renderBundle(
      {
        ...base(),
        accounts: { undeclared: "report", keep: [{ name: "backup", waiver: LIVE }] },
        updates: { installOnFirstApply: false, waiver: LIVE },
      },
      "ubuntu-22.04",
    ).env;
    expect(env).toMatch(/^ACCOUNTS_MODE='report'$/m);
    expect(env).toContain("ACCOUNTS_KEEP=('backup|accepted for the pilot|sec@example.com|2099-12-31')");
    expect(env).toContain("FIRST_UPDATES_WAIVER='accepted for the pilot|sec@example.com|2099-12-31'");
  });
});

describe("caPem", () => {
  test("a private key in caPem is refused, and never echoed", () => {
    const secret = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7secretbody";
    const p = problems({
      ...base(),
      logs: {
        kind: "rsyslog-tls",
        target: "logs.corp",
        caPem: `${CA}\n-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----`,
      },
    });
    expect(p).toMatch(
      /^logs\.caPem = "\(masked: holds a private key\)": caPem holds a private key: paste only the CA certificate/m,
    );
    expect(p).not.toContain(secret);
    expect(
      problems({
        ...base(),
        logs: {
          kind: "rsyslog-tls",
          target: "logs.corp",
          caPem: `-----BEGIN EC PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----\n${CA}`,
        },
      }),
    ).toMatch(/caPem holds a private key/);
    expect(problems({ ...base(), logs: { kind: "rsyslog-tls", target: "logs.corp", caPem: CA } })).toBe("");
  });
});

describe("sshd RequiredRSASize where the OpenSSH version has it (>= 9.1)", () => {
  test.each([
    ["debian-12", true],
    ["ubuntu-24.04", true],
    ["ubuntu-22.04", false],
    ["amazonlinux-2023", false],
  ] as const)("%s: %s", (os, has) => {
    const cfg = renderBundle(base(), os).files.find((f) => f.path === "/etc/ssh/sshd_config")!.content;
    expect(/^RequiredRSASize 3072$/m.test(cfg)).toBe(has);
  });
});

describe("nft rule comments are cut by UTF-8 bytes", () => {
  test("a multi-byte description fits nft's 128 bytes and is cut at a character boundary", () => {
    const long = "Zugang für Überwachung — ".repeat(10);
    const c = nftComment(long);
    expect(Buffer.byteLength(c)).toBeLessThanOrEqual(128);
    expect(long.startsWith(c)).toBe(true);
    expect(c).not.toContain("\uFFFD");
    expect(nftComment("😀".repeat(40))).toBe("😀".repeat(32)); // 4-byte characters, never split
    expect(nftComment('say "hi"\n\\')).toBe("say 'hi' /");
  });
});

describeHost("nft -c accepts multi-byte descriptions", [], () => {
  test("the ruleset with a 200-character multi-byte description passes nft -c", () => {
    const m = parseHostModel({
      ...base(),
      inbound: [{ port: 8080, sources: ["10.30.0.0/16"], description: "Überwachung ✓ ".repeat(14).slice(0, 200) }],
    });
    const dir = tmpDir("bulwark-nft-");
    fs.writeFileSync(path.join(dir, "r.nft"), renderNftables(m));
    const r = run("unshare", ["-n", "nft", "-c", "-f", path.join(dir, "r.nft")]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
  });
});

/** Runs `body` in bash with lib/<lib>.sh sourced, stubbed helpers, and `bin` first on PATH. */
function libRun(lib: "updates" | "accounts", env: string, body: string, bin?: string): { code: number; out: string } {
  const prelude = [
    "set -euo pipefail",
    'log() { echo "log: $*"; }; changed() { echo "changed: $*"; }; die() { echo "die: $*"; exit 1; }',
    'pass() { echo "PASS $1 $2"; }; fail() { echo "FAIL $1 $2"; }; ' +
      'check() { local i=$1 d=$2; shift 2; if "$@" >/dev/null 2>&1; then pass "$i" "$d"; else fail "$i" "$d"; fi; }',
    'waiver_check() { echo "WAIVED $1 $2"; }',
    env,
    `. ${path.join(SCRIPTS, `${lib}.sh`)}`,
    body,
  ].join("\n");
  const r = run("bash", ["-c", prelude], {
    env: { ...process.env, PATH: `${bin ? `${bin}:` : ""}${process.env.PATH}` },
  });
  return { code: r.code, out: r.out };
}

function fakeTool(dir: string, name: string, script: string): void {
  fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
}

describe("lib/updates.sh: pending security updates", () => {
  let bin: string;
  beforeEach(() => (bin = tmpDir("bulwark-fakebin-")));
  afterEach(() => fs.rmSync(bin, { recursive: true, force: true }));

  test("apt: only candidates from a security origin count, named with both versions", () => {
    fakeTool(
      bin,
      "apt-get",
      `cat <<'EOF'
Inst base-files [12.4+deb12u11] (12.4+deb12u15 Debian:12.15/oldstable [amd64])
Inst libgcrypt20 [1.10.1-3] (1.10.1-3+deb12u1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [amd64])
Inst libapache2-mod-security2 [2.9.7-1] (2.9.7-1+deb12u1 Debian:12.15/oldstable [amd64])
Inst libc6 [2.35-0ubuntu3.1] (2.35-0ubuntu3.4 Ubuntu:22.04/jammy-updates, Ubuntu:22.04/jammy-security [amd64])
Inst newdep (1.0 Debian-Security:12/oldstable-security [amd64])
Conf libgcrypt20 (1.10.1-3+deb12u1 Debian-Security:12/oldstable-security [amd64])
EOF`,
    );
    const r = libRun("updates", "FAMILY=debian", "upd_pending", bin);
    expect(r.out.trim().split("\n")).toEqual([
      "libgcrypt20 1.10.1-3 -> 1.10.1-3+deb12u1",
      "libc6 2.35-0ubuntu3.1 -> 2.35-0ubuntu3.4",
    ]);
    expect(libRun("updates", "FAMILY=debian", "updates_verify", bin).out).toMatch(
      /^FAIL updates security updates pending: libgcrypt20 1\.10\.1-3 -> 1\.10\.1-3\+deb12u1,libc6 /m,
    );
  });

  test("dnf (AL2023): `dnf --security check-update` exit 100 lists the updates; exit 1 fails closed", () => {
    fakeTool(
      bin,
      "dnf",
      `[ "$2" = --security ] || exit 9
printf 'openssl-libs.x86_64   1:3.0.8-1.amzn2023.0.14   amazonlinux\\n` +
        `curl.x86_64   8.5.0-1.amzn2023.0.4   amazonlinux\\n'
exit 100`,
    );
    const r = libRun("updates", "FAMILY=amazon", "upd_pending; updates_verify", bin);
    expect(r.out).toMatch(
      /^openssl-libs\.x86_64 -> 1:3\.0\.8-1\.amzn2023\.0\.14\ncurl\.x86_64 -> 8\.5\.0-1\.amzn2023\.0\.4$/m,
    );
    expect(r.out).toMatch(
      /^FAIL updates security updates pending: openssl-libs\.x86_64 -> 1:3\.0\.8-1\.amzn2023\.0\.14,curl\.x86_64/m,
    );
    fakeTool(bin, "dnf", "exit 0");
    expect(libRun("updates", "FAMILY=amazon", "updates_verify", bin).out).toMatch(
      /^PASS updates no security updates pending/m,
    );
    fakeTool(bin, "dnf", "echo 'Error: Failed to download metadata' >&2; exit 1");
    expect(libRun("updates", "FAMILY=amazon", "updates_verify", bin).out).toMatch(
      /^FAIL updates cannot list security updates/m,
    );
  });

  test(
    "first apply: skipped offline (chroot, BULWARK_OFFLINE=1), under a " +
      "waiver and without a mirror, with no marker; online it installs and marks",
    () => {
      const mark = path.join(bin, "marker");
      fakeTool(
        bin,
        "apt-get",
        `case "$*" in *-s*) echo 'Inst demo [1.0] (1.1 Debian-Security:12/bookworm-security [all])' ;; ` +
          `*install*) echo "$*" >${bin}/installed ;; esac`,
      );
      const env = (extra: string) => `FAMILY=debian; FIRST_UPDATES_WAIVER=''; ${extra}`;
      const offline = libRun(
        "updates",
        env("runtime() { false; }"),
        `UPD_MARK=${mark}; updates_first_apply; echo rc=$?`,
        bin,
      );
      expect(offline.out.trim()).toBe("rc=0");
      expect(fs.existsSync(mark)).toBe(false);
      const waived = libRun(
        "updates",
        env("runtime() { true; }; FIRST_UPDATES_WAIVER='r|a|2099-12-31'"),
        `UPD_MARK=${mark}; updates_first_apply`,
        bin,
      );
      expect(waived.out.trim()).toBe("");
      expect(fs.existsSync(mark)).toBe(false);
      fakeTool(
        bin,
        "apt-get",
        `case "$*" in update*) exit 100 ;; ` +
          `*-s*) echo 'Inst demo [1.0] (1.1 Debian-Security:12/bookworm-security [all])' ;; ` +
          `*install*) echo "$*" >${bin}/installed ;; esac`,
      );
      const noMirror = libRun(
        "updates",
        env("runtime() { true; }; mkdir() { :; }"),
        `UPD_MARK=${mark}; updates_first_apply`,
        bin,
      );
      expect(noMirror.out.trim()).toBe("log: apt-get update failed: security updates wait");
      expect(fs.existsSync(mark) || fs.existsSync(path.join(bin, "installed"))).toBe(false);
      fakeTool(
        bin,
        "apt-get",
        `case "$*" in *-s*) echo 'Inst demo [1.0] (1.1 Debian-Security:12/bookworm-security [all])' ;; ` +
          `*install*) echo "$*" >${bin}/installed ;; esac`,
      );
      const online = libRun(
        "updates",
        env("runtime() { true; }; mkdir() { :; }"),
        `UPD_MARK=${mark}; updates_first_apply; updates_first_apply`,
        bin,
      );
      expect(online.out.trim().split("\n")).toEqual([
        "log: installing security updates: demo",
        "changed: security updates demo",
      ]);
      expect(fs.readFileSync(path.join(bin, "installed"), "utf8")).toMatch(/--only-upgrade .* demo$/m);
      expect(fs.existsSync(mark)).toBe(true);
    },
  );
});

describeHost("lib/accounts.sh on planted account files (private mount namespace)", [], () => {
  test("declared, system, kept and locked accounts pass; leftovers and undeclared sudoers grants are named", () => {
    const d = tmpDir("bulwark-accounts-");
    const home = (u: string) => path.join(d, "home", u);
    for (const u of ["olduser", "keyonly", "grouponly", "shellonly", "locked", "backup"])
      fs.mkdirSync(path.join(home(u), ".ssh"), { recursive: true });
    fs.writeFileSync(path.join(home("keyonly"), ".ssh/authorized_keys"), `${ED25519}\n`);
    fs.writeFileSync(
      path.join(d, "passwd"),
      [
        "root:x:0:0:root:/root:/bin/bash",
        "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin",
        "svc:x:999:999::/srv:/bin/bash",
        `alice:x:1000:1000::${home("alice")}:/bin/bash`,
        `olduser:x:1001:1001::${home("olduser")}:/bin/bash`,
        `keyonly:x:1002:1002::${home("keyonly")}:/usr/sbin/nologin`,
        `grouponly:x:1003:1003::${home("grouponly")}:/bin/bash`,
        `shellonly:x:1004:1004::${home("shellonly")}:/bin/bash`,
        `locked:x:1005:1005::${home("locked")}:/bin/bash`,
        `backup:x:1006:1006::${home("backup")}:/bin/bash`,
        "nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin",
        "",
      ].join("\n"),
    );
    fs.writeFileSync(
      path.join(d, "shadow"),
      [
        "root:$6$x$y:19000:0:99999:7:::",
        "daemon:*:19000:0:99999:7:::",
        "svc:$6$x$y:19000:0:99999:7:::",
        "alice:*:19000:0:99999:7:::",
        "olduser:$6$weak$hash:19000:0:99999:7:::",
        "keyonly:*:19000:0:99999:7:::",
        "grouponly:!:19000:0:99999:7:::",
        "shellonly:!:19000:0:99999:7:::",
        "locked:!$6$weak$hash:19000:0:99999:7::1:",
        "backup:$6$x$y:19000:0:99999:7:::",
        "nobody:*:19000:0:99999:7:::",
        "",
      ].join("\n"),
    );
    fs.writeFileSync(
      path.join(d, "group"),
      [
        "root:x:0:",
        "sudo:x:27:olduser,grouponly,alice,locked",
        "bulwark-admins:x:1100:alice",
        "shellonly:x:1004:",
        "",
      ].join("\n"),
    );
    fs.writeFileSync(path.join(d, "login.defs"), "UID_MIN 1000\n");
    fs.writeFileSync(
      path.join(d, "sudoers"),
      "Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n#includedir /etc/sudoers.d\n",
    );
    fs.mkdirSync(path.join(d, "sudoers.d"));
    fs.writeFileSync(
      path.join(d, "sudoers.d", "90-legacy"),
      "User_Alias OPS = olduser\nolduser ALL=(ALL) NOPASSWD: ALL\n%support ALL=(ALL) ALL\nalice ALL=(ALL) ALL\n",
    );
    fs.writeFileSync(path.join(d, "sudoers.d", "README"), "# a comment\n");
    fs.writeFileSync(path.join(d, "sudoers.d", "old.dpkg-dist"), "ALL ALL=(ALL) ALL\n"); // sudo skips names with a dot
    const binds = `mount --bind ${d} /etc`; // the planted files are this namespace's whole /etc
    const env =
      "ADMINS=alice; SESSION_USER=''; " +
      "ACCOUNTS_KEEP=('backup|kept for the nightly backup job|sec@example.com|2099-12-31'); " +
      "PRIV_GROUPS='sudo wheel admin bulwark-admins'; ADMIN_GROUP=bulwark-admins";
    // /etc/alternatives goes with the real /etc: awk by its real path.
    const bin = tmpDir("bulwark-bin-");
    fs.symlinkSync(fs.realpathSync(run("sh", ["-c", "command -v awk"]).stdout.trim()), path.join(bin, "awk"));
    const r = run("unshare", [
      "-m",
      "bash",
      "-c",
      `${binds} && PATH=${bin}:$PATH bash -c "$0"`,
      [
        "set -euo pipefail",
        'pass() { echo "PASS $1 $2"; }; fail() { echo "FAIL $1 $2"; }; ' +
          'check() { :; }; waiver_check() { echo "WAIVED $1 $2"; }',
        env,
        `. ${path.join(SCRIPTS, "accounts.sh")}`,
        "acct_left; accounts_verify",
      ].join("\n"),
    ]);
    fs.rmSync(d, { recursive: true, force: true });
    fs.rmSync(bin, { recursive: true, force: true });
    const lines = r.out.trim().split("\n");
    if (process.env.DEBUG_ACCOUNTS) console.log(r.out);
    // olduser: password + sudo; keyonly: an SSH key; grouponly: sudo membership. shellonly (no password, no key,
    // no privileged group), svc (UID < UID_MIN), nobody (system), backup (kept), alice (admin) are not leftovers;
    // locked (in sudo, password locked, expired) is a leftover already closed.
    expect(lines.filter((l) => /^\S+ (open|locked)$/.test(l))).toEqual([
      "olduser open",
      "keyonly open",
      "grouponly open",
      "locked locked",
    ]);
    expect(r.out).toMatch(/^FAIL accounts unlocked leftover accounts: olduser keyonly grouponly$/m);
    expect(r.out).toMatch(
      new RegExp(
        /^FAIL accounts undeclared sudoers grants: \/etc\/sudoers\.d\/90-legacy: olduser;/.source +
          /\/etc\/sudoers\.d\/90-legacy: %support$/.source,
        "m",
      ),
    );
    expect(r.out).toMatch(/^WAIVED accounts kept for the nightly backup job\|sec@example.com\|2099-12-31$/m);
    expect(r.out).not.toContain("$6$");
  });
});

describeHost("lib/updates.sh: stale package lists (private mount namespace)", [], () => {
  test("lists older than two days warn; fresh ones do not", () => {
    const lists = tmpDir("bulwark-lists-");
    const bin = tmpDir("bulwark-fakebin-");
    fakeTool(bin, "apt-get", "exit 0");
    const rel = path.join(lists, "mirror_dists_bookworm-security_InRelease");
    fs.writeFileSync(rel, "");
    const verify = () =>
      run("unshare", [
        "-m",
        "bash",
        "-c",
        `mount --bind ${lists} /var/lib/apt/lists && PATH=${bin}:$PATH bash -c "$0"`,
        [
          'set -euo pipefail; pass() { echo "PASS $1 $2"; }; fail() { echo "FAIL $1 $2"; }; FAMILY=debian',
          `. ${path.join(SCRIPTS, "updates.sh")}`,
          "updates_verify",
        ].join("\n"),
      ]).out;
    const fresh = verify();
    const old = new Date(Date.now() - 3 * 86_400_000);
    fs.utimesSync(rel, old, old);
    const stale = verify();
    fs.rmSync(lists, { recursive: true, force: true });
    fs.rmSync(bin, { recursive: true, force: true });
    expect(fresh.trim()).toBe("PASS updates no security updates pending");
    expect(stale).toMatch(/^PASS updates no security updates pending\nWARN +updates +package lists over 2 days old$/m);
  });
});
