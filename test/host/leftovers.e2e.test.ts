/**
 * Issue 9 on booted stock hosts (Debian 12, Ubuntu 24.04, 22.04): an existing server with leftovers (an old sudo
 * account with a weak password, a package with a pending security update from a local file repository whose origin
 * matches the security pattern) is verified, hardened LIVE over SSH as HardenedHost does, and attacked again.
 * The stock rootfs boots without any chroot apply; the only repository is the local one (the namespace is offline).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { renderBundle, writeBundle } from "../../components/host/render";
import { bundleInstaller, hardenedHostCommands } from "../../components/host/hardened-host";
import {
  clientKey,
  describeHost,
  DISTROS,
  expectConfirmed,
  harness,
  hostSlot,
  run,
  selected,
  sshAs,
  type Suite,
  TEST_DIR,
  testPki,
  tmpDir,
  waitForSshd,
} from "./helpers";
import { IDS_WAIVED } from "./live-helpers";

/** Each distribution's security origin, as its Release file names it (what unattended-upgrades' pattern matches). */
const ORIGINS: Record<Suite, { origin: string; label: string; version: string; codename: string }> = {
  bookworm: { origin: "Debian", label: "Debian-Security", version: "12", codename: "bookworm-security" },
  noble: { origin: "Ubuntu", label: "Ubuntu", version: "24.04", codename: "noble" },
  jammy: { origin: "Ubuntu", label: "Ubuntu", version: "22.04", codename: "jammy" },
};
type Origin = (typeof ORIGINS)[Suite];

const PKG = "bulwark-leftover-demo";
const OLD_PASSWORD = "Summer2019";
const REPO = "/srv/bulwark-security-repo"; // inside the host

/**
 * The low-privilege attack: `su olduser` with the old password, then `sudo id -u`, on a pty (python3 is there:
 * fail2ban).
 */
const ESCALATE = `
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp("su", ["su", "olduser", "-c", "sudo -S -p SUDO-PROMPT: id -u"])
buf, sent, end = b"", 0, time.time() + 20
while time.time() < end:
    if fd not in select.select([fd], [], [], 0.5)[0]:
        continue
    try:
        d = os.read(fd, 1024)
    except OSError:
        break
    if not d:
        break
    buf += d
    if sent == 0 and b"assword" in buf:
        os.write(fd, sys.argv[1].encode() + b"\\n"); sent = 1
    if sent == 1 and b"SUDO-PROMPT:" in buf:
        os.write(fd, sys.argv[1].encode() + b"\\n"); sent = 2
_, st = os.waitpid(pid, 0)
print(buf.decode(errors="replace"))
print("EXIT", os.waitstatus_to_exitcode(st))
`;

function deb(work: string, version: string): string {
  const root = path.join(work, `pkg-${version}`);
  fs.mkdirSync(path.join(root, "DEBIAN"), { recursive: true });
  fs.mkdirSync(path.join(root, "usr/share/doc", PKG), { recursive: true });
  fs.writeFileSync(path.join(root, "usr/share/doc", PKG, "VERSION"), `${version}\n`);
  fs.writeFileSync(
    path.join(root, "DEBIAN/control"),
    [
      `Package: ${PKG}`,
      `Version: ${version}`,
      "Architecture: all",
      "Maintainer: Bulwark tests <tests@example.com>",
      "Description: stands in for a package with a known CVE",
      "",
    ].join("\n"),
  );
  const out = path.join(work, `${PKG}_${version}_all.deb`);
  const r = run("dpkg-deb", ["-Zxz", "--root-owner-group", "--build", root, out]);
  if (r.code !== 0) throw new Error(r.out);
  return out;
}

/** A flat repository whose Release names the distro's security origin (what unattended-upgrades' pattern matches). */
function publish(repo: string, debs: string[], s: Origin): void {
  fs.mkdirSync(repo, { recursive: true });
  const stanzas = debs.map((d) => {
    const body = fs.readFileSync(d);
    fs.copyFileSync(d, path.join(repo, path.basename(d)));
    const version = /_([^_]+)_all\.deb$/.exec(d)![1];
    return [
      `Package: ${PKG}`,
      `Version: ${version}`,
      "Architecture: all",
      "Maintainer: Bulwark tests <tests@example.com>",
      `Filename: ./${path.basename(d)}`,
      `Size: ${body.length}`,
      `SHA256: ${createHash("sha256").update(body).digest("hex")}`,
      "Description: stands in for a package with a known CVE",
      "",
    ].join("\n");
  });
  const packages = stanzas.join("\n");
  fs.writeFileSync(path.join(repo, "Packages"), packages);
  const suite = s.origin === "Debian" ? s.codename : `${s.codename}-security`;
  fs.writeFileSync(
    path.join(repo, "Release"),
    [
      `Origin: ${s.origin}`,
      `Label: ${s.label}`,
      `Suite: ${suite}`,
      `Codename: ${s.codename}`,
      `Version: ${s.version}`,
      `Date: ${new Date().toUTCString()}`,
      "Architectures: amd64 all",
      "SHA256:",
      ` ${createHash("sha256").update(packages).digest("hex")} ${Buffer.byteLength(packages)} Packages`,
      "",
    ].join("\n"),
  );
}

function model(net: number, pub: string, caPem: string) {
  return {
    role: "app",
    admins: [{ name: "alice", sshKeys: [pub] }],
    ssh: { managementSources: [`10.231.${net}.0/24`] },
    inbound: [],
    ids: IDS_WAIVED,
    logs: { kind: "rsyslog-tls", target: `10.231.${net}.2`, permittedPeer: "logs.bulwark.test", caPem },
  };
}

for (const { suite, os } of selected(DISTROS)) {
  const { id, net } = hostSlot("leftovers", suite);
  const s = ORIGINS[suite];
  describeHost(`leftovers on an existing ${os} server (${suite}), hardened live`, [suite], () => {
    jest.setTimeout(300_000);
    const srv = `10.231.${net}.1`;
    const op = `10.231.${net}.2`;
    const m = path.join(TEST_DIR, id, "m");
    let key: { priv: string; pub: string };
    let work: string;
    let cmds: ReturnType<typeof hardenedHostCommands>;

    const exec = (...a: string[]) => harness("exec", id, ...a);
    const sh = (script: string) => {
      const r = exec("sh", "-ec", script);
      if (r.code !== 0) throw new Error(`${script}: ${r.out}`);
      return r;
    };
    const ssh = (user: string, command: string) => sshAs(id, srv, key.priv, op, user, command, { timeoutSecs: 170 });
    const escalate = () => exec("runuser", "-u", "lowuser", "--", "python3", "/var/tmp/escalate.py", OLD_PASSWORD);
    /**
     * The HardenedHost steps: copy the installer, apply with sudo (firewall rollback armed), verify from a new
     * connection.
     */
    const hardenedApply = (user: string) => {
      const installer = { input: fs.readFileSync(path.join(work, "installer.sh"), "utf8") };
      const copy = sshAs(id, srv, key.priv, op, user, `cat > ${cmds.installerPath}`, installer);
      if (copy.code !== 0) throw new Error(`copy: ${copy.out}`);
      return ssh(user, cmds.apply);
    };

    beforeAll(async () => {
      harness("down", id);
      key = clientKey();
      work = tmpDir(`bulwark-leftovers-${suite}-`);
      const b = renderBundle(model(net, key.pub, testPki(work, "logs.bulwark.test").caPem), os);
      writeBundle(b, path.join(work, "bundle"));
      cmds = hardenedHostCommands(b, 60);
      fs.writeFileSync(path.join(work, "installer.sh"), bundleInstaller(b));
      // The stock rootfs, booted as it is: no chroot apply. The bundle directory is there for the first verify only.
      const up = harness("up", id, suite, String(net), path.join(work, "bundle"));
      if (up.code !== 0) throw new Error(`harness up failed: ${up.out}`);
      harness("boot", id);
      await waitForSshd(id, srv, key.priv, op);
    });

    afterAll(() => {
      const down = harness("down", id);
      if (work) fs.rmSync(work, { recursive: true, force: true });
      if (down.code !== 0) throw new Error(`harness down failed: ${down.out}`);
    });

    test(
      "plant: an old sudo account with a weak password (it " +
        "escalates), and a package with a pending security update",
      () => {
        const hash = run("openssl", ["passwd", "-6", OLD_PASSWORD]).stdout.trim();
        sh(
          `useradd -m -s /bin/bash -G sudo olduser && usermod -p '${hash}' olduser && useradd -m -s /bin/bash lowuser`,
        );
        fs.writeFileSync(path.join(m, "var/tmp/escalate.py"), ESCALATE, { mode: 0o644 });
        const before = escalate();
        expect(before.stdout).toMatch(/^0\r?$/m); // the control: the old account IS a way to root before apply
        expect(before.stdout).toMatch(/EXIT 0/);
        // The namespace is offline: the local repository is the host's only source (the stock lists go with apt-get
        // update).
        sh(
          "mkdir -p /etc/apt/off && " +
            "mv /etc/apt/sources.list /etc/apt/sources.list.d/* /etc/apt/off/ 2>/dev/null || true",
        );
        fs.writeFileSync(
          path.join(m, "etc/apt/sources.list.d/security-local.list"),
          `deb [trusted=yes] file:${REPO} ./\n`,
        );
        publish(path.join(m, REPO), [deb(work, "1.0")], s);
        sh(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${PKG}=1.0 >/dev/null`);
        publish(path.join(m, REPO), [deb(work, "1.0"), deb(work, "1.1")], s);
        sh("apt-get update -qq");
        expect(exec("apt-get", "-s", "dist-upgrade").stdout).toMatch(
          new RegExp(`^Inst ${PKG} \\[1\\.0\\] \\(1\\.1 [^ ]*(Debian-Security|-security)`, "m"),
        );
      },
    );

    test("verify on the stock host names each leftover: olduser, the pending package and its version", () => {
      const r = exec("/opt/bulwark/bundle/verify");
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^FAIL +accounts +unlocked leftover accounts: olduser \[/m);
      expect(r.stdout).toMatch(new RegExp(`^FAIL +updates +security updates pending: ${PKG} 1\\.0 -> 1\\.1 \\[`, "m"));
      expect(r.stdout).toMatch(/^FAIL +accounts +su only for bulwark-admins/m);
      expect(r.stdout).not.toMatch(/\$6\$/); // never a hash
    });

    test(
      "apply LIVE over SSH (HardenedHost's steps): installs the " +
        "security update first, locks olduser, keeps the session",
      () => {
        const t0 = Date.now();
        const r = hardenedApply("root");
        const seconds = (Date.now() - t0) / 1000;
        expect(r.out).not.toMatch(/ERROR/);
        expect(r.stdout).toMatch(
          new RegExp(`installing security updates: ${PKG}\\n[^]*changed: security updates ${PKG}`),
        );
        // Updates come before anything else: before the first package or file change.
        expect(r.stdout.indexOf("installing security updates")).toBeLessThan(r.stdout.indexOf("changed: /etc"));
        expect(r.stdout).toMatch(/changed: locked account olduser/);
        expect(r.out).not.toMatch(/\$6\$/);
        expect(r.stdout).toMatch(/rolls back in 60s unless confirmed/);
        expect(r.code).toBe(0);
        expect(exec("dpkg-query", "-W", "-f=${Version}", PKG).stdout).toBe("1.1");
        expect(fs.existsSync(path.join(m, "var/lib/bulwark/first-apply-updates"))).toBe(true);
        console.log(`${suite}: live first apply over SSH ${seconds.toFixed(1)} s`);
      },
    );

    test("verify from a new connection (the admin's key) passes and confirms the firewall", () => {
      const r = ssh("alice", cmds.verify);
      expectConfirmed(id, r);
      expect(r.stdout).toMatch(/^PASS +accounts +no unlocked leftover account/m);
      expect(r.stdout).toMatch(/^PASS +accounts +su only for bulwark-admins/m);
      expect(r.stdout).toMatch(/^PASS +updates +no security updates pending/m);
    });

    test("a low-privilege shell: su to olduser with the old password, then sudo, fails", () => {
      const r = escalate();
      expect(r.stdout).toMatch(/EXIT [1-9]/);
      expect(r.stdout).not.toMatch(/^0\r?$/m);
      expect(r.stdout).not.toContain("SUDO-PROMPT:"); // never got as far as sudo
      const shadow = exec("getent", "shadow", "olduser").stdout.split(":");
      expect(shadow[1].startsWith("!")).toBe(true); // locked
      expect(shadow[7]).toBe("1"); // expired (1970-01-02)
    });

    test("a second apply makes 0 changes", () => {
      const r = hardenedApply("alice");
      expect(r.stdout).toMatch(/done: 0 change\(s\)/);
      expect(r.stdout).not.toMatch(/changed:/);
      expect(r.code).toBe(0);
    });
  });
}

describeHost("leftovers in report mode, applied offline in a chroot (bookworm)", ["bookworm"], () => {
  jest.setTimeout(240_000);
  const { id, net } = hostSlot("leftoversReport", "bookworm");
  let work: string;
  const chroot = (...a: string[]) => harness("chroot", id, ...a);

  beforeAll(() => {
    harness("down", id);
    work = tmpDir("bulwark-leftovers-report-");
    const key = clientKey();
    const b = renderBundle(
      { ...model(net, key.pub, testPki(work, "logs.bulwark.test").caPem), accounts: { undeclared: "report" } },
      "debian-12",
    );
    writeBundle(b, path.join(work, "bundle"));
    const up = harness("up", id, "bookworm", String(net), path.join(work, "bundle"));
    if (up.code !== 0) throw new Error(`harness up failed: ${up.out}`);
    const hash = run("openssl", ["passwd", "-6", OLD_PASSWORD]).stdout.trim();
    const plant = chroot(
      "sh",
      "-ec",
      `useradd -m -s /bin/bash -G sudo olduser && usermod -p '${hash}' olduser && ` +
        "echo 'olduser ALL=(ALL) NOPASSWD: ALL' >/etc/sudoers.d/90-legacy",
    );
    if (plant.code !== 0) throw new Error(plant.out);
    // A pending security update in the lists, from the local security-origin repository (the cached rootfs has
    // none of its own: prepare-rootfs installs them).
    const m = path.join(TEST_DIR, id, "m");
    const s = ORIGINS.bookworm;
    fs.writeFileSync(path.join(m, "etc/apt/sources.list.d/security-local.list"), `deb [trusted=yes] file:${REPO} ./\n`);
    publish(path.join(m, REPO), [deb(work, "1.0")], s);
    const v1 = chroot(
      "sh",
      "-ec",
      "apt-get update -qq -o Dir::Etc::sourcelist=/dev/null && " +
        `DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${PKG}=1.0 >/dev/null`,
    );
    if (v1.code !== 0) throw new Error(v1.out);
    publish(path.join(m, REPO), [deb(work, "1.0"), deb(work, "1.1")], s);
    const v2 = chroot("apt-get", "update", "-qq", "-o", "Dir::Etc::sourcelist=/dev/null");
    if (v2.code !== 0) throw new Error(v2.out);
  });

  afterAll(() => {
    const down = harness("down", id);
    if (work) fs.rmSync(work, { recursive: true, force: true });
    if (down.code !== 0) throw new Error(`harness down failed: ${down.out}`);
  });

  test(
    "an offline apply succeeds with security updates pending in " +
      "its lists: they wait for the first online apply (no marker)",
    () => {
      // The lists hold a pending security update (planted above); the chroot has no network and no systemd.
      const r = chroot("/opt/bulwark/bundle/apply");
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/installing security updates/);
      expect(fs.existsSync(path.join(TEST_DIR, id, "m", "var/lib/bulwark/first-apply-updates"))).toBe(false);
      // report mode: named, not locked; the undeclared sudoers grant is named too.
      expect(r.stdout).toMatch(/^bulwark-apply: leftover account olduser$/m);
      expect(r.stdout).toMatch(/^bulwark-apply: undeclared sudoers grant \/etc\/sudoers\.d\/90-legacy: olduser$/m);
      expect(r.stdout).not.toMatch(/locked account/);
      expect(chroot("getent", "shadow", "olduser").stdout.split(":")[1]).toMatch(/^\$6\$/);
    },
  );

  test("verify --static fails accounts naming olduser and the grant, and updates naming the pending packages", () => {
    const r = chroot("/opt/bulwark/bundle/verify", "--static");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL +accounts +unlocked leftover accounts: olduser \[/m);
    expect(r.stdout).toMatch(/^FAIL +accounts +undeclared sudoers grants: \/etc\/sudoers\.d\/90-legacy: olduser \[/m);
    expect(r.stdout).toMatch(/^FAIL +updates +security updates pending: \S+ \S+ -> \S+/m);
    expect(r.stdout).toMatch(/^PASS +accounts +su only for bulwark-admins/m);
    expect(r.stdout).not.toMatch(/\$6\$/);
  });
});
