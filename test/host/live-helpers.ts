/** Shared by the live-apply, first-boot (cloud-init) and MTA host tests: a booted stock host, reached over SSH. */
import * as fs from "fs";
import * as path from "path";
import type { HostOs } from "../../components/host/model";
import { harness, run, sleep, type Run } from "./helpers";

export const SUITES_ALL: { suite: string; os: HostOs }[] = [
  { suite: "bookworm", os: "debian-12" },
  { suite: "noble", os: "ubuntu-24.04" },
  { suite: "jammy", os: "ubuntu-22.04" },
];
export const selected = <T extends { suite: string }>(xs: T[]): T[] =>
  xs.filter((s) => !process.env.BULWARK_HOST_SUITES || process.env.BULWARK_HOST_SUITES.split(",").includes(s.suite));

/** The host model the live tests apply: management from the lower half of the client /24 and its v6 /64. */
export function liveModel(net: number, pub: string, caPem: string, extra: Record<string, unknown> = {}) {
  return {
    role: "web",
    admins: [{ name: "alice", sshKeys: [pub] }],
    sessionUser: "bulwark-admin",
    ssh: { managementSources: [`10.231.${net}.0/25`, `fd00:231:${net}::/64`] },
    inbound: [{ port: 443, sources: ["0.0.0.0/0", "::/0"], description: "HTTPS" }],
    ids: {
      kind: "none",
      waiver: {
        reason: "test rootfs: agent repositories unreachable",
        approver: "security@example.com",
        expires: "2099-12-31",
      },
    },
    logs: { kind: "rsyslog-tls", target: `10.231.${net}.2`, permittedPeer: "logs.bulwark.test", caPem },
    ...extra,
  };
}

/** OpenSSH client in the client namespace: key login from `from` as `user`. */
export function sshAs(
  id: string,
  srv: string,
  priv: string,
  from: string,
  user: string,
  command = "true",
  extra: string[] = [],
  input?: string,
): Run {
  const args = [
    "client",
    id,
    "timeout",
    "300",
    "ssh",
    "-F",
    "/dev/null",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "ConnectTimeout=4",
    "-o",
    "BatchMode=yes",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "LogLevel=ERROR",
    "-i",
    priv,
    "-b",
    from,
    ...extra,
    `${user}@${srv}`,
    command,
  ];
  return input === undefined
    ? harness(...args)
    : run(path.join(__dirname, "harness.sh"), args, { input, timeoutMs: 320_000 });
}

/** Polls `f` until it returns a truthy value or the deadline passes; returns the last value. */
export async function waitFor<T>(f: () => T, ms: number, every = 500): Promise<T> {
  const end = Date.now() + ms;
  let v = f();
  while (!v && Date.now() < end) {
    await sleep(every);
    v = f();
  }
  return v;
}

/** Password login attempt (expected to be refused by a hardened sshd). */
export function passwordLogin(id: string, srv: string, from: string, user: string, password: string): Run {
  return harness(
    "client",
    id,
    "timeout",
    "20",
    "sshpass",
    "-p",
    password,
    "ssh",
    "-F",
    "/dev/null",
    "-v",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "ConnectTimeout=4",
    "-o",
    "PubkeyAuthentication=no",
    "-o",
    "PreferredAuthentications=password,keyboard-interactive",
    "-b",
    from,
    `${user}@${srv}`,
    "true",
  );
}

export const rm = (p: string | undefined): void => {
  if (p) fs.rmSync(p, { recursive: true, force: true });
};
