/** What Debian 12 and Ubuntu share (dpkg, apt, unattended-upgrades). */
import type { OsProfile } from "./os-profile";

export const DEBIAN_FAMILY = {
  family: "debian",
  packageFormat: "deb",
  sshUnit: "ssh",
  nftConf: "/etc/nftables.conf",
  aideBin: "/usr/bin/aide",
  shadowMode: "0640",
  shadowGroup: "shadow",
  sshKeyGroup: "root",
  packages: [
    "openssh-server",
    "nftables",
    "fail2ban",
    "python3-systemd",
    "auditd",
    "aide",
    "unattended-upgrades",
    "libpam-pwquality",
    "cracklib-runtime",
    "sudo",
    "iproute2",
    "rsyslog",
  ],
  mysqlServerPackage: { mysql: "mysql-server", mariadb: "mariadb-server" },
  authLog: "/var/log/auth.log",
  updateTimers: ["apt-daily.timer", "apt-daily-upgrade.timer"],
} as const satisfies Partial<OsProfile>;

/** Ubuntu's security pocket, as unattended-upgrades matches it. */
export const UBUNTU_SECURITY_ORIGIN = "origin=Ubuntu,archive=${distro_codename}-security";
