import type { OsProfile } from "./os-profile";

export const AMAZONLINUX_2023: OsProfile = {
  family: "amazon",
  packageFormat: "rpm",
  osRelease: "amzn-2023",
  sshUnit: "sshd",
  nftConf: "/etc/sysconfig/nftables.conf",
  aideBin: "/usr/sbin/aide",
  shadowMode: "0000",
  shadowGroup: "root",
  sshKeyGroup: "ssh_keys",
  packages: [
    "openssh-server",
    "nftables",
    "fail2ban",
    "python3-systemd",
    "audit",
    "aide",
    "dnf-automatic",
    "libpwquality",
    "cracklib-dicts",
    "sudo",
    "iproute",
    "rsyslog",
  ],
  // AL2023 packages MariaDB 10.5 only.
  mysqlServerPackage: { mysql: "mariadb105-server", mariadb: "mariadb105-server" },
  authLog: "/var/log/secure",
  updateTimers: ["dnf-automatic.timer"],
  sshCryptoPolicyFile: "/etc/sysconfig/sshd",
};
