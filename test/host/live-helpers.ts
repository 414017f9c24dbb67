/** Shared by the host e2e suites: the host models they apply. */
import * as fs from "fs";

/** No IDS agent on the test rootfs, waived as the model requires. */
export const IDS_WAIVED = {
  kind: "none",
  waiver: {
    reason: "test rootfs: agent repositories unreachable",
    approver: "security@example.com",
    expires: "2099-12-31",
  },
} as const;

/** The host model the live tests apply: management from the lower half of the client /24 and its v6 /64. */
export function liveModel(net: number, pub: string, caPem: string, extra: Record<string, unknown> = {}) {
  return {
    role: "web",
    admins: [{ name: "alice", sshKeys: [pub] }],
    sessionUser: "bulwark-admin",
    ssh: { managementSources: [`10.231.${net}.0/25`, `fd00:231:${net}::/64`] },
    inbound: [{ port: 443, sources: ["0.0.0.0/0", "::/0"], description: "HTTPS" }],
    ids: IDS_WAIVED,
    logs: { kind: "rsyslog-tls", target: `10.231.${net}.2`, permittedPeer: "logs.bulwark.test", caPem },
    ...extra,
  };
}

export const rm = (p: string | undefined): void => {
  if (p) fs.rmSync(p, { recursive: true, force: true });
};
