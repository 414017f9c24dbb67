/** fail2ban: the sshd jail, banning through nftables, reading the journal of the distribution's SSH unit. */
import type { HostModel } from "../model";
import type { BundleFile } from "../render";
import type { OsProfile } from "../vars";

export function fail2banFile(m: HostModel, p: OsProfile): BundleFile {
  return {
    path: "/etc/fail2ban/jail.d/bulwark.local",
    content: [
      "# Bulwark: sshd brute-force bans through nftables. Generated.",
      "[DEFAULT]",
      "banaction = nftables-multiport",
      "banaction_allports = nftables-allports",
      "[sshd]",
      "enabled = true",
      "# a number, not `ssh`: minimal images have no /etc/services",
      `port = ${m.ssh.port}`,
      "# journald: Debian 12 and AL2023 write no auth.log",
      "backend = systemd",
      "# the distribution's SSH unit (fail2ban's filter expects sshd.service; Debian and Ubuntu run ssh.service)",
      `journalmatch = _SYSTEMD_UNIT=${p.sshUnit}.service + _COMM=sshd`,
      "mode = aggressive",
      "maxretry = 5",
      "findtime = 10m",
      "bantime = 1h",
      "",
    ].join("\n"),
    mode: 0o644,
  };
}
