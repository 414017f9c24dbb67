/**
 * Every on-host hardening value, named once, with the baseline control it satisfies beside it.
 * SB = dev-sec ssh-baseline 2.8.1, LB = dev-sec linux-baseline 2.10.0, U22 = CIS Ubuntu 22.04 v2.0.0,
 * AL = CIS Amazon Linux 2023 v1.0.0. The renderers and `verify` both read these tables, so what is written
 * is exactly what is checked.
 */

/** The controls `verify` reports by id. */
export const HOST_CONTROLS = {
  admins: { title: "Admin users with SSH keys, no usable password", anchors: "U22 5.4.2.x; AL 4.5.x" },
  ssh: {
    title: "SSH: keys only, no root, strict crypto, no forwarding",
    anchors: "SB sshd-01..50; U22 5.1.1-5.1.22; AL 4.2.1-4.2.20",
  },
  firewall: {
    title: "nftables default-drop inbound v4+v6, persisted",
    anchors: "U22 4.2.1-4.2.10; AL 3.4.1.1-3.4.2.7",
  },
  fail2ban: { title: "fail2ban sshd jail banning through nftables", anchors: "U22 5.3.3.1.x (lockout); AL 4.5.2" },
  auditd: { title: "auditd CIS rules, immutable", anchors: "LB package-08; U22 6.3.1-6.3.3.21; AL 5.2.1-5.2.3.21" },
  aide: { title: "AIDE initialised with a scheduled check", anchors: "U22 6.1.1-6.1.3; AL 1.3.1-1.3.3" },
  updates: { title: "Automatic security updates", anchors: "U22 1.2.2.1; AL 1.8" },
  sysctl: { title: "Kernel and network sysctl", anchors: "LB sysctl-01..35; U22 3.3.x, 1.5.x; AL 3.3.x, 1.5.x" },
  accounts: {
    title: "login.defs and pwquality password policy",
    anchors: "LB os-05; U22 5.3.3.2.x, 5.4.1.x; AL 4.4.x, 4.5.1",
  },
  permissions: {
    title: "Permissions on account, SSH and cron files; core dumps; unused modules",
    anchors: "LB os-02, os-03, os-10, os-13; U22 7.1.x; AL 6.1.x",
  },
  services: { title: "Unused services and packages off", anchors: "LB package-01..09; U22 2.1.1-2.1.22; AL 2.4" },
  ids: {
    title: "Host IDS agent (Wazuh default, Suricata option)",
    anchors: "custom: agent installed, enrolled, active",
  },
  logging: {
    title: "Log forwarding (CloudWatch agent on EC2, rsyslog over TLS on-prem)",
    anchors: "U22 6.2.1.2.x; AL 5.1.1.6",
  },
  mysql: { title: "Self-hosted MySQL/MariaDB hardening (role db)", anchors: "dev-sec mysql-baseline" },
} as const;
export type HostControlId = keyof typeof HOST_CONTROLS;

/**
 * SSH crypto profile "bulwark-strict": dev-sec's lists minus non-ETM MACs and ECDSA host keys, plus DH group16/18.
 * Clean under ssh-audit's strict policy; CIS's hmac-sha1 is deliberately not allowed. Terrapin is mitigated by the
 * patched OpenSSH's strict KEX. Works on OpenSSH >= 8.5 (jammy 8.9, bookworm 9.2, noble 9.6, AL2023 8.7).
 */
export const SSH_CRYPTO = {
  kexAlgorithms: [
    "sntrup761x25519-sha512@openssh.com",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group-exchange-sha256",
  ],
  ciphers: [
    "chacha20-poly1305@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-gcm@openssh.com",
    "aes256-ctr",
    "aes192-ctr",
    "aes128-ctr",
  ],
  macs: ["hmac-sha2-512-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "umac-128-etm@openssh.com"],
  hostKeyAlgorithms: ["ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256"],
  hostKeys: ["/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_rsa_key"],
  /** DH group-exchange moduli below this size are removed (SB sshd-48 wants >= 2047; ssh-audit strict 3071). */
  moduliMinBits: 3071,
  /** RSA host keys smaller than this are regenerated at 4096 bits (SB sshd-50 wants 4096; we keep existing 3072
   * keys so existing servers do not change host key fingerprints). */
  rsaMinBits: 3072,
} as const;

/** Algorithms the e2e test proves are refused (each must be absent from the lists above). */
export const SSH_WEAK_ALGORITHMS = {
  ciphers: ["aes128-cbc", "3des-cbc"],
  kex: ["diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"],
  macs: ["hmac-sha1", "hmac-sha2-256"],
  hostKeyAlgorithms: ["ssh-rsa", "ecdsa-sha2-nistp256"],
} as const;

export interface SshSetting {
  key: string;
  value: string;
  /** What `sshd -T` prints, when it differs from `value` (lower-cased keys are compared); null: -T omits it. */
  effective?: string | null;
  anchor: string;
}

export interface SshSettingsOptions {
  port: number;
  allowGroup: string;
  debianFamily: boolean;
  bastion: boolean;
  /** OpenSSH >= 9.1 has RequiredRSASize (bookworm 9.2, noble 9.6; not jammy 8.9 or AL2023 8.7). */
  requiredRsaSize?: boolean;
}

/** sshd_config directives, in the order they are written (first value wins, so these precede any Include). */
export function sshSettings(o: SshSettingsOptions): SshSetting[] {
  const s: SshSetting[] = [
    { key: "Port", value: String(o.port), anchor: "SB sshd-07" },
    { key: "AddressFamily", value: "any", anchor: "SB sshd-08" },
    ...SSH_CRYPTO.hostKeys.map((k) => ({ key: "HostKey", value: k, anchor: "SB sshd-14" })),
    { key: "HostKeyAlgorithms", value: SSH_CRYPTO.hostKeyAlgorithms.join(","), anchor: "ssh-audit strict" },
    { key: "KexAlgorithms", value: SSH_CRYPTO.kexAlgorithms.join(","), anchor: "SB sshd-02; U22 5.1.12" },
    { key: "Ciphers", value: SSH_CRYPTO.ciphers.join(","), anchor: "SB sshd-01; U22 5.1.6" },
    { key: "MACs", value: SSH_CRYPTO.macs.join(","), anchor: "SB sshd-03; U22 5.1.15" },
    { key: "StrictModes", value: "yes", anchor: "SB sshd-11" },
    { key: "SyslogFacility", value: "AUTH", anchor: "SB sshd-12" },
    { key: "LogLevel", value: "VERBOSE", anchor: "SB sshd-13; U22 5.1.14" },
    { key: "PermitRootLogin", value: "no", anchor: "SB sshd-06; U22 5.1.20" },
    { key: "PermitUserEnvironment", value: "no", anchor: "SB sshd-17; U22 5.1.21" },
    { key: "LoginGraceTime", value: "30s", effective: "30", anchor: "SB sshd-18; U22 5.1.13" },
    { key: "MaxAuthTries", value: "2", anchor: "SB sshd-19; U22 5.1.16" },
    { key: "MaxSessions", value: "10", anchor: "SB sshd-20; U22 5.1.17" },
    { key: "MaxStartups", value: "10:30:60", anchor: "SB sshd-21; U22 5.1.18" },
    { key: "PubkeyAuthentication", value: "yes", anchor: "SB sshd-22" },
    { key: "AuthenticationMethods", value: "publickey", anchor: "keys only" },
    { key: "IgnoreRhosts", value: "yes", anchor: "SB sshd-23; U22 5.1.11" },
    { key: "IgnoreUserKnownHosts", value: "yes", anchor: "SB sshd-24" },
    { key: "HostbasedAuthentication", value: "no", anchor: "SB sshd-25; U22 5.1.10" },
    { key: "PasswordAuthentication", value: "no", anchor: "SB sshd-27" },
    { key: "PermitEmptyPasswords", value: "no", anchor: "SB sshd-28; U22 5.1.19" },
    { key: "KbdInteractiveAuthentication", value: "no", anchor: "SB sshd-29" },
    { key: "KerberosAuthentication", value: "no", anchor: "SB sshd-30" },
    { key: "KerberosOrLocalPasswd", value: "no", anchor: "SB sshd-31" },
    { key: "KerberosTicketCleanup", value: "yes", anchor: "SB sshd-32" },
    { key: "GSSAPIAuthentication", value: "no", anchor: "SB sshd-33; U22 5.1.9" },
    { key: "GSSAPICleanupCredentials", value: "yes", anchor: "SB sshd-34" },
    { key: "UsePAM", value: "yes", anchor: "U22 5.1.22" },
    { key: "AllowGroups", value: o.allowGroup, anchor: "U22 5.1.4; AL 4.2.2" },
    { key: "TCPKeepAlive", value: "no", anchor: "SB sshd-35" },
    { key: "ClientAliveInterval", value: "300", anchor: "SB sshd-36; U22 5.1.7" },
    { key: "ClientAliveCountMax", value: "3", anchor: "SB sshd-37; U22 5.1.7" },
    { key: "PermitTunnel", value: "no", anchor: "SB sshd-38" },
    // A bastion must relay `ssh -J` (direct-tcpip); everything else forwards nothing.
    { key: "DisableForwarding", value: o.bastion ? "no" : "yes", anchor: "U22 5.1.8" },
    { key: "AllowTcpForwarding", value: o.bastion ? "local" : "no", anchor: "SB sshd-39; AL 4.2.12" },
    { key: "AllowAgentForwarding", value: "no", anchor: "SB sshd-40" },
    { key: "AllowStreamLocalForwarding", value: "no", anchor: "no unix-socket forwarding" },
    { key: "GatewayPorts", value: "no", anchor: "SB sshd-41" },
    { key: "X11Forwarding", value: "no", anchor: "SB sshd-42; AL 4.2.11" },
    { key: "X11UseLocalhost", value: "yes", anchor: "SB sshd-43" },
    { key: "PrintMotd", value: "no", anchor: "SB sshd-44" },
    { key: "PrintLastLog", value: "no", anchor: "SB sshd-45" },
    { key: "Banner", value: "none", anchor: "SB sshd-46" },
    { key: "Compression", value: "no", anchor: "dev-sec ssh_hardening" },
    { key: "UseDNS", value: "no", anchor: "dev-sec ssh_hardening" },
    { key: "RevokedKeys", value: "/etc/ssh/revoked_keys", anchor: "dev-sec ssh_hardening" },
  ];
  if (o.requiredRsaSize)
    s.push({
      key: "RequiredRSASize",
      value: String(SSH_CRYPTO.rsaMinBits),
      anchor: "no RSA keys under 3072 bits (ssh-audit strict)",
    });
  if (o.debianFamily) s.push({ key: "DebianBanner", value: "no", effective: null, anchor: "SB sshd-47" });
  return s;
}

/**
 * dev-sec os_hardening sysctl set (LB sysctl-*). `kernel.*`/`vm.*` are host-global: verify skips them in containers.
 */
export const SYSCTL: readonly { key: string; value: string; anchor: string }[] = [
  { key: "net.ipv4.ip_forward", value: "0", anchor: "LB sysctl-01" },
  { key: "net.ipv6.conf.all.forwarding", value: "0", anchor: "LB sysctl-19" },
  { key: "net.ipv4.conf.all.rp_filter", value: "1", anchor: "LB sysctl-02" },
  { key: "net.ipv4.conf.default.rp_filter", value: "1", anchor: "LB sysctl-02" },
  { key: "net.ipv4.icmp_ignore_bogus_error_responses", value: "1", anchor: "LB sysctl-03" },
  { key: "net.ipv4.icmp_echo_ignore_broadcasts", value: "1", anchor: "LB sysctl-04" },
  { key: "net.ipv4.icmp_ratelimit", value: "100", anchor: "LB sysctl-05" },
  { key: "net.ipv4.icmp_ratemask", value: "88089", anchor: "LB sysctl-06" },
  { key: "net.ipv4.tcp_timestamps", value: "0", anchor: "LB sysctl-07" },
  { key: "net.ipv4.conf.all.arp_ignore", value: "1", anchor: "LB sysctl-08" },
  { key: "net.ipv4.conf.all.arp_announce", value: "2", anchor: "LB sysctl-09" },
  { key: "net.ipv4.tcp_rfc1337", value: "1", anchor: "LB sysctl-10" },
  { key: "net.ipv4.tcp_syncookies", value: "1", anchor: "LB sysctl-11" },
  { key: "net.ipv4.conf.all.shared_media", value: "1", anchor: "LB sysctl-12" },
  { key: "net.ipv4.conf.default.shared_media", value: "1", anchor: "LB sysctl-12" },
  { key: "net.ipv4.conf.all.accept_source_route", value: "0", anchor: "LB sysctl-13" },
  { key: "net.ipv4.conf.default.accept_source_route", value: "0", anchor: "LB sysctl-13" },
  { key: "net.ipv6.conf.all.accept_source_route", value: "0", anchor: "LB sysctl-13" },
  { key: "net.ipv4.conf.all.accept_redirects", value: "0", anchor: "LB sysctl-14" },
  { key: "net.ipv4.conf.default.accept_redirects", value: "0", anchor: "LB sysctl-14" },
  { key: "net.ipv4.conf.all.secure_redirects", value: "0", anchor: "LB sysctl-15" },
  { key: "net.ipv4.conf.default.secure_redirects", value: "0", anchor: "LB sysctl-15" },
  { key: "net.ipv4.conf.all.send_redirects", value: "0", anchor: "LB sysctl-16" },
  { key: "net.ipv4.conf.default.send_redirects", value: "0", anchor: "LB sysctl-16" },
  { key: "net.ipv4.conf.all.log_martians", value: "1", anchor: "LB sysctl-17" },
  { key: "net.ipv4.conf.default.log_martians", value: "1", anchor: "LB sysctl-17" },
  { key: "net.ipv6.conf.all.accept_redirects", value: "0", anchor: "LB sysctl-20" },
  { key: "net.ipv6.conf.default.accept_redirects", value: "0", anchor: "LB sysctl-20" },
  { key: "net.ipv6.conf.default.router_solicitations", value: "0", anchor: "LB sysctl-21" },
  { key: "net.ipv6.conf.default.accept_ra_rtr_pref", value: "0", anchor: "LB sysctl-22" },
  { key: "net.ipv6.conf.default.accept_ra_pinfo", value: "0", anchor: "LB sysctl-23" },
  { key: "net.ipv6.conf.default.accept_ra_defrtr", value: "0", anchor: "LB sysctl-24" },
  { key: "net.ipv6.conf.all.accept_ra", value: "0", anchor: "LB sysctl-25" },
  { key: "net.ipv6.conf.default.accept_ra", value: "0", anchor: "LB sysctl-25" },
  { key: "net.ipv6.conf.default.autoconf", value: "0", anchor: "LB sysctl-26" },
  { key: "net.ipv6.conf.default.dad_transmits", value: "0", anchor: "LB sysctl-27" },
  { key: "net.ipv6.conf.default.max_addresses", value: "1", anchor: "LB sysctl-28" },
  { key: "kernel.sysrq", value: "0", anchor: "LB sysctl-30" },
  { key: "fs.suid_dumpable", value: "0", anchor: "LB sysctl-31a" },
  { key: "kernel.randomize_va_space", value: "2", anchor: "LB sysctl-32; U22 1.5.1" },
  { key: "fs.protected_fifos", value: "1", anchor: "LB sysctl-34" },
  { key: "fs.protected_hardlinks", value: "1", anchor: "LB sysctl-34" },
  { key: "fs.protected_regular", value: "2", anchor: "LB sysctl-34" },
  { key: "fs.protected_symlinks", value: "1", anchor: "LB sysctl-34" },
  { key: "kernel.yama.ptrace_scope", value: "2", anchor: "LB sysctl-35; U22 1.5.2" },
  { key: "kernel.core_uses_pid", value: "1", anchor: "dev-sec os_hardening" },
  { key: "kernel.kptr_restrict", value: "2", anchor: "dev-sec os_hardening" },
  { key: "kernel.kexec_load_disabled", value: "1", anchor: "dev-sec os_hardening" },
  { key: "vm.mmap_min_addr", value: "65536", anchor: "dev-sec os_hardening" },
];

/** login.defs values (LB os-05). UMASK is 077 on Amazon Linux, as dev-sec does. */
export function loginDefs(amazon: boolean): { key: string; value: string; anchor: string }[] {
  return [
    { key: "PASS_MAX_DAYS", value: "60", anchor: "LB os-05; U22 5.4.1.1" },
    { key: "PASS_MIN_DAYS", value: "7", anchor: "LB os-05; U22 5.4.1.2" },
    { key: "PASS_WARN_AGE", value: "7", anchor: "LB os-05; U22 5.4.1.3" },
    { key: "LOGIN_RETRIES", value: "5", anchor: "LB os-05" },
    { key: "LOGIN_TIMEOUT", value: "60", anchor: "LB os-05" },
    { key: "UMASK", value: amazon ? "077" : "027", anchor: "LB os-05; U22 5.4.3.3" },
    { key: "ENCRYPT_METHOD", value: "SHA512", anchor: "U22 5.4.1.4" },
    { key: "SHA_CRYPT_MIN_ROUNDS", value: "640000", anchor: "dev-sec os_hardening" },
    { key: "UID_MIN", value: "1000", anchor: "LB os-05" },
    { key: "GID_MIN", value: "1000", anchor: "LB os-05" },
  ];
}

/** pwquality (U22 5.3.3.2.x; AL 4.4.x). */
export const PWQUALITY: readonly { key: string; value: string; anchor: string }[] = [
  { key: "minlen", value: "14", anchor: "U22 5.3.3.2.2" },
  { key: "minclass", value: "4", anchor: "U22 5.3.3.2.3" },
  { key: "difok", value: "2", anchor: "U22 5.3.3.2.1" },
  { key: "maxrepeat", value: "3", anchor: "U22 5.3.3.2.4" },
  { key: "maxsequence", value: "3", anchor: "U22 5.3.3.2.5" },
  { key: "dictcheck", value: "1", anchor: "U22 5.3.3.2.6" },
  { key: "enforce_for_root", value: "", anchor: "U22 5.3.3.2.7" },
];

/** auditd.conf (LB package-08; U22 6.3.2.x). */
export const AUDITD_CONF: readonly { key: string; value: string; anchor: string }[] = [
  { key: "log_format", value: "RAW", anchor: "LB package-08" },
  { key: "flush", value: "INCREMENTAL_ASYNC", anchor: "LB package-08" },
  { key: "max_log_file", value: "32", anchor: "U22 6.3.2.1" },
  { key: "max_log_file_action", value: "keep_logs", anchor: "LB package-08; U22 6.3.2.2" },
  { key: "space_left", value: "75", anchor: "LB package-08" },
  { key: "space_left_action", value: "SYSLOG", anchor: "LB package-08; U22 6.3.2.4" },
  { key: "action_mail_acct", value: "root", anchor: "LB package-08" },
  { key: "admin_space_left", value: "50", anchor: "LB package-08" },
  { key: "admin_space_left_action", value: "SUSPEND", anchor: "LB package-08; U22 6.3.2.3" },
  { key: "disk_full_action", value: "SUSPEND", anchor: "LB package-08; U22 6.3.2.3" },
  { key: "disk_error_action", value: "SUSPEND", anchor: "LB package-08; U22 6.3.2.3" },
];

const both = (rule: string): string[] => ["b64", "b32"].map((a) => rule.replace("ARCH", a));
const USER = "-F auid>=1000 -F auid!=unset";

/** CIS audit rules (U22 6.3.3.x / AL 5.2.3.x). Privileged-command and tool rules are generated on the host. */
export const AUDIT_RULES: readonly string[] = [
  "## U22 6.3.3.1 sudoers",
  "-w /etc/sudoers -p wa -k scope",
  "-w /etc/sudoers.d -p wa -k scope",
  "## U22 6.3.3.2 actions as another user",
  ...both("-a always,exit -F arch=ARCH -C euid!=uid -F auid!=unset -S execve -k user_emulation"),
  "## U22 6.3.3.3 sudo log",
  "-w /var/log/sudo.log -p wa -k sudo_log_file",
  "## U22 6.3.3.4 time",
  ...both("-a always,exit -F arch=ARCH -S adjtimex,settimeofday,clock_settime -k time-change"),
  "-w /etc/localtime -p wa -k time-change",
  "## U22 6.3.3.5 network environment",
  ...both("-a always,exit -F arch=ARCH -S sethostname,setdomainname -k system-locale"),
  "-w /etc/issue -p wa -k system-locale",
  "-w /etc/issue.net -p wa -k system-locale",
  "-w /etc/hosts -p wa -k system-locale",
  "-w /etc/hostname -p wa -k system-locale",
  "## U22 6.3.3.7 unsuccessful file access",
  ...both(`-a always,exit -F arch=ARCH -S creat,open,openat,truncate,ftruncate -F exit=-EACCES ${USER} -k access`),
  ...both(`-a always,exit -F arch=ARCH -S creat,open,openat,truncate,ftruncate -F exit=-EPERM ${USER} -k access`),
  "## U22 6.3.3.8 identity",
  "-w /etc/group -p wa -k identity",
  "-w /etc/passwd -p wa -k identity",
  "-w /etc/gshadow -p wa -k identity",
  "-w /etc/shadow -p wa -k identity",
  "-w /etc/security/opasswd -p wa -k identity",
  "## U22 6.3.3.9 permission changes",
  ...both(`-a always,exit -F arch=ARCH -S chmod,fchmod,fchmodat ${USER} -k perm_mod`),
  ...both(`-a always,exit -F arch=ARCH -S chown,fchown,lchown,fchownat ${USER} -k perm_mod`),
  ...both(
    "-a always,exit -F arch=ARCH -S setxattr,lsetxattr,fsetxattr,removexattr,lremovexattr,fremovexattr " +
      `${USER} -k perm_mod`,
  ),
  "## U22 6.3.3.10 mounts",
  ...both(`-a always,exit -F arch=ARCH -S mount ${USER} -k mounts`),
  "## U22 6.3.3.11 session",
  "-w /var/run/utmp -p wa -k session",
  "-w /var/log/wtmp -p wa -k session",
  "-w /var/log/btmp -p wa -k session",
  "## U22 6.3.3.12 logins",
  "-w /var/log/lastlog -p wa -k logins",
  "-w /var/run/faillock -p wa -k logins",
  "## U22 6.3.3.13 deletions",
  ...both(`-a always,exit -F arch=ARCH -S unlink,unlinkat,rename,renameat ${USER} -k delete`),
  "## U22 6.3.3.19 kernel modules",
  ...both(`-a always,exit -F arch=ARCH -S init_module,finit_module,delete_module ${USER} -k kernel_modules`),
];

/** Commands whose use is audited when present (U22 6.3.3.15-6.3.3.19). */
export const AUDITED_TOOLS: readonly { path: string; key: string }[] = [
  { path: "/usr/bin/chcon", key: "perm_chng" },
  { path: "/usr/bin/setfacl", key: "perm_chng" },
  { path: "/usr/bin/chacl", key: "perm_chng" },
  { path: "/usr/sbin/usermod", key: "usermod" },
  { path: "/usr/bin/kmod", key: "kernel_modules" },
];

/** Pinned signing keys for agent repositories (not reachable from the test machine: unverified here). */
export const AGENT_KEYS = {
  wazuh: "0DCFCA5547B19D2A6099506096B3EE5F29111145",
  cloudwatch: "937616F3450B7D806CBD9725D58167303B789C72",
} as const;

/** Packages that must not be installed (LB package-01..09; U22 2.1.x). Debian/Ubuntu and AL2023 names. */
export const FORBIDDEN_PACKAGES = {
  deb: [
    "inetutils-inetd",
    "openbsd-inetd",
    "xinetd",
    "telnetd",
    "inetutils-telnetd",
    "rsh-server",
    "rsh-redone-server",
    "nis",
    "ypserv",
    "tftpd-hpa",
    "prelink",
  ],
  rpm: ["xinetd", "telnet-server", "rsh-server", "ypserv", "tftp-server", "prelink"],
} as const;

/** Units stopped, disabled and masked when present (U22 2.1.x "services not in use"). */
export const UNUSED_UNITS: readonly string[] = [
  "avahi-daemon.service",
  "avahi-daemon.socket",
  "cups.service",
  "cups.socket",
  "cups-browsed.service",
  "rpcbind.service",
  "rpcbind.socket",
  "nfs-server.service",
  "vsftpd.service",
  "snmpd.service",
  "isc-dhcp-server.service",
  "slapd.service",
  "bind9.service",
  "named.service",
  "smbd.service",
  "squid.service",
  "dovecot.service",
  "telnet.socket",
  "rsh.socket",
  "rlogin.socket",
  "rexec.socket",
];

/**
 * Filesystems and protocols that cannot be loaded (LB os-10; U22 1.1.1.x, 3.2.x). squashfs stays: Ubuntu AMIs run
 * the SSM agent as a snap.
 */
export const BLACKLISTED_MODULES: readonly string[] = [
  "cramfs",
  "freevxfs",
  "jffs2",
  "hfs",
  "hfsplus",
  "udf",
  "dccp",
  "rds",
  "sctp",
  "tipc",
];
