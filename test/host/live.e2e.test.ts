/**
 * Live apply (issue 14): a stock Debian 12 / Ubuntu 24.04 / 22.04 rootfs is booted as shipped (on 24.04 sshd is
 * socket-activated) WITHOUT the offline apply, and the bundle is applied over a real SSH session from the client
 * namespace with HardenedHost's exact commands. Before the fix, 24.04 lost /run/sshd when ssh.socket was stopped,
 * `sshd -t` failed, apply died and port 22 refused every new connection.
 */
import * as fs from "fs";
import * as path from "path";
import { renderBundle } from "../../components/host/render";
import { bundleInstaller, hardenedHostCommands } from "../../components/host/hardened-host";
import {
  clientKey,
  describeHost,
  DISTROS,
  expectConfirmed,
  harness,
  harnessAsync,
  hostSlot,
  passwordLogin,
  probe,
  selected,
  SideBySide,
  bruteForceUntilBanned,
  sshAs,
  testPki,
  TEST_DIR,
  tmpDir,
  waitFor,
  waitForSshd,
} from "./helpers";
import { liveModel, rm } from "./live-helpers";

const hosts = new SideBySide();

for (const { suite, os } of selected(DISTROS)) {
  const { id, net } = hostSlot("live", suite);
  describeHost(`live apply over SSH on a booted stock ${os} (${suite})`, [suite], () => {
    jest.setTimeout(300_000);
    const srv = `10.231.${net}.1`;
    const good = `10.231.${net}.2`;
    const brute = `10.231.${net}.3`;
    const other = `10.231.${net}.4`; // refused logins: fail2ban must not count them against `good`
    let key: { priv: string; pub: string };
    let work: string;
    let cmds: ReturnType<typeof hardenedHostCommands>;
    let installer: string;
    let pki: ReturnType<typeof testPki>;

    const slow = { timeoutSecs: 300, quiet: true };
    const ssh = (user: string, command = "true", from = good) => sshAs(id, srv, key.priv, from, user, command, slow);
    const exec = (...cmd: string[]) => harness("exec", id, ...cmd);
    /** HardenedHost's steps 1 and 2 over SSH as `user`: copy the installer, then apply in the same session. */
    const hardenedApply = (user: string) => {
      const copy = sshAs(id, srv, key.priv, good, user, `cat > ${cmds.installerPath}`, { ...slow, input: installer });
      if (copy.code !== 0) throw new Error(`copy failed: ${copy.out}`);
      return ssh(user, `${cmds.apply}; echo "APPLY-RC=$?"; echo SESSION-SURVIVED`);
    };

    // Set up side by side with the other distributions (sideBySide); the tests run one after another.
    hosts.add(
      suite,
      async () => {
        harness("down", id);
        key = clientKey();
        work = tmpDir(`bulwark-live-${suite}-`);
        pki = testPki(work, "logs.bulwark.test");
        const b = renderBundle(liveModel(net, key.pub, pki.caPem), os);
        cmds = hardenedHostCommands(b, 300);
        installer = bundleInstaller(b);
        fs.mkdirSync(path.join(work, "empty"));
        const up = await harnessAsync("up", id, suite, String(net), path.join(work, "empty"));
        if (up.code !== 0) throw new Error(`harness up failed: ${up.out}`);
        await harnessAsync("boot", id);
        // Async: the three hosts' waits overlap instead of taking turns on the event loop.
        await waitForSshd(id, srv, key.priv, good);
      },
      () => {
        harness("down", id);
        rm(work);
      },
    );
    beforeAll(() => hosts.ready(suite));

    afterAll(() => {
      const down = harness("down", id);
      rm(work);
      if (down.code !== 0) throw new Error(`harness down failed: ${down.out}`);
    });

    test("the host is in its stock SSH state (24.04: ssh.socket holds port 22)", () => {
      const sock = exec("systemctl", "is-active", "ssh.socket").stdout.trim();
      expect(sock).toBe(suite === "noble" ? "active" : "inactive");
      expect(exec("test", "-e", "/etc/ssh/sshd_config.pre-bulwark").code).not.toBe(0);
    });

    test("the console is drained: 3,000 lines written to it reach boot.log, and systemd still answers", async () => {
      // Undrained, a guest blocks in its console writes once the buffer is full, systemd's own status lines too.
      const flood = 'for i in $(seq 1 3000); do echo "console-flood $i" >/dev/console; done; echo flooded';
      const r = exec("timeout", "60", "sh", "-c", flood);
      expect({ code: r.code, out: r.stdout.trim() }).toEqual({ code: 0, out: "flooded" });
      const log = () => fs.readFileSync(path.join(TEST_DIR, id, "boot.log"), "utf8");
      const drained = await waitFor(log, (l) => l.includes("console-flood 3000"), 30_000);
      expect(drained).toMatch(/console-flood 1\r?\n/);
      expect(drained).toContain("console-flood 3000");
      expect(exec("systemctl", "is-system-running").stdout.trim()).toMatch(/^(running|degraded)$/);
    });

    test(
      "a planted drop-in that sshd -t rejects: SSH is left " + "as it was, every other step applies, exit 1 says why",
      () => {
        expect(exec("sh", "-c", "echo 'NoSuchOption yes' >/etc/ssh/sshd_config.d/60-planted.conf").code).toBe(0);
        const before = exec("md5sum", "/etc/ssh/sshd_config").stdout;
        const r = hardenedApply("root");
        expect(r.stdout).toContain("SESSION-SURVIVED");
        expect(r.stdout).toContain("APPLY-RC=1");
        expect(r.out).toMatch(
          new RegExp(
            /FAILED: ssh: sshd -t rejects the hardened config: .*60-planted\.conf/.source +
              /.*NoSuchOption.*rolled back: SSH left as it was/.source,
          ),
        );
        expect(r.out).toMatch(/FAILED: 1 step\(s\) failed/);
        // SSH untouched: same sshd_config, same units, a new connection still gets in.
        expect(exec("md5sum", "/etc/ssh/sshd_config").stdout).toBe(before);
        expect(exec("systemctl", "is-active", suite === "noble" ? "ssh.socket" : "ssh.service").stdout.trim()).toBe(
          "active",
        );
        expect(ssh("root", "echo NEW-CONNECTION").stdout).toContain("NEW-CONNECTION");
        // The independent steps ran: firewall loaded, AIDE initialised.
        expect(exec("nft", "list", "table", "inet", "bulwark").stdout).toContain("policy drop");
        expect(exec("test", "-s", "/var/lib/bulwark/aide/aide.db").code).toBe(0);
      },
    );

    test("apply over SSH with HardenedHost's commands: exit 0, the applying session survives", () => {
      expect(exec("rm", "/etc/ssh/sshd_config.d/60-planted.conf").code).toBe(0);
      const r = hardenedApply("root");
      expect(r.stdout).toContain("APPLY-RC=0");
      expect(r.stdout).toContain("SESSION-SURVIVED");
      expect(r.stdout).toMatch(/done: [1-9]\d* change\(s\)/);
      if (suite === "noble") expect(r.stdout).toMatch(/changed: ssh: port 22 handed from ssh.socket to ssh.service/);
      expect(r.stdout).toMatch(/sshd rolls back in 300s unless confirmed/);
    });

    test(
      "verify --confirm-firewall from a NEW connection (the " +
        "admin's key) passes and confirms sshd and the firewall",
      () => {
        const v = ssh("alice", cmds.verify);
        expectConfirmed(id, v);
        expect(v.stdout).toMatch(/^PASS +ssh +ssh is active, sshd listens on 22$/m);
        expect(v.stdout).toMatch(/^PASS +ssh +ssh.socket off/m);
        expect(v.stdout).toMatch(/sshd confirmed; SSH rollback cancelled/);
        expect(v.stdout).toMatch(/firewall confirmed from a new connection; rollback cancelled/);
        expect(exec("ls", "/run/bulwark").stdout).not.toMatch(/pending/);
      },
    );

    test("sshd runs as ssh.service on port 22 (the socket unit masked); password and root logins are refused", () => {
      expect(exec("systemctl", "is-enabled", "ssh.socket").stdout.trim()).toBe("masked");
      expect(exec("systemctl", "is-active", "ssh.service").stdout.trim()).toBe("active");
      const ss = exec("ss", "-Hltnp", "sport = :22").stdout;
      expect(ss).toMatch(/"sshd"/);
      expect(ss).not.toMatch(/"systemd"/);
      expect(ssh("alice", "id -un; sudo -n id -u").stdout.trim()).toBe("alice\n0");
      expect(exec("sh", "-c", "echo 'alice:Tr0ub4dor&3-xyzzy-Q' | chpasswd").code).toBe(0);
      const pw = passwordLogin(id, srv, other, "alice", "Tr0ub4dor&3-xyzzy-Q");
      expect(pw.code).toBe(255);
      expect(pw.out).toMatch(/Permission denied \(publickey\)/);
      const root = ssh("root", "true", other);
      expect(root.code).toBe(255);
      expect(root.out).toMatch(/Permission denied \(publickey\)/);
    });

    test("fail2ban's sshd jail reads ssh.service's journal and bans a brute-forcing address", async () => {
      expect(exec("fail2ban-client", "get", "sshd", "journalmatch").stdout).toContain("_SYSTEMD_UNIT=ssh.service");
      const status = await bruteForceUntilBanned(id, srv, key.priv, brute, ["admin", "oracle", "test"]);
      expect(status).toMatch(new RegExp(`Banned IP list:.*${brute.replace(/\./g, "\\.")}`));
      expect(probe(id, srv, 22, brute)).not.toBe("open");
      expect(ssh("alice", "id -un").stdout.trim()).toBe("alice");
    });

    test("a second apply over SSH (as the admin, with sudo) makes 0 changes", () => {
      const r = hardenedApply("alice");
      expect(r.stdout).toContain("APPLY-RC=0");
      expect(r.stdout).toMatch(/^bulwark-apply: done: 0 change\(s\), bundle [0-9a-f]{64}$/m);
      expect(ssh("alice", cmds.verify).stdout).toMatch(/^verify: PASSED/m);
    });

    test("a re-run after sshd went down repairs it and never reports 0 changes", () => {
      expect(exec("systemctl", "stop", "ssh.service").code).toBe(0);
      expect(probe(id, srv, 22, good)).toBe("closed");
      const r = exec("/opt/bulwark/bundle/apply");
      expect(r.out).toMatch(/changed: ssh: ssh.service was down: restarted/);
      expect(r.out).not.toMatch(/done: 0 change/);
      expect(r.code).toBe(0);
      expect(ssh("alice", "id -un").stdout.trim()).toBe("alice");
    });

    test(
      "an SSH change no new connection confirms (sshd " + "moved to port 2222) is rolled back: port 22 works again",
      async () => {
        const b2 = renderBundle(
          liveModel(net, key.pub, pki.caPem, { ssh: { port: 2222, managementSources: [`10.231.${net}.0/25`] } }),
          os,
        );
        const c2 = hardenedHostCommands(b2, 20);
        const copy = sshAs(id, srv, key.priv, good, "alice", `cat > ${c2.installerPath}`, {
          ...slow,
          input: bundleInstaller(b2),
        });
        expect(copy.code).toBe(0);
        const r = ssh("alice", `${c2.apply}; echo "APPLY-RC=$?"; echo SESSION-SURVIVED`);
        expect(r.stdout).toContain("APPLY-RC=0");
        expect(r.stdout).toContain("SESSION-SURVIVED");
        expect(r.stdout).toMatch(/sshd rolls back in 20s unless confirmed/);
        expect(exec("ss", "-Hltnp", "sport = :2222").stdout).toMatch(/"sshd"/);
        const back = await waitFor(
          () => /"sshd"/.test(exec("ss", "-Hltnp", "sport = :22").stdout) && probe(id, srv, 22, good) === "open",
          Boolean,
          60_000,
        );
        expect(back).toBe(true);
        expect(exec("grep", "-x", "Port 22", "/etc/ssh/sshd_config").code).toBe(0);
        expect(ssh("alice", "id -un").stdout.trim()).toBe("alice");
        expect(exec("journalctl", "-t", "bulwark", "-o", "cat", "--no-pager").stdout).toContain(
          "sshd not confirmed: previous SSH config restored",
        );
      },
    );
  });
}
