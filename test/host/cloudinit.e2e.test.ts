/**
 * First boot through the distribution's real cloud-init (issue 14): the cloud-init package is installed offline in
 * the test overlay, the NoCloud seed holds exactly the user data HardenedServer gives EC2 (renderUserDataBase64,
 * decoded as the instance metadata service serves it: gzip, which cloud-init detects), and the host boots.
 */
import * as fs from "fs";
import * as path from "path";
import { renderBundle, renderUserDataBase64 } from "../../components/host/render";
import type { HostOs } from "../../components/host/model";
import { clientKey, describeHost, harness, HARNESS, probe, run, testPki, tmpDir } from "./helpers";
import { liveModel, passwordLogin, rm, selected, sshAs, SUITES_ALL, waitFor } from "./live-helpers";

const NETS: Record<string, number> = { bookworm: 24, noble: 25, jammy: 26 };

/** Boots `id` with the NoCloud seed and waits (deadline) until cloud-init has finished; returns its status. */
async function firstBoot(id: string, suite: string, net: number, os: HostOs, work: string, pub: string, plant?: string): Promise<string> {
  const pki = testPki(work, "logs.bulwark.test");
  const userData = Buffer.from(renderUserDataBase64(renderBundle(liveModel(net, pub, pki.caPem), os)), "base64");
  expect(userData.subarray(0, 2).toString("hex")).toBe("1f8b"); // gzip, as EC2 hands it to the instance
  fs.writeFileSync(path.join(work, "user-data"), userData);
  fs.mkdirSync(path.join(work, "empty"));
  const up = harness("up", id, suite, String(net), path.join(work, "empty"));
  if (up.code !== 0) throw new Error(`harness up failed: ${up.out}`);
  harness("chroot", id, "rm", "-rf", "/opt/bulwark");
  // Offline dpkg of cloud-init and its dependencies: noble's upgrades systemd and python3 (minutes under load).
  const debs = run(HARNESS, ["debs", id, "cloud-init"], { timeoutMs: 600_000 });
  if (debs.code !== 0) throw new Error(`cloud-init install failed: ${debs.out}`);
  if (harness("nocloud", id, path.join(work, "user-data")).code !== 0) throw new Error("nocloud seed failed");
  if (plant) harness("chroot", id, "sh", "-c", plant);
  // cloud-init copies everything it runs to the console: drain it, or the guest blocks writing to it.
  run(HARNESS, ["boot", id], { timeoutMs: 180_000, env: { ...process.env, BULWARK_CONSOLE: "read-only" } });
  return waitFor(() => {
    const s = harness("exec", id, "cloud-init", "status").stdout;
    return /status: (done|error|degraded)/.test(s) ? s : "";
  }, 240_000, 2000);
}

for (const { suite, os } of selected(SUITES_ALL)) {
  const net = NETS[suite];
  describeHost(`first boot through cloud-init on ${os} (${suite})`, [suite], () => {
    jest.setTimeout(900_000);
    const id = `s${net}`;
    const srv = `10.231.${net}.1`;
    const good = `10.231.${net}.2`;
    const other = `10.231.${net}.4`;
    const outside = `10.231.${net}.200`;
    let key: { priv: string; pub: string };
    let work: string;
    let status = "";

    beforeAll(async () => {
      harness("down", id);
      key = clientKey();
      work = tmpDir(`bulwark-ci-${suite}-`);
      status = await firstBoot(id, suite, net, os, work, key.pub);
    });

    afterAll(() => {
      const down = harness("down", id);
      rm(work);
      if (down.code !== 0) throw new Error(`harness down failed: ${down.out}`);
    });

    test("cloud-init ran the user data: status done, apply and verify passed in the first-boot log", () => {
      const log = harness("exec", id, "cat", "/var/log/cloud-init-output.log").stdout;
      expect([status, log]).toEqual([expect.stringMatching(/status: done/), expect.stringMatching(/bulwark-apply: done: [1-9]\d* change\(s\)/)]);
      expect(log).toMatch(/^verify: PASSED/m);
      expect(log).not.toMatch(/FAILED/);
    });

    test("verify passes on the running host; sshd is ssh.service on port 22, the socket unit masked", () => {
      const v = harness("exec", id, "/opt/bulwark/bundle/verify");
      expect(v.stdout).toMatch(/^verify: PASSED/m);
      expect(v.code).toBe(0);
      expect(harness("exec", id, "systemctl", "is-enabled", "ssh.socket").stdout.trim()).toBe("masked");
      expect(harness("exec", id, "ss", "-Hltnp", "sport = :22").stdout).toMatch(/"sshd"/);
    });

    test("SSH: the admin's key gets in, passwords and root do not; the firewall admits SSH only from management", () => {
      expect(sshAs(id, srv, key.priv, good, "alice", "id -un; sudo -n id -u").stdout.trim()).toBe("alice\n0");
      expect(harness("exec", id, "sh", "-c", "echo 'alice:Tr0ub4dor&3-xyzzy-Q' | chpasswd").code).toBe(0);
      const pw = passwordLogin(id, srv, other, "alice", "Tr0ub4dor&3-xyzzy-Q");
      expect([pw.code, /Permission denied \(publickey\)/.test(pw.out)]).toEqual([255, true]);
      const root = sshAs(id, srv, key.priv, other, "root");
      expect([root.code, /Permission denied \(publickey\)/.test(root.out)]).toEqual([255, true]);
      expect(probe(id, srv, 22, good)).toBe("open");
      expect(probe(id, srv, 22, outside)).toBe("timeout");
      expect(probe(id, srv, 3306, good)).toBe("timeout");
    });
  });
}

// A failing step at first boot: apply finishes the other steps, exits non-zero, and cloud-init reports it.
describeHost("first boot through cloud-init with a step that fails (ubuntu-24.04)", ["noble"], () => {
  jest.setTimeout(900_000);
  const net = 27;
  const id = `s${net}`;
  let work: string;
  let status = "";

  beforeAll(async () => {
    harness("down", id);
    work = tmpDir("bulwark-ci-fail-");
    status = await firstBoot(id, "noble", net, "ubuntu-24.04", work, clientKey().pub, "echo 'NoSuchOption yes' >/etc/ssh/sshd_config.d/60-planted.conf");
  });

  afterAll(() => {
    const down = harness("down", id);
    rm(work);
    if (down.code !== 0) throw new Error(`harness down failed: ${down.out}`);
  });

  test("cloud-init reports an error; the first-boot log names the failed step; the independent steps ran", () => {
    expect(status).toMatch(/status: error/);
    const log = harness("exec", id, "cat", "/var/log/cloud-init-output.log").stdout;
    expect(log).toMatch(/bulwark-apply: FAILED: 1 step\(s\) failed/);
    expect(log).toMatch(/FAILED: ssh: sshd -t rejects the hardened config: .*NoSuchOption/);
    expect(log).toMatch(/^verify: FAILED controls: ssh /m);
    expect(harness("exec", id, "nft", "list", "table", "inet", "bulwark").stdout).toContain("policy drop");
    expect(harness("exec", id, "test", "-s", "/var/lib/bulwark/aide/aide.db").code).toBe(0);
  });
});
