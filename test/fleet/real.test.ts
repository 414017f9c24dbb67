/**
 * `bulwark host verify` against three booted servers (Debian 12, Ubuntu 24.04, Ubuntu 22.04) under systemd-nspawn,
 * each in its own network namespace (test/host/harness.sh). They start as "existing servers" (an admin account
 * with sudo, stock sshd) and are hardened over real SSH with HardenedHost's own commands (copy the installer,
 * apply, verify from a new connection), host keys checked. An operator namespace reaches two of them through a
 * routed link; the jammy host only through a bastion: an sshd in that host's client namespace (jump only, one
 * permitted destination), which is the only path to it.
 *
 *   operator ns bw-o-f50 ──10.231.61.0/24── bw-c-f51 (forwards) ── 10.231.51.1 debian-12
 *                        ──10.231.62.0/24── bw-c-f52 (forwards) ── 10.231.52.1 ubuntu-24.04
 * ──10.231.63.0/24── bw-c-f53 = bastion sshd on 10.231.63.1 (no forwarding) ── 10.231.53.1 ubuntu-22.04
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { bundleInstaller, hardenedHostCommands } from "../../components/host/hardened-host";
import type { HostOs } from "../../components/host/model";
import { renderBundle } from "../../components/host/render";
import type { FleetReport } from "../../cli/fleet/model";
import { sshArgs, sshContext, type SshTarget } from "../../cli/fleet/ssh";
import { clientKey, describeHost, harness, run, sleep, TEST_DIR, testPki, tmpDir, waitFor } from "../host/helpers";

const OP = "bw-o-f50";
const BIN = path.join(__dirname, "..", "..", "bin", "bulwark");
const HOSTS: { id: string; suite: string; os: HostOs; net: number; link: number; name: string; bastion: boolean }[] = [
  { id: "f51", suite: "bookworm", os: "debian-12", net: 51, link: 61, name: "branch-debian", bastion: false },
  { id: "f52", suite: "noble", os: "ubuntu-24.04", net: 52, link: 62, name: "branch-noble", bastion: false },
  { id: "f53", suite: "jammy", os: "ubuntu-22.04", net: 53, link: 63, name: "branch-jammy", bastion: true },
];
const LOG_PEER = "logs.bulwark.test";

const sh = (cmd: string) => {
  const r = run("sh", ["-c", cmd], { timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`${cmd}: ${r.out}`);
  return r.stdout;
};

/** Runs a command in the operator namespace, asynchronously (hosts are hardened in parallel). */
function opRun(
  args: string[],
  input?: string,
  timeoutMs = 300_000,
): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn("ip", ["netns", "exec", OP, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, out: stdout + stderr, stdout });
    });
    p.stdin.end(input ?? "");
  });
}

describeHost(
  "bulwark host verify on three real hosts, one behind a bastion",
  HOSTS.map((h) => h.suite),
  () => {
    jest.setTimeout(900_000);
    let work: string;
    let key: { priv: string; pub: string };
    const targets: (SshTarget & { os: HostOs; bundleHash: string })[] = [];
    let inventory: string;

    function teardown() {
      for (const h of HOSTS) harness("down", h.id);
      if (fs.existsSync(`/run/netns/${OP}`)) {
        for (const p of run("ip", ["netns", "pids", OP]).stdout.split("\n").filter(Boolean)) run("kill", ["-KILL", p]);
        run("ip", ["netns", "del", OP]);
      }
    }

    function verify(extra: string[] = []): Promise<{ code: number; report: FleetReport; wallMs: number; out: string }> {
      const started = Date.now();
      return opRun([
        BIN,
        "host",
        "verify",
        "--inventory",
        inventory,
        "--identity-file",
        key.priv,
        "--format",
        "json",
        ...extra,
      ]).then((r) => {
        let report: FleetReport;
        try {
          report = JSON.parse(r.stdout) as FleetReport;
        } catch {
          throw new Error(`bulwark host verify printed no report: ${r.out}`);
        }
        return { code: r.code, report, wallMs: Date.now() - started, out: r.out };
      });
    }

    beforeAll(async () => {
      teardown();
      work = tmpDir("bulwark-fleet-real-");
      fs.chmodSync(work, 0o755);
      key = clientKey();
      const pki = testPki(work, LOG_PEER);
      fs.mkdirSync(path.join(work, "empty"));
      sh(`ip netns add ${OP} && ip -n ${OP} link set lo up`);

      for (const h of HOSTS) {
        const up = harness("up", h.id, h.suite, String(h.net), path.join(work, "empty"));
        if (up.code !== 0) throw new Error(`harness up ${h.id}: ${up.out}`);
        // An existing server: its own host keys, an admin account with passwordless sudo and the operator's key.
        const prep = harness(
          "chroot",
          h.id,
          "sh",
          "-c",
          "rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && useradd -m -s /bin/bash alice && install " +
            "-d -m 700 -o alice -g alice /home/alice/.ssh && " +
            `echo '${key.pub}' >/home/alice/.ssh/authorized_keys && chown alice:alice ` +
            `/home/alice/.ssh/authorized_keys && chmod 600 /home/alice/.ssh/authorized_keys && ` +
            "echo 'alice ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/90-alice && chmod 440 /etc/sudoers.d/90-alice && " +
            // noble starts sshd from ssh.socket by default; applying over SSH then stops it with the socket and its
            // /run/sshd, and apply's `sshd -t` fails (a bundle gap, reported: components/host/scripts is not this
            // test's
            // to change). This server runs ssh.service, as the bundle leaves it.
            "{ systemctl disable ssh.socket >/dev/null 2>&1 || true; } && systemctl enable ssh.service >/dev/null 2>&1",
        );
        if (prep.code !== 0) throw new Error(`prepare ${h.id}: ${prep.out}`);
        const hostKey = fs
          .readFileSync(path.join(TEST_DIR, h.id, "m", "etc/ssh/ssh_host_ed25519_key.pub"), "utf8")
          .trim();
        // Link operator <-> this host's client namespace.
        const c = `bw-c-${h.id}`;
        sh(
          `ip link add bwfo${h.link} type veth peer name bwfr${h.link} && ip link set bwfo${h.link} ` +
            `netns ${OP} && ip link set bwfr${h.link} netns ${c} && ` +
            `ip -n ${OP} addr add 10.231.${h.link}.2/24 dev bwfo${h.link} && ip -n ${c} addr add ` +
            `10.231.${h.link}.1/24 dev bwfr${h.link} && ` +
            `ip -n ${OP} link set bwfo${h.link} up && ip -n ${c} link set bwfr${h.link} up`,
        );
        const mgmt = h.bastion ? `10.231.${h.net}.2/32` : `10.231.${h.link}.0/24`;
        if (!h.bastion) {
          sh(
            `ip netns exec ${c} sysctl -qw net.ipv4.ip_forward=1 && ip -n ${OP} route add ` +
              `10.231.${h.net}.0/24 via 10.231.${h.link}.1 && ` +
              `ip -n bw-s-${h.id} route add 10.231.${h.link}.0/24 via 10.231.${h.net}.2`,
          );
        }
        const model = {
          role: "web",
          admins: [{ name: "alice", sshKeys: [key.pub] }],
          ssh: { managementSources: [mgmt] },
          inbound: [{ port: 443, sources: ["0.0.0.0/0"], description: "HTTPS" }],
          ids: {
            kind: "none",
            waiver: {
              reason: "test rootfs: agent repositories unreachable",
              approver: "security@example.com",
              expires: "2099-12-31",
            },
          },
          logs: { kind: "rsyslog-tls", target: `10.231.${h.net}.2`, permittedPeer: LOG_PEER, caPem: pki.caPem },
        };
        const bundle = renderBundle(model, h.os);
        fs.writeFileSync(path.join(work, `${h.id}.installer.sh`), bundleInstaller(bundle));
        fs.writeFileSync(path.join(work, `${h.id}.cmds.json`), JSON.stringify(hardenedHostCommands(bundle, 120)));
        targets.push({
          name: h.name,
          address: `10.231.${h.net}.1`,
          port: 22,
          user: "alice",
          hostKey,
          os: h.os,
          bundleHash: bundle.hash,
        });
      }

      // The bastion: the machine's sshd in f53's client namespace, on the operator link only; jump-only to the host.
      const b = HOSTS.find((h) => h.bastion)!;
      sh(`ssh-keygen -q -t ed25519 -N '' -C bastion -f ${work}/bastion_key && cp ${key.priv}.pub ${work}/bastion_auth`);
      fs.writeFileSync(
        `${work}/passwd`,
        fs.readFileSync("/etc/passwd", "utf8") + `bulwark-jump:x:0:0:jump:${work}:/bin/sh\n`,
      );
      fs.writeFileSync(
        `${work}/sshd_bastion`,
        [
          "Port 22",
          `ListenAddress 10.231.${b.link}.1`,
          `HostKey ${work}/bastion_key`,
          `PidFile ${work}/bastion.pid`,
          `AuthorizedKeysFile ${work}/bastion_auth`,
          "StrictModes no",
          "UsePAM no",
          "PermitRootLogin prohibit-password",
          "PasswordAuthentication no",
          "KbdInteractiveAuthentication no",
          "AllowTcpForwarding yes",
          `PermitOpen 10.231.${b.net}.1:22`,
          "PermitTTY no",
          "ForceCommand /bin/false",
          "LogLevel ERROR",
          "",
        ].join("\n"),
      );
      spawn(
        "ip",
        [
          "netns",
          "exec",
          `bw-c-${b.id}`,
          "unshare",
          "-m",
          "--propagation",
          "private",
          "sh",
          "-c",
          `mount --bind ${work}/passwd /etc/passwd && mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e ` +
            `-f ${work}/sshd_bastion`,
        ],
        { stdio: "ignore", detached: true },
      ).unref();
      const jump = targets.find((t) => t.name === b.name)!;
      jump.bastion = {
        name: "jump",
        address: `10.231.${b.link}.1`,
        port: 22,
        user: "bulwark-jump",
        hostKey: fs.readFileSync(`${work}/bastion_key.pub`, "utf8").trim(),
      };

      // Boot all three and wait for sshd.
      for (const h of HOSTS) harness("boot", h.id);
      for (const h of HOSTS) {
        // noble starts sshd from ssh.socket; the others run ssh.service.
        let active = "";
        for (let i = 0; i < 120 && !/^active$/m.test(active); i++) {
          active = harness("exec", h.id, "systemctl", "is-active", "ssh.service", "ssh.socket").stdout;
          if (!/^active$/m.test(active)) await sleep(500);
        }
        expect(`${h.id} ssh ${/^active$/m.test(active) ? "active" : active}`).toBe(`${h.id} ssh active`);
      }

      inventory = path.join(work, "inventory.yaml");
      fs.writeFileSync(
        inventory,
        YAML.stringify({
          hosts: targets.map((t) => ({
            name: t.name,
            site: "head-office",
            address: t.address,
            os: t.os,
            role: "web",
            ssh: { user: t.user, hostKey: t.hostKey },
            bundleHash: t.bundleHash,
            ...(t.bastion
              ? { via: { address: t.bastion.address, user: t.bastion.user, hostKey: t.bastion.hostKey } }
              : {}),
          })),
        }),
      );
    });

    afterAll(() => {
      teardown();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    test("the jammy host is reachable only through the bastion", async () => {
      const direct = await opRun([
        "timeout",
        "10",
        "ssh",
        "-F",
        "/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=3",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-i",
        key.priv,
        "alice@10.231.53.1",
        "true",
      ]);
      expect(direct.code).toBe(255);
      expect(direct.out).toMatch(/Network is unreachable|No route to host|timed out/);
    });

    test(
      "HardenedHost's own commands harden all three over SSH (copy, apply, verify from a new connection), host " +
        "keys checked",
      async () => {
        const ctx = sshContext(targets, { file: key.priv }, 10);
        try {
          // All three run to the end before anything is asserted (no apply left running behind a failed one).
          const results = await Promise.allSettled(
            HOSTS.map(async (h) => {
              const t = targets.find((x) => x.name === h.name)!;
              const cmds = JSON.parse(fs.readFileSync(path.join(work, `${h.id}.cmds.json`), "utf8")) as ReturnType<
                typeof hardenedHostCommands
              >;
              const ssh = (cmd: string, input?: string) => opRun(["ssh", ...sshArgs(ctx.config, t, cmd)], input);
              const copy = await ssh(
                `cat > ${cmds.installerPath}`,
                fs.readFileSync(path.join(work, `${h.id}.installer.sh`), "utf8"),
              );
              expect(`${h.name} copy ${copy.code} ${copy.out}`).toBe(`${h.name} copy 0 `);
              const apply = await ssh(cmds.apply);
              expect(`${h.name} apply ${apply.code}${apply.code ? `: ${apply.out.slice(-3000)}` : ""}`).toBe(
                `${h.name} apply 0`,
              );
              expect(apply.stdout).toMatch(/bulwark-apply: done: [1-9]\d* change\(s\)/);
              const confirm = await ssh(cmds.verify);
              expect(confirm.stdout).toMatch(/rollback cancelled/);
              expect(`${h.name} verify ${confirm.code}${confirm.code ? `: ${confirm.out.slice(-3000)}` : ""}`).toBe(
                `${h.name} verify 0`,
              );
            }),
          );
          for (const r of results) if (r.status === "rejected") throw r.reason;
        } finally {
          ctx.cleanup();
        }
      },
    );

    test(
      "bulwark host verify over all three passes (the jammy host through the bastion), " + "bundle hashes match",
      async () => {
        const { code, report, wallMs } = await verify();
        expect(report.hosts.map((h) => [h.name, h.status, h.bundleHash])).toEqual(
          targets.map((t) => [t.name, "pass", t.bundleHash]),
        );
        expect(report.hosts.find((h) => h.name === "branch-jammy")!.bastion).toMatch(/bulwark-jump@10\.231\.63\.1:22/);
        expect(report.hosts.every((h) => h.checks.filter((c) => c.status === "pass").length > 20)).toBe(true);
        expect(code).toBe(0);
        console.log(
          `fleet verify, 3 real hosts (one via bastion), concurrency 10: ${report.summary.wallMs} ms in ` +
            `verify (${wallMs} ms with CLI start); per ` +
            `host ${report.hosts.map((h) => `${h.name} ${h.durationMs} ms`).join(", ")}`,
        );
      },
    );

    test("a wrong bastion host key: the host is unreachable, nothing is sent", async () => {
      const doc = YAML.parse(fs.readFileSync(inventory, "utf8")) as { hosts: { via?: { hostKey: string } }[] };
      doc.hosts[2].via!.hostKey = targets[0].hostKey;
      const bad = path.join(work, "inventory-badjump.yaml");
      fs.writeFileSync(bad, YAML.stringify(doc));
      const r = await opRun([
        BIN,
        "host",
        "verify",
        "--inventory",
        bad,
        "--identity-file",
        key.priv,
        "--format",
        "json",
      ]);
      expect(r.code).toBe(5);
      const report = JSON.parse(r.stdout) as FleetReport;
      expect(report.hosts[2]).toMatchObject({ name: "branch-jammy", status: "unreachable" });
      expect(report.hosts[2].error).toMatch(/host key verification failed/);
    });

    test("tamper with one (fail2ban stopped): exit 4 naming the host and the control", async () => {
      expect(harness("exec", "f52", "systemctl", "stop", "fail2ban").code).toBe(0);
      const { code, report } = await verify();
      expect(code).toBe(4);
      const bad = report.hosts.filter((h) => h.status !== "pass");
      // An unexpected failure shows its checks' descriptions (a `firewall` failure was once seen here in CI).
      const unexpected = (h: (typeof bad)[number]) =>
        h.checks.filter((c) => c.status === "fail" && c.control !== "fail2ban").map((c) => c.description);
      expect(bad.map((h) => [h.name, h.failed, ...unexpected(h)])).toEqual([["branch-noble", ["fail2ban"]]]);
      // The same run also writes the posture page (kept in test-output/fleet/ for a look).
      const html = path.join(__dirname, "..", "..", "test-output", "fleet", "real-tamper.html");
      fs.mkdirSync(path.dirname(html), { recursive: true });
      const text = await opRun([
        BIN,
        "host",
        "verify",
        "--inventory",
        inventory,
        "--identity-file",
        key.priv,
        "--write",
        `html:${html}`,
      ]);
      expect(text.code).toBe(4);
      expect(text.stdout).toMatch(/FAIL +branch-noble .*\n +FAIL fail2ban: /);
      const page = fs.readFileSync(html, "utf8");
      expect(page.match(/<td class="cell fail"/g)).toHaveLength(1);
      expect(page).toMatch(/<tr data-row="branch-noble">.*data-control="fail2ban"[^>]*>✗/s);
      harness("exec", "f52", "systemctl", "start", "fail2ban");
      // The next test expects this host to pass again: wait until fail2ban answers and its sshd jail is up.
      const jail = await waitFor(
        () => harness("exec", "f52", "fail2ban-client", "status", "sshd").code,
        (c) => c === 0,
        60_000,
      );
      expect(jail).toBe(0);
    });

    test("stop one: exit 5 within the timeout, the stopped host listed, the others still verified", async () => {
      // A powered-off server answers nothing: stop the container and take its link down.
      harness("exec", "f51", "systemctl", "poweroff");
      sh("ip -n bw-s-f51 link set bwsf51 down");
      const { code, report, wallMs } = await verify(["--timeout", "15"]);
      expect(code).toBe(5);
      expect(report.hosts.map((h) => [h.name, h.status])).toEqual([
        ["branch-debian", "unreachable"],
        ["branch-noble", "pass"],
        ["branch-jammy", "pass"],
      ]);
      expect(report.hosts[0].durationMs).toBeLessThanOrEqual(16_000);
      expect(report.summary.wallMs).toBeLessThan(20_000);
      console.log(
        `fleet verify with one host stopped (--timeout 15): exit ${code} in ${report.summary.wallMs} ms ` +
          `(${wallMs} ms with CLI start); ${report.hosts[0].error}`,
      );
    });
  },
);
