/**
 * 50 simulated SSH endpoints (the host's own sshd on 127.0.0.1:22001-22050 inside one network namespace, each with
 * its own host key and a stub `verify` that sleeps ~1 s) prove `bulwark host verify`'s bounded concurrency, its
 * per-host timeout, its exit codes and that host keys are checked. The stub logs start/end times, so the peak
 * number of simultaneous sessions is measured, not guessed.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { FleetReport } from "../../cli/fleet/model";
import { describeHost, run, tmpDir } from "../host/helpers";

const NS = "bw-s-f59";
const N = 50;
const BASE_PORT = 22001;
const HASH = "ab".repeat(32);
const BIN = path.join(__dirname, "..", "..", "bin", "bulwark");

describeHost("bulwark host verify against 50 simulated SSH endpoints", [], () => {
  jest.setTimeout(180_000);
  let dir: string;
  const hostKeys: string[] = [];

  const sh = (cmd: string) => {
    const r = run("sh", ["-c", cmd]);
    if (r.code !== 0) throw new Error(`${cmd}: ${r.out}`);
    return r.stdout;
  };

  beforeAll(async () => {
    teardown();
    dir = tmpDir("bulwark-sim-");
    fs.chmodSync(dir, 0o755);
    sh(`ssh-keygen -q -t ed25519 -N '' -C sim-operator -f ${dir}/client`);
    fs.copyFileSync(`${dir}/client.pub`, `${dir}/authorized_keys`);
    fs.mkdirSync(`${dir}/hk`);
    fs.mkdirSync(`${dir}/log`);
    // A uid-0 account name that only exists in the sshd's private mount namespace: the machine's users stay as
    // they are, and the inventory names a non-root account as Bulwark requires.
    fs.writeFileSync(
      `${dir}/passwd`,
      fs.readFileSync("/etc/passwd", "utf8") + `bulwark-sim:x:0:0:sim:${dir}:/bin/sh\n`,
    );
    fs.writeFileSync(
      `${dir}/stub`,
      `#!/bin/sh\n# stub verify: port $1\nd=${dir}\nprintf '%s start %s %s\\n' "$(date +%s%N)" "$1" ` +
        `"$SSH_ORIGINAL_COMMAND" >>"$d/log/$1"\n` +
        `delay=1; [ -f "$d/delay-$1" ] && delay=$(cat "$d/delay-$1")\nsleep "$delay"\nprintf '%s end %s\\n' ` +
        `"$(date +%s%N)" "$1" >>"$d/log/$1"\n` +
        `echo "PASS    firewall     input and forward policy drop loaded"\n` +
        `if [ -f "$d/tamper-$1" ]; then echo "FAIL    ssh          PasswordAuthentication no [ssh]"; echo ` +
        `"verify: FAILED controls: ssh (1 checks passed, 0 skipped)"; exit 1; fi\n` +
        `echo "verify: PASSED (1 checks, 0 skipped) bundle ${HASH}"\n`,
      { mode: 0o755 },
    );
    const launch: string[] = ["set -e", `mount --bind ${dir}/passwd /etc/passwd`, "mkdir -p /run/sshd"];
    for (let i = 0; i < N; i++) {
      const port = BASE_PORT + i;
      sh(`ssh-keygen -q -t ed25519 -N '' -C sim-${port} -f ${dir}/hk/${port}`);
      hostKeys.push(fs.readFileSync(`${dir}/hk/${port}.pub`, "utf8").trim());
      fs.writeFileSync(
        `${dir}/sshd-${port}`,
        [
          `Port ${port}`,
          "ListenAddress 127.0.0.1",
          `HostKey ${dir}/hk/${port}`,
          `PidFile ${dir}/sshd-${port}.pid`,
          `AuthorizedKeysFile ${dir}/authorized_keys`,
          "StrictModes no",
          "UsePAM no",
          "PermitRootLogin prohibit-password",
          "PasswordAuthentication no",
          "KbdInteractiveAuthentication no",
          `ForceCommand ${dir}/stub ${port}`,
          "MaxStartups 100",
          "LogLevel ERROR",
          "",
        ].join("\n"),
      );
      launch.push(`/usr/sbin/sshd -D -e -f ${dir}/sshd-${port} 2>>${dir}/sshd.err &`);
    }
    launch.push("wait");
    fs.writeFileSync(`${dir}/launch.sh`, launch.join("\n") + "\n");
    sh(`ip netns add ${NS} && ip -n ${NS} link set lo up`);
    spawn("ip", ["netns", "exec", NS, "unshare", "-m", "--propagation", "private", "sh", `${dir}/launch.sh`], {
      stdio: "ignore",
      detached: true,
    }).unref();
    // Wait (bounded) until every endpoint answers with its SSH banner.
    const probe =
      `const net=require("net");let ok=0,n=0;for(let p=${BASE_PORT};p<${BASE_PORT + N};p++){const ` +
      `s=net.connect(p,"127.0.0.1");` +
      `s.once("data",()=>{ok++;s.destroy()});s.on("error",()=>{});s.on("close",()=>{if(++n===${N}){console.log(ok)}})}`;
    const deadline = Date.now() + 30_000;
    let up = 0;
    while (Date.now() < deadline && up < N) {
      up = Number(run("ip", ["netns", "exec", NS, process.execPath, "-e", probe]).stdout.trim());
      if (up < N) await new Promise((r) => setTimeout(r, 300));
    }
    expect(up).toBe(N);
  });

  afterAll(() => {
    teardown();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function teardown() {
    if (fs.existsSync(`/run/netns/${NS}`)) {
      for (const p of run("ip", ["netns", "pids", NS]).stdout.split("\n").filter(Boolean)) run("kill", ["-KILL", p]);
      run("ip", ["netns", "del", NS]);
    }
  }

  function inventory(file: string, over: (i: number) => Record<string, unknown> = () => ({})) {
    const hosts = Array.from({ length: N }, (_, i) => ({
      name: `sim-${String(i + 1).padStart(2, "0")}`,
      site: "head-office",
      address: "127.0.0.1",
      os: "debian-12",
      role: "app",
      ssh: { user: "bulwark-sim", port: BASE_PORT + i, hostKey: hostKeys[i] },
      bundleHash: HASH,
      ...over(i),
    }));
    fs.writeFileSync(file, YAML.stringify({ hosts }));
    return file;
  }

  function verify(
    inv: string,
    extra: string[] = [],
  ): { code: number; report: FleetReport; stderr: string; wallMs: number } {
    for (const f of fs.readdirSync(`${dir}/log`)) fs.rmSync(`${dir}/log/${f}`);
    const started = Date.now();
    const r = spawnSync(
      "ip",
      [
        "netns",
        "exec",
        NS,
        BIN,
        "host",
        "verify",
        "--inventory",
        inv,
        "--identity-file",
        `${dir}/client`,
        "--format",
        "json",
        ...extra,
      ],
      {
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, SSH_AUTH_SOCK: "" },
      },
    );
    const wallMs = Date.now() - started;
    return { code: r.status ?? -1, report: JSON.parse(r.stdout) as FleetReport, stderr: r.stderr, wallMs };
  }

  /**
   * Wall time against hosts ÷ concurrency × time per host, where time per host is the measured mean session
   * (1 s of stub plus the SSH handshake on this machine): a generous band, no absolute speed asserted.
   */
  function expectWaves(report: FleetReport, concurrency: number): { ideal: number; mean: number } {
    const mean = report.hosts.reduce((n, h) => n + h.durationMs, 0) / report.hosts.length;
    const ideal = (report.hosts.length / concurrency) * mean;
    expect(report.summary.wallMs).toBeGreaterThanOrEqual(ideal * 0.7);
    expect(report.summary.wallMs).toBeLessThanOrEqual(ideal * 1.6);
    // Each wave takes at least the stub's 1 s: a pool that ran more hosts at once would beat this bound.
    expect(report.summary.wallMs).toBeGreaterThanOrEqual(Math.ceil(report.hosts.length / concurrency) * 1000);
    return { ideal: Math.round(ideal), mean: Math.round(mean) };
  }

  /** The peak number of stub sessions running at once, from their start/end stamps. */
  function peakConcurrency(): number {
    const events: [bigint, number][] = [];
    for (const f of fs.readdirSync(`${dir}/log`)) {
      for (const line of fs.readFileSync(`${dir}/log/${f}`, "utf8").trim().split("\n")) {
        const [t, kind] = line.split(" ");
        events.push([BigInt(t), kind === "start" ? 1 : -1]);
      }
    }
    events.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    let cur = 0;
    let peak = 0;
    for (const [, d] of events) peak = Math.max(peak, (cur += d));
    return peak;
  }

  test(
    "all 50 pass at concurrency 10: wall time ≈ 50 ÷ 10 × time per host; " + "never more than 10 sessions at once",
    () => {
      const { code, report } = verify(inventory(`${dir}/inv.yaml`));
      expect(report.summary).toMatchObject({ hosts: 50, passed: 50, failed: 0, unreachable: 0, concurrency: 10 });
      expect(code).toBe(0);
      const peak = peakConcurrency();
      expect(peak).toBeLessThanOrEqual(10);
      expect(peak).toBeGreaterThan(5);
      const w = expectWaves(report, 10);
      // The command asked for is the bundle's read-only verify, nothing else.
      const first = fs.readFileSync(`${dir}/log/${BASE_PORT}`, "utf8");
      expect(first).toMatch(/ start 22001 sudo -n \/opt\/bulwark\/bundle\/verify$/m);
      console.log(
        `fleet verify, 50 simulated hosts, concurrency 10: wall ${report.summary.wallMs} ms; 50/10 x ` +
          `mean ${w.mean} ms per host = ${w.ideal} ms; peak ${peak} sessions`,
      );
    },
  );

  test("concurrency 25: two waves, ≈ 50 ÷ 25 × time per host, peak ≤ 25", () => {
    const { code, report } = verify(`${dir}/inv.yaml`, ["--concurrency", "25"]);
    expect(code).toBe(0);
    const peak = peakConcurrency();
    expect(peak).toBeLessThanOrEqual(25);
    expect(peak).toBeGreaterThan(12);
    const w = expectWaves(report, 25);
    console.log(
      `fleet verify, 50 simulated hosts, concurrency 25: wall ${report.summary.wallMs} ms; 50/25 x ` +
        `mean ${w.mean} ms per host = ${w.ideal} ms; peak ${peak} sessions`,
    );
  });

  test("hosts that hang are cut at the timeout and listed: exit 5, the rest still pass", () => {
    for (const p of [22003, 22027, 22049]) fs.writeFileSync(`${dir}/delay-${p}`, "30");
    try {
      const { code, report, wallMs } = verify(`${dir}/inv.yaml`, ["--timeout", "4"]);
      expect(code).toBe(5);
      const down = report.hosts.filter((h) => h.status === "unreachable");
      expect(down.map((h) => h.name).sort()).toEqual(["sim-03", "sim-27", "sim-49"]);
      for (const h of down) {
        expect(h.error).toMatch(/no answer within the 4 s timeout/);
        expect(h.durationMs).toBeGreaterThanOrEqual(4000);
        expect(h.durationMs).toBeLessThan(6000);
      }
      expect(report.summary.passed).toBe(47);
      // Nowhere near the 30 s the hung hosts would take.
      expect(wallMs).toBeLessThan(25_000);
    } finally {
      for (const p of [22003, 22027, 22049]) fs.rmSync(`${dir}/delay-${p}`, { force: true });
    }
  });

  test(
    "a broken control: exit 4 naming host and control; " + "a wrong host key: unreachable (exit 5), never trusted",
    () => {
      fs.writeFileSync(`${dir}/tamper-22010`, "");
      try {
        const broken = verify(`${dir}/inv.yaml`);
        expect(broken.code).toBe(4);
        const h = broken.report.hosts.find((x) => x.status === "fail")!;
        expect(h.name).toBe("sim-10");
        expect(h.failed).toEqual(["ssh"]);
      } finally {
        fs.rmSync(`${dir}/tamper-22010`);
      }
      // sim-05 declares sim-06's key: the client must refuse to talk to it.
      const inv = inventory(`${dir}/inv-badkey.yaml`, (i) =>
        i === 4 ? { ssh: { user: "bulwark-sim", port: BASE_PORT + 4, hostKey: hostKeys[5] } } : {},
      );
      const r = verify(inv);
      expect(r.code).toBe(5);
      const bad = r.report.hosts.find((x) => x.name === "sim-05")!;
      expect(bad.status).toBe("unreachable");
      expect(bad.error).toMatch(/host key verification failed/);
      expect(fs.existsSync(`${dir}/log/${BASE_PORT + 4}`)).toBe(false); // the stub never ran there
    },
  );

  test("a stale bundle is drift: exit 4 with control bundle", () => {
    const inv = inventory(`${dir}/inv-hash.yaml`, (i) => (i === 0 ? { bundleHash: "cd".repeat(32) } : {}));
    const r = verify(inv);
    expect(r.code).toBe(4);
    expect(r.report.hosts[0]).toMatchObject({ name: "sim-01", status: "fail", failed: ["bundle"] });
  });
});
