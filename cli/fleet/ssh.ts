/**
 * Runs one command on a host with the system OpenSSH client. Host keys are ALWAYS checked: a private ssh_config and
 * known_hosts are built from the declared keys (StrictHostKeyChecking yes, no global or user known_hosts), and the
 * bastion hop (ProxyJump) reads the same config file, so the jump host's key is checked the same way.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { SshEndpoint } from "../../components/host/hosts-config";

export interface SshTarget extends SshEndpoint {
  bastion?: SshEndpoint;
}

export interface SshResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/** `addr key` for port 22, `[addr]:port key` otherwise (OpenSSH's known_hosts spelling). */
export function knownHostsLine(e: { address: string; port: number; hostKey: string }): string {
  const key = e.hostKey.trim().split(/\s+/).slice(0, 2).join(" ");
  return `${e.port === 22 ? e.address : `[${e.address}]:${e.port}`} ${key}`;
}

const hostPart = (a: string) => (a.includes(":") ? `[${a}]` : a);

/** A per-run directory with the ssh_config and known_hosts; `cleanup()` removes it. */
export function sshContext(targets: readonly SshTarget[], identity: { file?: string }, connectTimeoutSeconds: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-ssh-"));
  const known = path.join(dir, "known_hosts");
  const lines = new Set<string>();
  for (const t of targets) {
    lines.add(knownHostsLine(t));
    if (t.bastion) lines.add(knownHostsLine(t.bastion));
  }
  fs.writeFileSync(known, [...lines].join("\n") + "\n", { mode: 0o600 });
  const config = path.join(dir, "ssh_config");
  fs.writeFileSync(
    config,
    [
      "Host *",
      "  BatchMode yes",
      "  StrictHostKeyChecking yes",
      `  UserKnownHostsFile ${known}`,
      "  GlobalKnownHostsFile /dev/null",
      "  UpdateHostKeys no",
      "  CheckHostIP no",
      "  HashKnownHosts no",
      "  PasswordAuthentication no",
      "  KbdInteractiveAuthentication no",
      "  ForwardAgent no",
      "  ClearAllForwardings yes",
      `  ConnectTimeout ${connectTimeoutSeconds}`,
      "  ServerAliveInterval 5",
      "  ServerAliveCountMax 3",
      "  LogLevel ERROR",
      ...(identity.file ? ["  IdentitiesOnly yes", `  IdentityFile ${identity.file}`, "  IdentityAgent none"] : []),
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  return {
    dir,
    config,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export function sshArgs(config: string, t: SshTarget, command: string): string[] {
  return [
    "-F",
    config,
    "-p",
    String(t.port),
    ...(t.bastion ? ["-J", `${t.bastion.user}@${hostPart(t.bastion.address)}:${t.bastion.port}`] : []),
    "-l",
    t.user,
    t.address,
    "--",
    command,
  ];
}

/** Runs `command`; after `timeoutMs` the whole ssh process group (jump hop included) is killed. */
export function runSsh(
  config: string,
  t: SshTarget,
  command: string,
  timeoutMs: number,
  sshBin = "ssh",
): Promise<SshResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(sshBin, sshArgs(config, t, command), { stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + e.message, timedOut, durationMs: Date.now() - started });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, durationMs: Date.now() - started });
    });
  });
}
