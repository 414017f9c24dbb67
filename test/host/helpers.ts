import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { HostOs } from "../../components/host/model";

export const HARNESS = path.join(__dirname, "harness.sh");
export const PREPARE = path.join(__dirname, "prepare-rootfs.sh");
export const CACHE = process.env.BULWARK_ROOTFS_CACHE ?? "/var/cache/bulwark/rootfs";
export const TEST_DIR = process.env.BULWARK_TEST_DIR ?? "/tmp/bulwark-host-test";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  out: string;
}

export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Run {
  const r = spawnSync(cmd, args, {
    input: opts.input,
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 120_000,
    env: opts.env ?? process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  const stdout = r.stdout ?? "";
  const stderr = r.stderr ?? "";
  return { code: r.status ?? (r.signal ? 128 : 1), stdout, stderr, out: stdout + stderr };
}

export const harness = (...args: string[]): Run => run(HARNESS, args, { timeoutMs: 180_000 });

/** `run` without blocking the event loop, so independent hosts can be set up side by side (Promise.all). */
export function runAsync(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, out: stdout + stderr });
    });
  });
}

export const harnessAsync = (...args: string[]): Promise<Run> => runAsync(HARNESS, args, { timeoutMs: 180_000 });

export type Suite = "bookworm" | "noble" | "jammy";
/** The distributions the host e2e suites cover; BULWARK_HOST_SUITES=bookworm,jammy narrows a run. */
export const DISTROS: readonly { suite: Suite; os: HostOs }[] = [
  { suite: "bookworm", os: "debian-12" },
  { suite: "noble", os: "ubuntu-24.04" },
  { suite: "jammy", os: "ubuntu-22.04" },
];
export const selected = <T extends { suite: string }>(xs: readonly T[]): T[] =>
  xs.filter((s) => !process.env.BULWARK_HOST_SUITES || process.env.BULWARK_HOST_SUITES.split(",").includes(s.suite));

/**
 * Every booted test host's harness ID and NET (third octet of 10.231.NET.0/24), in one table so suites running
 * side by side never collide. ID = prefix + NET. Also taken, outside this table: test/fleet/real.test.ts
 * (f51-f53, links 61-63), test/fleet/sim.test.ts (f59), bench/host.ts (40-42; not run with the tests).
 */
export const HOSTS = {
  e2e: { prefix: "e", nets: { bookworm: 11, noble: 12, jammy: 13 } },
  live: { prefix: "s", nets: { bookworm: 21, noble: 22, jammy: 23 } },
  cloudinit: { prefix: "s", nets: { bookworm: 24, noble: 25, jammy: 26 } },
  cloudinitPin: { prefix: "s", nets: { bookworm: 14, noble: 15, jammy: 16 } },
  cloudinitFail: { prefix: "s", nets: { noble: 27 } },
  mta: { prefix: "s", nets: { jammy: 28 } },
  example: { prefix: "s", nets: { bookworm: 29 } },
  leftovers: { prefix: "a", nets: { bookworm: 31, noble: 32, jammy: 33 } },
  leftoversReport: { prefix: "a", nets: { bookworm: 35 } },
  leftoversDb: { prefix: "d", nets: { bookworm: 41, noble: 42, jammy: 43 } },
} as const satisfies Record<string, { prefix: string; nets: Partial<Record<Suite, number>> }>;

/**
 * Independent hosts (distinct harness IDs and NETs) set up side by side: `add` registers each host's setup (at
 * collection time); the first `ready(key)` starts every setup at once and waits until all have settled; each
 * describe then takes its own result (or its own error). Their tests still run one after another. Every cleanup
 * of a started setup runs after the file (the describes' afterAll may already have run it: keep it idempotent,
 * like `harness down`).
 */
export class SideBySide<T = void> {
  private readonly setups = new Map<string, { setup: () => Promise<T>; cleanup: () => void }>();
  private started?: Map<string, Promise<T>>;

  constructor() {
    afterAll(async () => {
      if (!this.started) return;
      await Promise.allSettled(this.started.values());
      const errors: unknown[] = [];
      for (const key of this.started.keys()) {
        try {
          this.setups.get(key)!.cleanup();
        } catch (e) {
          errors.push(e);
        }
      }
      if (errors.length > 0) throw errors[0];
    });
  }

  add(key: string, setup: () => Promise<T>, cleanup: () => void): void {
    this.setups.set(key, { setup, cleanup });
  }

  async ready(key: string): Promise<T> {
    this.started ??= new Map([...this.setups].map(([k, s]) => [k, s.setup()]));
    await Promise.allSettled(this.started.values());
    const p = this.started.get(key);
    if (!p) throw new Error(`SideBySide: no setup named ${key}`);
    return p;
  }
}

/** The harness ID and NET of `suite`'s host in one of the table's slots. */
export function hostSlot(slot: keyof typeof HOSTS, suite: Suite): { id: string; net: number } {
  const net = (HOSTS[slot].nets as Partial<Record<Suite, number>>)[suite];
  if (net === undefined) throw new Error(`test/host/helpers.ts HOSTS.${slot} has no NET for ${suite}: add one`);
  return { id: `${HOSTS[slot].prefix}${net}`, net };
}

/**
 * Host tests need root and real tools. In CI (CI=true) a missing prerequisite FAILS the suite; on a developer
 * machine without them the suite is skipped with the reason printed.
 */
export function hostPrerequisites(suites: string[] = []): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("root");
  for (const tool of [
    "sshd",
    "ssh",
    "nft",
    "shellcheck",
    "systemd-nspawn",
    "unshare",
    "ip",
    "sshpass",
    "auditctl",
    "fail2ban-client",
  ]) {
    if (run("sh", ["-c", `command -v ${tool}`]).code !== 0) missing.push(tool);
  }
  for (const s of suites)
    if (!fs.existsSync(path.join(CACHE, s, ".bulwark-rootfs"))) missing.push(`rootfs ${s} (run ${PREPARE} ${s})`);
  return missing;
}

/** `describe` that fails in CI, and skips elsewhere, when prerequisites are missing. */
export function describeHost(name: string, suites: string[], fn: () => void): void {
  const missing = hostPrerequisites(suites);
  if (missing.length === 0) {
    describe(name, fn);
  } else if (process.env.CI) {
    describe(name, () => {
      test("prerequisites", () => {
        throw new Error(`host test prerequisites missing in CI: ${missing.join(", ")}`);
      });
    });
  } else {
    console.warn(`skipping ${name}: missing ${missing.join(", ")}`);
    describe.skip(name, fn);
  }
}

export interface SshOptions {
  /** More ssh options before the destination (-o ..., -W ..., -R ...). */
  extra?: string[];
  /** Fed to ssh's stdin (e.g. the installer for `cat > path`). */
  input?: string;
  /** The deadline of the whole ssh run (timeout(1)), in seconds; 60 unless set. */
  timeoutSecs?: number;
  /**
   * ssh's ConnectTimeout, which also bounds the banner exchange: 20 s unless set, since a loaded host can take
   * seconds to fork and re-exec a freshly restarted sshd, and a login meant to succeed must not fail on that.
   */
  connectTimeoutSecs?: number;
  /** LogLevel=ERROR: no "Permanently added" lines in the output. */
  quiet?: boolean;
}

function sshArgs(id: string, srv: string, priv: string, from: string, user: string, command: string, o: SshOptions) {
  const secs = o.timeoutSecs ?? 60;
  const args = ["client", id, "timeout", String(secs), "ssh", "-F", "/dev/null"];
  args.push("-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no");
  args.push("-o", `ConnectTimeout=${o.connectTimeoutSecs ?? 20}`, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes");
  if (o.quiet) args.push("-o", "LogLevel=ERROR");
  args.push("-i", priv, "-b", from, ...(o.extra ?? []), `${user}@${srv}`, command);
  return { args, timeoutMs: Math.max(180_000, (secs + 20) * 1000) };
}

/** The host's OpenSSH client in `id`'s client namespace: key login to `srv` from address `from` as `user`. */
export function sshAs(
  id: string,
  srv: string,
  priv: string,
  from: string,
  user: string,
  command = "true",
  o: SshOptions = {},
): Run {
  const { args, timeoutMs } = sshArgs(id, srv, priv, from, user, command, o);
  return run(HARNESS, args, { input: o.input, timeoutMs });
}

/** `sshAs` without blocking the event loop (hosts set up side by side wait on their sshd at once). */
export function sshAsAsync(id: string, srv: string, priv: string, from: string, user: string, o: SshOptions = {}) {
  const { args, timeoutMs } = sshArgs(id, srv, priv, from, user, "true", o);
  return runAsync(HARNESS, args, { timeoutMs });
}

/**
 * Waits (async, 180 s) until `user` logs in to `srv` from `from` with `priv`: a real handshake, not the ssh units being
 * active (on noble ssh.socket is active at once, and the first connection starts sshd). Throws with the boot's
 * diagnostics when it never answers.
 */
export async function waitForSshd(id: string, srv: string, priv: string, from: string, user = "root"): Promise<void> {
  const last = await waitFor(
    () => sshAsAsync(id, srv, priv, from, user, { connectTimeoutSecs: 10, timeoutSecs: 30, quiet: true }),
    (r) => r.code === 0,
    180_000,
  );
  if (last.code !== 0)
    throw new Error(`sshd never answered: ${last.out}\n${bootDiagnostics(id, ["ssh.socket", "ssh.service"])}`);
}

/**
 * What a booted host says about itself when a wait on it ran out: the boot's state, pending jobs, failed units,
 * `units`' status and journal, and the console's last lines.
 */
export function bootDiagnostics(id: string, units: string[]): string {
  const sh = [
    "uptime",
    "systemctl is-system-running",
    "systemctl list-jobs --no-pager",
    "systemctl --failed --no-pager",
    `systemctl status --no-pager -n 30 ${units.join(" ")}`,
    "journalctl -b -n 40 --no-pager -o short-monotonic",
  ].join("; echo ---; ");
  const log = path.join(TEST_DIR, id, "boot.log");
  const tail = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").slice(-30).join("\n") : "";
  return `${harness("exec", id, "sh", "-c", sh).out}\n--- console (boot.log) ---\n${tail}`;
}

/**
 * Asserts that `verify --confirm-firewall`, run over a new SSH connection, passed and confirmed the pending rollback.
 * A failure carries the run's whole output and what the host says about its SSH unit and journal, since an empty
 * stdout alone cannot tell a refused connection from a refused sudo.
 */
export function expectConfirmed(id: string, r: Run): void {
  if (r.code === 0 && /rollback cancelled/.test(r.stdout) && /^verify: PASSED/m.test(r.stdout)) return;
  throw new Error(
    `verify --confirm-firewall did not confirm (exit ${r.code}):\n${r.out.slice(-4000)}\n` +
      bootDiagnostics(id, ["ssh.service", "ssh.socket", "fail2ban.service"]),
  );
}

/** A password login attempt from `from` (a hardened sshd must refuse it). */
export function passwordLogin(id: string, srv: string, from: string, user: string, password: string): Run {
  const args = ["client", id, "timeout", "20", "sshpass", "-p", password, "ssh", "-F", "/dev/null", "-v"];
  args.push("-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "ConnectTimeout=4");
  args.push("-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password,keyboard-interactive");
  return harness(...args, "-b", from, `${user}@${srv}`, "true");
}

/** An ed25519 client key shared by the host tests (created once, 0600). */
export function clientKey(): { priv: string; pub: string } {
  fs.mkdirSync(TEST_DIR, { recursive: true, mode: 0o700 });
  const priv = path.join(TEST_DIR, "client_key");
  if (!fs.existsSync(priv)) {
    const r = run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "bulwark-test", "-f", priv]);
    if (r.code !== 0) throw new Error(r.out);
  }
  return { priv, pub: fs.readFileSync(`${priv}.pub`, "utf8").trim() };
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** TCP listeners started by a host `node` inside a network namespace (killed by the caller). */
export function listenIn(netnsCmd: string[], ports: number[]): ChildProcess {
  const code =
    `const net=require("net");for(const p of ${JSON.stringify(ports)})` +
    `net.createServer(s=>{s.on("error",()=>{});s.end("x")}).listen(p,"::");setInterval(()=>{},1e6)`;
  return spawn(netnsCmd[0], [...netnsCmd.slice(1), process.execPath, "-e", code], { stdio: "ignore", detached: false });
}

/** open | closed | timeout, probing from `from` inside the client namespace. */
export function probe(id: string, host: string, port: number, from: string, timeoutMs = 1500): string {
  return probeAll(id, [[host, port, from]], timeoutMs)[0];
}

/** Several `probe`s from one client process, side by side: the filtered ones time out together. */
export function probeAll(id: string, probes: [host: string, port: number, from: string][], timeoutMs = 1500): string[] {
  const code =
    `const net=require("net");const out=[];let left=${probes.length};` +
    `const done=(i,v)=>{if(out[i]!==undefined)return;out[i]=v;if(--left===0){console.log(JSON.stringify(out));` +
    `process.exit(0)}};` +
    `${JSON.stringify(probes)}.forEach(([host,port,localAddress],i)=>{` +
    `const s=net.connect({host,port,localAddress});` +
    `s.setTimeout(${timeoutMs},()=>{done(i,"timeout");s.destroy()});` +
    `s.on("connect",()=>{done(i,"open");s.destroy()});` +
    `s.on("error",e=>done(i,e.code==="ECONNREFUSED"?"closed":"error:"+e.code))})`;
  const r = harness("client", id, process.execPath, "-e", code);
  try {
    return JSON.parse(r.stdout.trim()) as string[];
  } catch {
    throw new Error(`probe failed: ${r.out}`);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A throwaway CA, a collector certificate for `name`, and an impostor with the same name from another CA. */
export function testPki(
  dir: string,
  name: string,
): { caPem: string; cert: string; key: string; impostorCert: string; impostorKey: string } {
  const sh = (cmd: string) => {
    const r = run("sh", ["-c", `cd ${dir} && ${cmd}`]);
    if (r.code !== 0) throw new Error(`${cmd}: ${r.out}`);
  };
  const ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  sh(`openssl req -x509 ${ec} -keyout ca.key -out ca.pem -days 2 -subj "/CN=Bulwark Test CA"`);
  sh(
    `openssl req ${ec} -keyout srv.key -out srv.csr -subj "/CN=${name}" && printf 'subjectAltName=DNS:${name}\\n' >ext`,
  );
  sh("openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile ext");
  sh(
    `openssl req -x509 ${ec} -keyout imp.key -out imp.pem -days 2 -subj "/CN=${name}" ` +
      `-addext "subjectAltName=DNS:${name}"`,
  );
  return {
    caPem: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"),
    cert: path.join(dir, "srv.pem"),
    key: path.join(dir, "srv.key"),
    impostorCert: path.join(dir, "imp.pem"),
    impostorKey: path.join(dir, "imp.key"),
  };
}

/** An `openssl s_server` TLS collector in the client namespace; `output()` is everything it printed. */
export function tlsCollector(
  id: string,
  addr: string,
  port: number,
  cert: string,
  key: string,
): { output: () => string; stop: () => void } {
  let out = "";
  const p = spawn(
    "ip",
    ["netns", "exec", `bw-c-${id}`, "openssl", "s_server", "-accept", `${addr}:${port}`, "-cert", cert, "-key", key],
    {
      stdio: ["pipe", "pipe", "pipe"], // stdin stays open: s_server stops at EOF
    },
  );
  p.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  p.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { output: () => out, stop: () => void p.kill("SIGKILL") };
}

/**
 * Polls `read` until `ok` holds or the deadline passes; returns the last value read. Tests assert on that value,
 * so a timeout fails with what was actually seen, never after a blind sleep.
 */
export async function waitFor<T>(
  read: () => T | Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await read();
  while (!ok(v) && Date.now() < deadline) {
    await sleep(everyMs);
    v = await read();
  }
  return v;
}

/**
 * Failed key logins from `from` as `users` in turn until fail2ban's sshd jail bans it (deadline `timeoutMs`);
 * returns the jail's last status. Each attempt is short: once banned, a connection hangs until its timeout.
 */
export async function bruteForceUntilBanned(
  id: string,
  srv: string,
  priv: string,
  from: string,
  users: string[],
  timeoutMs = 60_000,
): Promise<string> {
  let attempts = 0;
  return waitFor(
    () => {
      const status = harness("exec", id, "fail2ban-client", "status", "sshd").stdout;
      if (!status.includes(from) && attempts < 12) {
        sshAs(id, srv, priv, from, users[attempts++ % users.length], "true", { timeoutSecs: 6, quiet: true });
      }
      return status;
    },
    (s) => s.includes(from),
    timeoutMs,
  );
}
