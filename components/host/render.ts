/**
 * Renders the host model into a bundle for one OS: files placed by `apply`, plus `apply` and `verify`.
 * The same bundle is written by the CLI, shipped as EC2 user data (cloud-init) and copied by HardenedHost.
 */
import { createHash } from "crypto";
import { gzipSync } from "zlib";
import * as fs from "fs";
import * as path from "path";
import { INTERNAL_RANGES } from "../../policies/src/exposure";
import * as ipaddr from "ipaddr.js";
import * as YAML from "yaml";
import {
  AUDITD_CONF,
  AUDITED_TOOLS,
  AUDIT_RULES,
  BLACKLISTED_MODULES,
  FORBIDDEN_PACKAGES,
  HOST_CONTROLS,
  loginDefs,
  PWQUALITY,
  SSH_CRYPTO,
  sshSettings,
  SYSCTL,
  UNUSED_UNITS,
  type SshSetting,
} from "./host-controls";
import { HostConfigError, normaliseCidr, parseHostModel, type HostModel, type HostOs } from "./model";
import { renderMysqlHardening } from "./mysql";
import { stripShellCommentLines } from "./shell-strip";

export interface BundleFile {
  /** Absolute path on the host. */
  path: string;
  content: string;
  mode: number;
  owner?: string;
  group?: string;
}

/** A file of the bundle directory itself (relative path), e.g. `apply`, `manifest`, `files/etc/...`. */
export interface BundleEntry {
  rel: string;
  content: string;
  mode: number;
}

export interface HostBundle {
  os: HostOs;
  model: HostModel;
  /** Files `apply` installs on the host. */
  files: BundleFile[];
  apply: string;
  verify: string;
  /** Settings both scripts source (bundle.env). */
  env: string;
  /** Generated hooks run by apply/verify (lib/<name>). */
  hooks: { name: string; content: string }[];
  /** sha256 over every entry: HardenedHost re-applies when it changes. */
  hash: string;
}

interface OsProfile {
  family: "debian" | "amazon";
  osRelease: string;
  sshUnit: string;
  nftConf: string;
  aideBin: string;
  shadowMode: string;
  shadowGroup: string;
  sshKeyGroup: string;
  packages: string[];
  securityOrigin?: string;
  distroName: string;
  /** OpenSSH >= 9.1: sshd_config gets RequiredRSASize. */
  requiredRsaSize?: boolean;
  /** package:version floors; older installed versions are upgraded (known-broken releases). */
  minVersions?: string[];
}

const DEBIAN_PKGS = [
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
];

const OS_PROFILES: Record<HostOs, OsProfile> = {
  "ubuntu-24.04": {
    family: "debian",
    osRelease: "ubuntu-24.04",
    sshUnit: "ssh",
    nftConf: "/etc/nftables.conf",
    aideBin: "/usr/bin/aide",
    shadowMode: "0640",
    shadowGroup: "shadow",
    sshKeyGroup: "root",
    packages: DEBIAN_PKGS,
    securityOrigin: "origin=Ubuntu,archive=${distro_codename}-security",
    distroName: "Ubuntu",
    requiredRsaSize: true,
    // The release pocket's fail2ban 1.0.2-3 crashes on Python 3.12 (no asynchat); noble-updates fixes it.
    minVersions: ["fail2ban:1.0.2-3ubuntu0.1"],
  },
  "ubuntu-22.04": {
    family: "debian",
    osRelease: "ubuntu-22.04",
    sshUnit: "ssh",
    nftConf: "/etc/nftables.conf",
    aideBin: "/usr/bin/aide",
    shadowMode: "0640",
    shadowGroup: "shadow",
    sshKeyGroup: "root",
    packages: DEBIAN_PKGS,
    securityOrigin: "origin=Ubuntu,archive=${distro_codename}-security",
    distroName: "Ubuntu",
  },
  "debian-12": {
    family: "debian",
    osRelease: "debian-12",
    sshUnit: "ssh",
    nftConf: "/etc/nftables.conf",
    aideBin: "/usr/bin/aide",
    shadowMode: "0640",
    shadowGroup: "shadow",
    sshKeyGroup: "root",
    packages: DEBIAN_PKGS,
    securityOrigin: "origin=Debian,codename=${distro_codename}-security,label=Debian-Security",
    distroName: "Debian",
    requiredRsaSize: true,
  },
  "amazonlinux-2023": {
    family: "amazon",
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
    distroName: "Amazon Linux",
  },
};

export const AIDE_CONF = "/etc/bulwark/aide.conf";
export const AIDE_DB = "/var/lib/bulwark/aide/aide.db";
export const BUNDLE_ON_HOST = "/opt/bulwark/bundle";

/** Pinned signing keys for agent repositories (not reachable from the test machine: unverified here). */
export const AGENT_KEYS = {
  wazuh: "0DCFCA5547B19D2A6099506096B3EE5F29111145",
  cloudwatch: "937616F3450B7D806CBD9725D58167303B789C72",
} as const;

/** bash single-quoted word. */
function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
const arr = (xs: readonly string[]): string => `(${xs.map(q).join(" ")})`;

/** Drops CIDRs contained in another of the list (nft interval sets reject overlaps); sorted, per family. */
export function collapseCidrs(cidrs: readonly string[]): string[] {
  const parsed = [...new Set(cidrs.map((c) => normaliseCidr(c).cidr))].map((c) => ({ c, p: ipaddr.parseCIDR(c) }));
  const kept = parsed.filter(
    (a) =>
      !parsed.some(
        (b) =>
          b.c !== a.c &&
          b.p[0].kind() === a.p[0].kind() &&
          b.p[1] <= a.p[1] &&
          a.p[0].match(b.p as [ipaddr.IPv4, number] & [ipaddr.IPv6, number]),
      ),
  );
  return kept.map((k) => k.c).sort();
}

function portExpr(p: HostModel["inbound"][number]["port"]): string {
  return typeof p === "number" ? String(p) : `${p.from}-${p.to}`;
}

/** nft comments hold at most 128 bytes: cut by UTF-8 bytes at a character boundary (a cut by characters can
 * leave a multi-byte description over the limit, and `nft -c` refuses the ruleset). */
export const NFT_COMMENT_MAX_BYTES = 128;
export function nftComment(text: string): string {
  const clean = text
    .replace(/"/g, "'")
    .replace(/\\/g, "/")
    .replace(/[\u0000-\u001f\u007f]/g, " ");
  const bytes = Buffer.from(clean, "utf8");
  if (bytes.length <= NFT_COMMENT_MAX_BYTES) return clean;
  let end = NFT_COMMENT_MAX_BYTES;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // never split a character
  return bytes.subarray(0, end).toString("utf8");
}

/**
 * Destinations HTTP(S) may not reach without a declared flow: the exposure model's internal ranges, plus every
 * other special-purpose range (ipaddr.js), since egress fails closed the other way round: only routable public
 * unicast is "the internet" a host may fetch updates from.
 */
// ipaddr.js's own table of special ranges (what its range() reads); not in its type declarations.
const specialRanges = (k: typeof ipaddr.IPv4 | typeof ipaddr.IPv6) =>
  (k.prototype as unknown as { SpecialRanges: Record<string, unknown> }).SpecialRanges;
export function nonPublicCidrs(): { v4: string[]; v6: string[] } {
  const pick = (ranges: Record<string, unknown>, names: string[]) =>
    names.flatMap((n) => {
      const r = ranges[n] as [ipaddr.IPv4 | ipaddr.IPv6, number] | [ipaddr.IPv4 | ipaddr.IPv6, number][];
      return (Array.isArray(r[0]) ? (r as [ipaddr.IPv4, number][]) : [r as [ipaddr.IPv4, number]]).map(
        ([a, l]) => `${a.toString()}/${l}`,
      );
    });
  // NAT64 (64:ff9b::/96) stays public: IPv6-only subnets reach the internet through it.
  const v4 = pick(specialRanges(ipaddr.IPv4), [
    "unspecified",
    "broadcast",
    "multicast",
    "linkLocal",
    "loopback",
    "carrierGradeNat",
    "private",
    "reserved",
  ]);
  const v6 = pick(specialRanges(ipaddr.IPv6), [
    "unspecified",
    "linkLocal",
    "multicast",
    "loopback",
    "uniqueLocal",
    "ipv4Mapped",
    "deprecatedSiteLocal",
    "discard",
    "rfc6145",
    "reserved",
    "segmentRouting",
  ]);
  const internal = (v6: boolean) => INTERNAL_RANGES.filter((c) => c.includes(":") === v6);
  return { v4: collapseCidrs([...internal(false), ...v4]), v6: collapseCidrs([...internal(true), ...v6]) };
}

/** Where apply writes the addresses it finds on the host (resolvers, log collector, IDS manager) as set elements. */
export const EGRESS_NFT = "/etc/bulwark/nft.d/egress.nft";

/** Rules of the output chain (restricted egress): the `output` chain's body after its hook line. */
function egressRules(m: HostModel): string[] {
  // Terse on purpose (no comments but the flows'): the ruleset travels verbatim in the 16 KiB user data.
  const rule = (family: 4 | 6, dst: string, l4: string, note = "") =>
    `\t\t${family === 4 ? "ip" : "ip6"} daddr ${dst} ${l4} accept${note && ` comment ${JSON.stringify(note)}`}`;
  const both = (set: string, l4: string) => [rule(4, `@${set}_v4`, l4), rule(6, `@${set}_v6`, l4)];
  const flows = m.egress.flows.flatMap((f) => {
    const l4 = `${f.protocol} dport ${portExpr(f.port)}`;
    const note = f.description.replace(/"/g, "'").slice(0, 120);
    const to4 = collapseCidrs(f.to).filter((c) => !c.includes(":"));
    const to6 = collapseCidrs(f.to).filter((c) => c.includes(":"));
    return [
      ...(to4.length ? [rule(4, `{ ${to4.join(", ")} }`, l4, note)] : []),
      ...(to6.length ? [rule(6, `{ ${to6.join(", ")} }`, l4, note)] : []),
    ];
  });
  return [
    "\t\tct state established,related accept",
    // A session opened before conntrack tracked anything (the first apply over SSH) is picked up mid-stream as
    // new: sshd's own output to the management sources is accepted as such, so that session is never cut.
    `\t\tip daddr @mgmt_v4 tcp sport ${m.ssh.port} accept`,
    `\t\tip6 daddr @mgmt_v6 tcp sport ${m.ssh.port} accept`,
    "\t\tct state invalid drop",
    '\t\toif "lo" accept',
    "\t\ticmp type { destination-unreachable, time-exceeded, parameter-problem } accept",
    "\t\ticmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem, nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld2-listener-report } accept",
    "\t\tudp dport { 67, 547 } accept", // DHCP, DHCPv6
    ...both("dns", "meta l4proto { tcp, udp } th dport 53"),
    // EC2 instance metadata and Amazon Time Sync; NTP, HTTP and HTTPS to public addresses.
    "\t\tip daddr . meta l4proto . th dport { 169.254.169.254 . tcp . 80, 169.254.169.123 . udp . 123 } accept",
    "\t\tip daddr != @nonpublic_v4 meta l4proto . th dport { udp . 123, tcp . 80, tcp . 443 } accept",
    "\t\tip6 daddr != @nonpublic_v6 meta l4proto . th dport { udp . 123, tcp . 80, tcp . 443 } accept",
    ...(m.logs.kind === "rsyslog-tls" ? both("logs", `tcp dport ${m.logs.port}`) : []),
    ...(m.ids.kind === "wazuh" ? both("ids", `tcp dport { ${m.ids.managerPort}, ${m.ids.registrationPort} }`) : []),
    ...flows,
    '\t\tlimit rate 6/minute log prefix "bulwark-egress-drop: "',
  ];
}

/** nftables: default-drop input and forward for v4+v6 in one inet table, replaced atomically. */
export function renderNftables(m: HostModel): string {
  const v4 = (xs: string[]) => collapseCidrs(xs).filter((c) => !c.includes(":"));
  const v6 = (xs: string[]) => collapseCidrs(xs).filter((c) => c.includes(":"));
  const open = m.egress.mode === "open";
  const mgmt4 = v4(m.ssh.managementSources);
  const mgmt6 = v6(m.ssh.managementSources);
  const set = (name: string, type: string, els: string[]) => [
    `\tset ${name} {`,
    `\t\ttype ${type}`,
    "\t\tflags interval",
    "\t\tauto-merge",
    ...(els.length ? [`\t\telements = { ${els.join(", ")} }`] : []),
    "\t}",
  ];
  const rules: string[] = [];
  for (const r of m.inbound) {
    const dport = `${r.protocol} dport ${portExpr(r.port)}`;
    const note = r.description ? ` comment ${JSON.stringify(nftComment(r.description))}` : "";
    const s4 = v4(r.sources);
    const s6 = v6(r.sources);
    if (s4.includes("0.0.0.0/0")) rules.push(`\t\tmeta nfproto ipv4 ${dport} accept${note}`);
    else if (s4.length) rules.push(`\t\tip saddr { ${s4.join(", ")} } ${dport} accept${note}`);
    if (s6.includes("::/0")) rules.push(`\t\tmeta nfproto ipv6 ${dport} accept${note}`);
    else if (s6.length) rules.push(`\t\tip6 saddr { ${s6.join(", ")} } ${dport} accept${note}`);
  }
  return [
    "#!/usr/sbin/nft -f",
    `# Bulwark host firewall, role ${m.role} (CIS U22 4.2.x / AL 3.4.x). Generated: edits are overwritten.`,
    "# Replaces only table inet bulwark, in one transaction; fail2ban's own table is left alone.",
    "# Protocols are keywords or numbers: minimal images have no /etc/protocols.",
    "table inet bulwark",
    "delete table inet bulwark",
    "table inet bulwark {",
    ...set("mgmt_v4", "ipv4_addr", mgmt4),
    ...set("mgmt_v6", "ipv6_addr", mgmt6),
    "\tchain input {",
    "\t\ttype filter hook input priority filter; policy drop;",
    '\t\tct state established,related accept comment "keeps running sessions, including the one applying this"',
    "\t\tct state invalid drop",
    '\t\tiif "lo" accept',
    "\t\tip saddr 127.0.0.0/8 drop",
    "\t\tip6 saddr ::1 drop",
    "\t\ticmp type { echo-request, destination-unreachable, time-exceeded, parameter-problem } limit rate 10/second accept",
    "\t\ticmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem, echo-request, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept",
    `\t\tip saddr @mgmt_v4 tcp dport ${m.ssh.port} accept comment "management SSH"`,
    `\t\tip6 saddr @mgmt_v6 tcp dport ${m.ssh.port} accept comment "management SSH"`,
    ...rules,
    "\t}",
    "\tchain forward {",
    "\t\ttype filter hook forward priority filter; policy drop;",
    "\t}",
    ...(open
      ? []
      : [
          // One line per set: the user data is limited to 16 KiB.
          `\tset nonpublic_v4 { type ipv4_addr; flags interval; auto-merge; elements = { ${nonPublicCidrs().v4.join(", ")} }; }`,
          `\tset nonpublic_v6 { type ipv6_addr; flags interval; auto-merge; elements = { ${nonPublicCidrs().v6.join(", ")} }; }`,
          ...[
            "dns",
            ...(m.logs.kind === "rsyslog-tls" ? ["logs"] : []),
            ...(m.ids.kind === "wazuh" ? ["ids"] : []),
          ].flatMap((n) => [4, 6].map((f) => `\tset ${n}_v${f} { type ipv${f}_addr; flags interval; auto-merge; }`)),
        ]),
    "\tchain output {",
    `\t\ttype filter hook output priority filter; policy ${open ? "accept" : "drop"};`,
    ...(open ? [] : egressRules(m)),
    "\t}",
    "}",
    // Set elements found by apply (a glob: no file, no error). Loaded in the same transaction as the table.
    ...(open ? [] : [`include "${path.dirname(EGRESS_NFT)}/*.nft"`]),
    "",
  ].join("\n");
}

export function renderSshdConfig(settings: SshSetting[], os: HostOs): string {
  return [
    `# Bulwark sshd_config for ${os} (dev-sec ssh-baseline parity, crypto profile bulwark-strict). Generated.`,
    "# sshd keeps the FIRST value it reads: every hardened value is stated here, before the Include, so a",
    "# cloud-init or vendor drop-in cannot override it.",
    ...settings.flatMap((s) => [`# ${s.anchor}`, `${s.key} ${s.value}`]),
    "AuthorizedKeysFile /etc/ssh/authorized_keys/%u",
    "Subsystem sftp internal-sftp -l INFO -f LOCAL6 -u 0027",
    "Include /etc/ssh/sshd_config.d/*.conf",
    "",
  ].join("\n");
}

/** What `sshd -T` prints for each setting (lower-cased key, multi-valued keys joined by commas). */
export function sshEffective(settings: SshSetting[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of settings) {
    const k = s.key.toLowerCase();
    if (s.effective === null) continue;
    const v = s.effective ?? s.value;
    const prev = out.get(k);
    out.set(k, prev === undefined ? v : `${prev},${v}`);
  }
  out.set("authorizedkeysfile", "/etc/ssh/authorized_keys/%u");
  return out;
}

const SSHD_T_CASE: Record<string, (v: string) => string> = {
  syslogfacility: (v) => v.toUpperCase(),
  loglevel: (v) => v.toUpperCase(),
};

function auditRulesFile(): string {
  return ["## Bulwark CIS audit rules (U22 6.3.3.x / AL 5.2.3.x). Generated.", ...AUDIT_RULES, ""].join("\n");
}

function aideConf(): string {
  return [
    "# Bulwark AIDE policy (U22 6.1.1-6.1.3): system binaries, audit tools and configuration. Generated.",
    `database_in=file:${AIDE_DB}`,
    `database_out=file:${AIDE_DB}.new`,
    "gzip_dbout=no",
    "report_url=stdout",
    "Bulwark = p+i+n+u+g+s+m+c+sha512",
    "/etc Bulwark",
    "!/etc/mtab$",
    "!/etc/adjtime$",
    "!/etc/resolv.conf$",
    "!/etc/ld.so.cache$",
    "!/etc/machine-id$",
    "!/etc/\\.pwd\\.lock$",
    "!/etc/audit/audit.rules.prev$",
    "/usr/bin Bulwark",
    "/usr/sbin Bulwark",
    "/usr/local/bin Bulwark",
    "/usr/local/sbin Bulwark",
    "",
  ].join("\n");
}

function unattended(m: HostModel, p: OsProfile): BundleFile[] {
  const on = m.patch.automatic ? "1" : "0";
  const origins = [p.securityOrigin!];
  if (!m.patch.securityOnly)
    origins.push(p.securityOrigin!.replace("-security", "-updates").replace(",label=Debian-Security", ""));
  return [
    {
      path: "/etc/apt/apt.conf.d/20auto-upgrades",
      content: `// Bulwark patch policy (U22 1.2.2.1). Generated.\nAPT::Periodic::Update-Package-Lists "${on}";\nAPT::Periodic::Unattended-Upgrade "${on}";\n`,
      mode: 0o644,
    },
    {
      path: "/etc/apt/apt.conf.d/52bulwark-unattended-upgrades",
      content: [
        "// Bulwark patch policy: security updates install unattended. Generated.",
        "Unattended-Upgrade::Origins-Pattern {",
        ...origins.map((o) => `        "${o}";`),
        "};",
        `Unattended-Upgrade::Automatic-Reboot "${m.patch.rebootAt ? "true" : "false"}";`,
        ...(m.patch.rebootAt ? [`Unattended-Upgrade::Automatic-Reboot-Time "${m.patch.rebootAt}";`] : []),
        'Unattended-Upgrade::Remove-Unused-Dependencies "true";',
        "",
      ].join("\n"),
      mode: 0o644,
    },
  ];
}

function dnfAutomatic(m: HostModel): BundleFile {
  return {
    path: "/etc/dnf/automatic.conf",
    content: [
      "# Bulwark patch policy (AL 1.8). Generated.",
      "[commands]",
      `upgrade_type = ${m.patch.securityOnly ? "security" : "default"}`,
      "random_sleep = 600",
      "download_updates = yes",
      `apply_updates = ${m.patch.automatic ? "yes" : "no"}`,
      `reboot = ${m.patch.rebootAt ? "when-needed" : "never"}`,
      "[emitters]",
      "emit_via = stdio",
      "[base]",
      "debuglevel = 1",
      "",
    ].join("\n"),
    mode: 0o644,
  };
}

function logFiles(m: HostModel, p: OsProfile): BundleFile[] {
  const logs = m.logs;
  if (logs.kind === "rsyslog-tls") {
    const peer = logs.permittedPeer ?? logs.target;
    return [
      { path: "/etc/bulwark/rsyslog-ca.pem", content: logs.caPem.trim() + "\n", mode: 0o644 },
      {
        path: "/etc/rsyslog.d/60-bulwark-forward.conf",
        content: [
          "# Bulwark: forward auth, audit, fail2ban and IDS logs to the collector over TLS (AL 5.1.1.6; U22 6.2.x).",
          'global(DefaultNetstreamDriverCAFile="/etc/bulwark/rsyslog-ca.pem")',
          'module(load="imfile")',
          'input(type="imfile" File="/var/log/audit/audit.log" Tag="auditd:" Facility="local6")',
          'input(type="imfile" File="/var/log/fail2ban.log" Tag="fail2ban:" Facility="local6")',
          'input(type="imfile" File="/var/log/sudo.log" Tag="sudo:" Facility="authpriv")',
          ...(m.ids.kind === "wazuh"
            ? ['input(type="imfile" File="/var/ossec/logs/ossec.log" Tag="wazuh:" Facility="local6")']
            : []),
          ...(m.ids.kind === "suricata"
            ? ['input(type="imfile" File="/var/log/suricata/fast.log" Tag="suricata:" Facility="local6")']
            : []),
          `action(type="omfwd" target="${logs.target}" port="${logs.port}" protocol="tcp"`,
          '       StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name"',
          `       StreamDriverPermittedPeers="${peer}"`,
          '       queue.type="LinkedList" queue.filename="bulwark_fwd" queue.maxDiskSpace="256m"',
          '       queue.saveOnShutdown="on" action.resumeRetryCount="-1")',
          "",
        ].join("\n"),
        mode: 0o644,
      },
    ];
  }
  const prefix = logs.logGroupPrefix.replace(/\/$/, "");
  const authLog = p.family === "debian" ? "/var/log/auth.log" : "/var/log/secure";
  const collect = [
    { file_path: authLog, log_group_name: `${prefix}/auth` },
    { file_path: "/var/log/audit/audit.log", log_group_name: `${prefix}/audit` },
    { file_path: "/var/log/fail2ban.log", log_group_name: `${prefix}/fail2ban` },
    { file_path: "/var/log/sudo.log", log_group_name: `${prefix}/sudo` },
    ...(m.ids.kind === "wazuh" ? [{ file_path: "/var/ossec/logs/ossec.log", log_group_name: `${prefix}/ids` }] : []),
    ...(m.ids.kind === "suricata"
      ? [{ file_path: "/var/log/suricata/eve.json", log_group_name: `${prefix}/ids` }]
      : []),
  ].map((c) => ({ ...c, log_stream_name: "{instance_id}", retention_in_days: 365 }));
  const cfg = {
    agent: { run_as_user: "root", ...(logs.region ? { region: logs.region } : {}) },
    logs: { logs_collected: { files: { collect_list: collect } } },
  };
  return [
    {
      path: "/opt/aws/amazon-cloudwatch-agent/etc/bulwark.json",
      content: JSON.stringify(cfg, null, 2) + "\n",
      mode: 0o644,
    },
  ];
}

const HOOK_HEADER =
  "#!/usr/bin/env bash\n# Generated by Bulwark; run by apply with BUNDLE_DIR set. Prints `changed: X` for each change.\nset -euo pipefail\n";

function wazuhHook(m: HostModel, p: OsProfile): string {
  if (m.ids.kind !== "wazuh") return "";
  const w = m.ids;
  const pin = version(w.version);
  const install =
    p.family === "debian"
      ? `  curl -fsSL https://packages.wazuh.com/key/GPG-KEY-WAZUH -o /tmp/wazuh.key
  gpg --show-keys --with-colons /tmp/wazuh.key | grep -q '^fpr:::::::::${AGENT_KEYS.wazuh}:' || { echo "Wazuh key fingerprint mismatch" >&2; exit 1; }
  gpg --dearmor </tmp/wazuh.key >/usr/share/keyrings/wazuh.gpg
  echo "deb [signed-by=/usr/share/keyrings/wazuh.gpg] https://packages.wazuh.com/4.x/apt/ stable main" >/etc/apt/sources.list.d/wazuh.list
  apt-get update -qq
  WAZUH_MANAGER=${q(w.manager)} DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wazuh-agent${pin ? `=${pin}` : ""}
  apt-mark hold wazuh-agent >/dev/null`
      : `  rpm --import https://packages.wazuh.com/key/GPG-KEY-WAZUH
  rpm -q gpg-pubkey --qf '%{VERSION}\\n' | grep -qi '${AGENT_KEYS.wazuh.slice(-8)}' || { echo "Wazuh key fingerprint mismatch" >&2; exit 1; }
  printf '[wazuh]\\nname=Wazuh\\nbaseurl=https://packages.wazuh.com/4.x/yum/\\ngpgcheck=1\\nenabled=1\\n' >/etc/yum.repos.d/wazuh.repo
  WAZUH_MANAGER=${q(w.manager)} dnf install -y -q wazuh-agent${pin ? `-${pin}` : ""}
  dnf versionlock add wazuh-agent >/dev/null 2>&1 || true`;
  return `${HOOK_HEADER}# Wazuh agent: installed from the pinned-key repository, pointed at the configured manager.
# The enrolment password is NOT here: bulwark-wazuh-enrol.service fetches it from SSM at boot.
if [ ! -x /var/ossec/bin/wazuh-control ]; then
${install}
  echo "changed: wazuh-agent installed"
fi
conf=/var/ossec/etc/ossec.conf
if ! grep -q '<address>${w.manager}</address>' "$conf"; then
  sed -i 's|<address>[^<]*</address>|<address>${w.manager}</address>|; s|<port>1514</port>|<port>${w.managerPort}</port>|' "$conf"
  echo "changed: $conf manager"
fi
`;
}

function version(v?: string): string {
  return v ?? "";
}

function wazuhFiles(m: HostModel): BundleFile[] {
  if (m.ids.kind !== "wazuh") return [];
  const w = m.ids;
  return [
    {
      path: "/etc/bulwark/wazuh.env",
      content: [
        "# Where the enrolment secret lives (a name, never the secret).",
        `WAZUH_MANAGER=${w.manager}`,
        `WAZUH_REGISTRATION_PORT=${w.registrationPort}`,
        `WAZUH_ENROLMENT_PARAMETER=${w.enrolmentSecretParameter}`,
        `WAZUH_AGENT_GROUPS=${w.agentGroups.join(",")}`,
        `AWS_REGION=${w.region ?? ""}`,
        "",
      ].join("\n"),
      mode: 0o644,
    },
    {
      path: "/usr/local/sbin/bulwark-wazuh-enrol",
      content: `#!/usr/bin/env bash
# Fetches the Wazuh enrolment password from SSM Parameter Store (SecureString, decrypted with the instance role)
# into authd.pass for the agent's first enrolment. The secret never appears in user data, state or logs.
set -euo pipefail
# shellcheck disable=SC1091
. /etc/bulwark/wazuh.env
umask 077
region=()
[ -z "$AWS_REGION" ] || region=(--region "$AWS_REGION")
secret=$(aws ssm get-parameter --name "$WAZUH_ENROLMENT_PARAMETER" --with-decryption "\${region[@]}" --query Parameter.Value --output text)
[ -n "$secret" ] || { echo "empty enrolment secret in $WAZUH_ENROLMENT_PARAMETER" >&2; exit 1; }
printf '%s' "$secret" >/var/ossec/etc/authd.pass.new
chown root:wazuh /var/ossec/etc/authd.pass.new
chmod 0640 /var/ossec/etc/authd.pass.new
mv -f /var/ossec/etc/authd.pass.new /var/ossec/etc/authd.pass
`,
      mode: 0o750,
    },
    {
      path: "/etc/systemd/system/bulwark-wazuh-enrol.service",
      content: `[Unit]
Description=Bulwark: fetch the Wazuh enrolment secret from SSM Parameter Store
Before=wazuh-agent.service
Wants=network-online.target
After=network-online.target
ConditionPathExists=!/var/ossec/etc/client.keys.enrolled

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/bulwark-wazuh-enrol
Restart=on-failure
RestartSec=30

[Install]
RequiredBy=wazuh-agent.service
`,
      mode: 0o644,
    },
  ];
}

function cloudwatchHook(m: HostModel, p: OsProfile): string {
  if (m.logs.kind !== "cloudwatch") return "";
  const distro = p.family === "amazon" ? "" : p.distroName === "Ubuntu" ? "ubuntu" : "debian";
  const install =
    p.family === "amazon"
      ? "  dnf install -y -q amazon-cloudwatch-agent"
      : `  base=https://amazoncloudwatch-agent.s3.amazonaws.com/${distro}/amd64/latest
  tmp=$(mktemp -d)
  curl -fsSL "$base/amazon-cloudwatch-agent.deb" -o "$tmp/agent.deb"
  curl -fsSL "$base/amazon-cloudwatch-agent.deb.sig" -o "$tmp/agent.deb.sig"
  curl -fsSL https://amazoncloudwatch-agent.s3.amazonaws.com/assets/amazon-cloudwatch-agent.gpg -o "$tmp/key.gpg"
  gpg --show-keys --with-colons "$tmp/key.gpg" | grep -q '^fpr:::::::::${AGENT_KEYS.cloudwatch}:' || { echo "CloudWatch agent key fingerprint mismatch" >&2; exit 1; }
  gpg --dearmor <"$tmp/key.gpg" >"$tmp/key.kbx"
  gpgv --keyring "$tmp/key.kbx" "$tmp/agent.deb.sig" "$tmp/agent.deb"
  dpkg -i "$tmp/agent.deb" >/dev/null`;
  return `${HOOK_HEADER}# CloudWatch agent (EC2): ships auth, audit, fail2ban, sudo and IDS logs.
if [ ! -x /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl ]; then
${install}
  echo "changed: amazon-cloudwatch-agent installed"
fi
if [ -d /run/systemd/system ]; then
  /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \\
    -c file:/opt/aws/amazon-cloudwatch-agent/etc/bulwark.json >/dev/null
fi
`;
}

function suricataHook(m: HostModel, p: OsProfile): string {
  if (m.ids.kind !== "suricata") return "";
  const iface = m.ids.interface;
  return `${HOOK_HEADER}# Suricata IDS on the host's interface (alerts to /var/log/suricata, shipped by the log forwarder).
${p.family === "debian" ? "[ \"$(dpkg-query -W -f='${Status}' suricata 2>/dev/null)\" = 'install ok installed' ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq suricata >/dev/null; echo 'changed: suricata installed'; }" : "rpm -q suricata >/dev/null 2>&1 || { dnf install -y -q suricata; echo 'changed: suricata installed'; }"}
${iface ? `if [ -f /etc/default/suricata ] && ! grep -qx 'IFACE=${iface}' /etc/default/suricata; then sed -i 's/^IFACE=.*/IFACE=${iface}/' /etc/default/suricata; echo 'changed: suricata interface'; fi` : ""}
suricata -T -c /etc/suricata/suricata.yaml >/dev/null
`;
}

function bundleEnv(m: HostModel, os: HostOs, p: OsProfile, settings: SshSetting[]): string {
  const effMap = new Map([...sshEffective(settings)].map(([k, v]) => [k, (SSHD_T_CASE[k] ?? ((x: string) => x))(v)]));
  const fileFirst = new Map<string, string>();
  for (const s of settings) fileFirst.set(s.key, fileFirst.has(s.key) ? `${fileFirst.get(s.key)},${s.value}` : s.value);
  const ids = m.ids;
  const enable = [
    "nftables.service",
    "fail2ban.service",
    "auditd.service",
    `${p.sshUnit}.service`,
    "rsyslog.service",
    "bulwark-aide-check.timer",
    ...(p.family === "debian" ? ["apt-daily.timer", "apt-daily-upgrade.timer"] : ["dnf-automatic.timer"]),
    ...(ids.kind === "wazuh" ? ["wazuh-agent.service", "bulwark-wazuh-enrol.service"] : []),
    ...(ids.kind === "suricata" ? ["suricata.service"] : []),
    ...(m.logs.kind === "cloudwatch" ? ["amazon-cloudwatch-agent.service"] : []),
  ];
  // dev-sec (issue #763): ssh.socket ignores sshd_config's MaxStartups/ListenAddress; run ssh.service instead.
  // ssh.socket is masked by apply's SSH step (scripts/ssh-switch.sh): live, it must hand port 22 over first.
  const mask = ["dailyaidecheck.timer"];
  const start = [
    "bulwark-aide-check.timer",
    ...(p.family === "debian" ? ["apt-daily.timer", "apt-daily-upgrade.timer"] : ["dnf-automatic.timer"]),
    ...(ids.kind === "wazuh" ? ["wazuh-agent.service"] : []),
    ...(ids.kind === "suricata" ? ["suricata.service"] : []),
  ];
  const allowedTcp = [
    m.ssh.port,
    ...m.inbound
      .filter((r) => r.protocol === "tcp")
      .flatMap((r) => {
        if (typeof r.port === "number") return [r.port];
        const out: number[] = [];
        for (let x = r.port.from; x <= r.port.to && out.length < 2048; x++) out.push(x);
        return out;
      }),
  ];
  if (m.mysql) allowedTcp.push(m.mysql.port);
  const waiver = (w?: { reason: string; approver: string; expires: string }) =>
    w ? `${w.reason}|${w.approver}|${w.expires}` : "";
  const lines = [
    "# Bulwark host bundle settings, sourced by apply and verify. Generated from the host model: do not edit.",
    "# shellcheck shell=bash disable=SC2034,SC2016 # literal values, read by the scripts that source this",
    `BULWARK_OS=${q(os)}`,
    `EXPECT_OS_RELEASE=${q(p.osRelease)}`,
    `FAMILY=${q(p.family)}`,
    `PACKAGES=${q(packages(m, os, p).join(" "))}`,
    `FORBIDDEN_PACKAGES=${q((p.family === "debian" ? FORBIDDEN_PACKAGES.deb : FORBIDDEN_PACKAGES.rpm).join(" "))}`,
    `MIN_VERSIONS=${q((p.minVersions ?? []).join(" "))}`,
    `ADMIN_GROUP=${q(m.adminGroup)}`,
    `ADMINS=${q(m.admins.map((a) => a.name).join(" "))}`,
    `SESSION_USER=${q(m.sessionUser ?? "")}`,
    `AUTHORIZED_KEYS_SHA=${q(m.admins.map((a) => `${a.name}:${sha256(authorizedKeys(a.sshKeys))}`).join(" "))}`,
    `SSH_UNIT=${q(p.sshUnit)}`,
    `SSH_PORT=${m.ssh.port}`,
    `SSH_SOCKET=${q(`${p.sshUnit}.socket`)}`,
    `SSH_KEY_GROUP=${q(p.sshKeyGroup)}`,
    `SSH_RSA_MIN_BITS=${SSH_CRYPTO.rsaMinBits}`,
    `SSH_MODULI_MIN_BITS=${SSH_CRYPTO.moduliMinBits}`,
    // verify reads the expected sshd values from the bundle's own sshd_config; these differ under `sshd -T`
    // (KEY|value as -T prints it, "-" when -T omits the key).
    `SSH_T_OVERRIDES=${arr(
      [...fileFirst].flatMap(([k, v]) => {
        const e = effMap.get(k.toLowerCase());
        return e === undefined ? [`${k}|-`] : e === v ? [] : [`${k}|${e}`];
      }),
    )}`,
    `NFT_CONF=${q(p.nftConf)}`,
    `FW_ROLLBACK_SECONDS=\${BULWARK_FW_ROLLBACK_SECONDS:-180}`,
    `ALLOWED_TCP=${q([...new Set(allowedTcp)].join(" "))}`,
    `EGRESS_MODE=${q(m.egress.mode)}`,
    `EGRESS_WAIVER=${q(m.egress.mode === "open" ? waiver(m.egress.waiver) : "")}`,
    `EGRESS_DNS=${q((m.egress.dns ?? []).join(" "))}`,
    `EGRESS_NFT=${q(EGRESS_NFT)}`,
    `EGRESS_LOG_HOST=${q(m.logs.kind === "rsyslog-tls" ? m.logs.target : "")}`,
    `EGRESS_IDS_HOST=${q(ids.kind === "wazuh" ? ids.manager : "")}`,
    `AUDITED_TOOLS=${q(AUDITED_TOOLS.map((t) => `${t.path}:${t.key}`).join(" "))}`,
    `AUDIT_RULE_COUNT=${AUDIT_RULES.filter((r) => /^-[aw] /.test(r)).length}`,
    `AUDITD_CONF=${arr(AUDITD_CONF.map((c) => `${c.key} ${c.value}`))}`,
    `LOGIN_DEFS=${arr(loginDefs(p.family === "amazon").map((c) => `${c.key} ${c.value}`))}`,
    `SHADOW_MODE=${q(p.shadowMode)}`,
    `SHADOW_GROUP=${q(p.shadowGroup)}`,
    `UNUSED_UNITS=${q(UNUSED_UNITS.join(" "))}`,
    `MASK_UNITS=${q(mask.join(" "))}`,
    `ENABLE_UNITS=${q(enable.join(" "))}`,
    `START_UNITS=${q(start.join(" "))}`,
    `LOG_RESTART_UNIT=${q(m.logs.kind === "rsyslog-tls" ? "rsyslog" : "")}`,
    `AIDE_BIN=${q(p.aideBin)}`,
    `AIDE_CONF=${q(AIDE_CONF)}`,
    `AIDE_DB=${q(AIDE_DB)}`,
    `PATCH_WAIVER=${q(m.patch.automatic ? "" : waiver(m.patch.waiver))}`,
    `ACCOUNTS_MODE=${q(m.accounts.undeclared)}`,
    `ACCOUNTS_KEEP=${arr(m.accounts.keep.map((k) => `${k.name}|${waiver(k.waiver)}`))}`,
    `PRIV_GROUPS=${q(["sudo", "wheel", "admin", m.adminGroup].join(" "))}`,
    `FIRST_UPDATES_WAIVER=${q(m.updates.installOnFirstApply ? "" : waiver(m.updates.waiver))}`,
    `SECURITY_ORIGIN=${q(p.securityOrigin ?? "")}`,
    `IDS_KIND=${q(ids.kind)}`,
    `IDS_WAIVER=${q(ids.kind === "none" ? waiver(ids.waiver) : "")}`,
    `WAZUH_MANAGER=${q(ids.kind === "wazuh" ? ids.manager : "")}`,
    `LOG_KIND=${q(m.logs.kind)}`,
    `LOG_TARGET=${q(m.logs.kind === "rsyslog-tls" ? m.logs.target : m.logs.logGroupPrefix)}`,
    "anchor() {",
    '  case "$1" in',
    ...Object.entries(HOST_CONTROLS).map(([id, c]) => `    ${id}) echo ${q(c.anchors)} ;;`),
    "    *) echo custom ;;",
    "  esac",
    "}",
    "",
  ];
  return lines.join("\n");
}

function packages(m: HostModel, os: HostOs, p: OsProfile): string[] {
  const out = [...p.packages];
  if (m.logs.kind === "rsyslog-tls") out.push("rsyslog-gnutls");
  if (m.mysql)
    out.push(
      p.family === "amazon" ? "mariadb105-server" : m.mysql.flavor === "mysql" ? "mysql-server" : "mariadb-server",
    );
  void os;
  return out;
}

function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

function authorizedKeys(keys: string[]): string {
  return keys.map((k) => k.trim()).join("\n") + "\n";
}

const SCRIPTS_DIR = path.join(__dirname, "scripts");
/** The static script bodies, without their comment-only lines (the commented source is in the repo; EC2 user
 * data is limited to 16 KiB). */
const staticBody = (name: string): string =>
  stripShellCommentLines(fs.readFileSync(path.join(SCRIPTS_DIR, `${name}.sh`), "utf8"));
/** One concern per file (functions only): apply's own are part of it, shared ones ship once as lib/<name>.sh. */
const APPLY_CONCERNS = ["ssh-switch"];
const CONCERNS = ["mta", "accounts", "updates", "listeners"];
/** Shipped as lib/<name>.sh but sourced by apply at its own step, since sourcing it acts. */
const STEPS = ["egress"];

/** Renders the bundle for `os`. Accepts raw input (validated here) or an already parsed model. */
export function renderBundle(input: unknown, os: HostOs): HostBundle {
  const m = parseHostModel(input);
  const p = OS_PROFILES[os];
  if (!p)
    throw new HostConfigError("os", [`os = ${JSON.stringify(os)}: use one of ${Object.keys(OS_PROFILES).join(", ")}`]);
  if (m.ids.kind === "suricata" && os === "debian-12") {
    throw new HostConfigError("host config", [
      'ids.kind = "suricata": Debian 12 main has no suricata package; use kind wazuh (default), or put Suricata at the network edge',
    ]);
  }
  const settings = sshSettings({
    port: m.ssh.port,
    allowGroup: m.adminGroup,
    debianFamily: p.family === "debian",
    bastion: m.role === "bastion",
    requiredRsaSize: p.requiredRsaSize,
  });
  const files: BundleFile[] = [
    { path: "/etc/ssh/sshd_config", content: renderSshdConfig(settings, os), mode: 0o600 },
    ...m.admins.map((a) => ({
      path: `/etc/ssh/authorized_keys/${a.name}`,
      content: authorizedKeys(a.sshKeys),
      mode: 0o644,
    })),
    { path: p.nftConf, content: renderNftables(m), mode: 0o644 },
    {
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
    },
    {
      path: "/etc/sysctl.d/90-bulwark.conf",
      content: [
        "# Bulwark kernel/network hardening (dev-sec os-baseline). Generated.",
        ...SYSCTL.map((s) => `${s.key} = ${s.value}`),
        "",
      ].join("\n"),
      mode: 0o644,
    },
    { path: "/etc/audit/rules.d/50-bulwark.rules", content: auditRulesFile(), mode: 0o640 },
    {
      path: "/etc/audit/rules.d/99-bulwark-finalize.rules",
      content: "## U22 6.3.3.20: rules immutable until reboot\n-e 2\n",
      mode: 0o640,
    },
    { path: AIDE_CONF, content: aideConf(), mode: 0o600 },
    {
      path: "/etc/systemd/system/bulwark-aide-check.service",
      content: `[Unit]\nDescription=Bulwark AIDE integrity check (U22 6.1.2)\n\n[Service]\nType=oneshot\nNice=19\nIOSchedulingClass=idle\nExecStart=${p.aideBin} --config ${AIDE_CONF} --check\n`,
      mode: 0o644,
    },
    {
      path: "/etc/systemd/system/bulwark-aide-check.timer",
      content:
        "[Unit]\nDescription=Daily Bulwark AIDE check (U22 6.1.2)\n\n[Timer]\nOnCalendar=daily\nRandomizedDelaySec=1h\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n",
      mode: 0o644,
    },
    ...(p.family === "debian" ? unattended(m, p) : [dnfAutomatic(m)]),
    {
      path: "/etc/security/pwquality.conf.d/50-bulwark.conf",
      content: [
        "# Bulwark password quality (U22 5.3.3.2.x). Generated.",
        ...PWQUALITY.map((x) => (x.value ? `${x.key} = ${x.value}` : x.key)),
        "",
      ].join("\n"),
      mode: 0o644,
    },
    {
      path: "/etc/sudoers.d/50-bulwark",
      content: `# Bulwark: admins authenticate by SSH key only (no passwords exist), so sudo cannot ask for one;\n# every use is logged (U22 5.2.2, 5.2.3) and audited.\nDefaults use_pty\nDefaults logfile="/var/log/sudo.log"\n%${m.adminGroup} ALL=(ALL:ALL) NOPASSWD: ALL\n`,
      mode: 0o440,
    },
    {
      path: "/etc/security/limits.d/10-bulwark-core.conf",
      content: "# Bulwark: no core dumps (U22 1.5.x)\n* hard core 0\n",
      mode: 0o644,
    },
    {
      path: "/etc/systemd/coredump.conf.d/50-bulwark.conf",
      content: "[Coredump]\nStorage=none\nProcessSizeMax=0\n",
      mode: 0o644,
    },
    {
      path: "/etc/modprobe.d/bulwark.conf",
      content: [
        "# Bulwark: unused filesystems and protocols (LB os-10; U22 1.1.1.x, 3.2.x)",
        ...BLACKLISTED_MODULES.map((x) => `install ${x} /bin/false`),
        "",
      ].join("\n"),
      mode: 0o644,
    },
    ...(p.family === "amazon"
      ? [
          {
            path: "/etc/sysconfig/sshd",
            content:
              "# Bulwark: no system crypto policy override of sshd_config (AL 4.2.14; SB sshd-49)\nCRYPTO_POLICY=\n",
            mode: 0o644,
          },
        ]
      : []),
    ...logFiles(m, p),
    ...wazuhFiles(m),
  ];
  const hooks = [...CONCERNS, ...STEPS].map((c) => ({
    name: `${c}.sh`,
    content: fs.readFileSync(path.join(SCRIPTS_DIR, `${c}.sh`), "utf8"),
  }));
  const wz = wazuhHook(m, p);
  if (wz) hooks.push({ name: "10-wazuh.apply.sh", content: wz });
  const sur = suricataHook(m, p);
  if (sur) hooks.push({ name: "10-suricata.apply.sh", content: sur });
  const cw = cloudwatchHook(m, p);
  if (cw) hooks.push({ name: "20-cloudwatch.apply.sh", content: cw });
  if (m.mysql) {
    const my = renderMysqlHardening(m.mysql);
    for (const f of my.files)
      files.push({ path: f.path, content: f.content, mode: f.mode, owner: "root", group: "mysql" });
    hooks.push({ name: "50-mysql.apply.sh", content: my.apply });
    hooks.push({ name: "mysql.verify.sh", content: my.verify });
  }
  files.push({
    path: "/etc/bulwark/bundle.json",
    content: JSON.stringify({ os, role: m.role, controls: Object.keys(HOST_CONTROLS) }, null, 2) + "\n",
    mode: 0o644,
  });
  const env = bundleEnv(m, os, p, settings);
  const script = (kind: "apply" | "verify") =>
    [
      "#!/usr/bin/env bash",
      `# Bulwark host hardening: ${kind} for ${os}, role ${m.role}. Generated from the host model: do not edit.`,
      "# shellcheck disable=SC2317 # helpers are called indirectly",
      "set -euo pipefail",
      "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C",
      'BUNDLE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)',
      'BUNDLE_HASH=$(cat "$BUNDLE_DIR/BUNDLE_HASH" 2>/dev/null || echo unknown)',
      "# shellcheck source=bundle.env",
      '. "$BUNDLE_DIR/bundle.env"',
      "",
      ...CONCERNS.flatMap((c) => [`# shellcheck source=lib/${c}.sh`, `. "$BUNDLE_DIR/lib/${c}.sh"`]),
      "",
    ].join("\n") + [...(kind === "apply" ? APPLY_CONCERNS : []), kind].map(staticBody).join("\n");
  const apply = script("apply");
  const verify = script("verify");
  const partial: Omit<HostBundle, "hash"> = { os, model: m, files, apply, verify, env, hooks };
  return {
    ...partial,
    hash: sha256(JSON.stringify(bundleEntries({ ...partial, hash: "" }).filter((e) => e.rel !== "BUNDLE_HASH"))),
  };
}

/** The bundle directory's entries: `apply`, `verify`, `manifest`, `BUNDLE_HASH`, `lib/*`, `files/<abs path>`. */
export function bundleEntries(b: HostBundle): BundleEntry[] {
  const manifest = b.files
    .map((f) => `${(f.mode & 0o7777).toString(8).padStart(4, "0")} ${f.owner ?? "root"} ${f.group ?? "root"} ${f.path}`)
    .join("\n");
  return [
    { rel: "apply", content: b.apply, mode: 0o755 },
    { rel: "verify", content: b.verify, mode: 0o755 },
    { rel: "bundle.env", content: b.env, mode: 0o644 },
    { rel: "manifest", content: manifest + "\n", mode: 0o644 },
    { rel: "BUNDLE_HASH", content: b.hash + "\n", mode: 0o644 },
    ...b.hooks.map((h) => ({ rel: `lib/${h.name}`, content: h.content, mode: 0o755 })),
    ...b.files.map((f) => ({ rel: `files${f.path}`, content: f.content, mode: 0o600 })),
  ];
}

/** Writes the bundle directory (created 0700: it holds the host's security config). */
export function writeBundle(b: HostBundle, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  for (const e of bundleEntries(b)) {
    const p = path.join(dir, e.rel);
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 });
    fs.writeFileSync(p, e.content, { mode: e.mode });
    fs.chmodSync(p, e.mode);
    written.push(e.rel);
  }
  return written;
}

/** Lines spelled as comments that are directives: sudoers `#include`/`#includedir`, apt.conf `#clear`. */
const COMMENT_DIRECTIVE = /^#(include|includedir|clear)\b/;

/** Bundle entries that are bash/sh: the bundle's scripts, its sourced settings, hooks and files with a shell `#!`. */
export const isShellEntry = (e: BundleEntry) =>
  e.rel === "apply" ||
  e.rel === "verify" ||
  e.rel === "bundle.env" ||
  e.rel.startsWith("lib/") ||
  /^#!(\/usr\/bin\/env |\/bin\/|\/usr\/bin\/)(ba)?sh\n/.test(e.content);

/**
 * The user-data form of a bundle entry: comment-only lines are dropped, nothing else, so every control fits
 * EC2's 16 KiB (the commented bundle is what writeBundle and `bulwark host render` write, and BUNDLE_HASH names
 * that). Shell scripts go through stripShellCommentLines (heredoc bodies, shebang and `# shellcheck` directives
 * kept); config files keep their comment-spelled directives; other `#!` files (nft -f) stay verbatim.
 */
export function compactEntry(e: BundleEntry): BundleEntry {
  if (isShellEntry(e)) return { ...e, content: stripShellCommentLines(e.content) };
  if (!e.rel.startsWith("files/") || e.content.startsWith("#!")) return e;
  const kept = e.content.split("\n").filter((l) => !/^\s*#/.test(l) || COMMENT_DIRECTIVE.test(l));
  return { ...e, content: kept.join("\n") };
}

/**
 * EC2 user data: cloud-init writes the bundle to /opt/bulwark/bundle, then runs apply and verify at first boot
 * (a failing verify fails cloud-init's final stage and is in /var/log/cloud-init-output.log).
 * Holds no secret: the Wazuh enrolment password is fetched from SSM on the host.
 */
export function renderCloudInit(b: HostBundle): string {
  const doc = {
    users: [], // no image default user with passwordless sudo (see loader.ts)
    write_files: bundleEntries(b)
      .map(compactEntry)
      .map((e) => ({
        path: `${BUNDLE_ON_HOST}/${e.rel}`,
        permissions: `0${e.mode.toString(8)}`,
        owner: "root:root",
        content: e.content,
      })),
    runcmd: [[`${BUNDLE_ON_HOST}/apply`], [`${BUNDLE_ON_HOST}/verify`]],
  };
  return (
    `#cloud-config\n# Bulwark host bundle ${b.hash} for ${b.os}, role ${b.model.role}\n` +
    // Sequences not indented under their key: the same YAML, about 200 bytes less gzipped.
    YAML.stringify(doc, { lineWidth: 0, blockQuote: "literal", indentSeq: false })
  );
}

/**
 * The inline cloud-config gzipped (cloud-init detects gzip) and base64, for a seed with EC2's 16 KiB limit. The full
 * bundle has outgrown it: HardenedServer boots the loader instead (components/host/loader.ts).
 */
export function renderUserDataBase64(b: HostBundle): string {
  const gz = gzipSync(Buffer.from(renderCloudInit(b)), { level: 9 });
  if (gz.length > 16384) {
    throw new Error(
      `host bundle user data is ${gz.length} bytes gzipped; EC2 allows 16384: boot EC2 servers through the loader (renderLoaderUserData, components/host/loader.ts) and keep the inline bundle for NoCloud`,
    );
  }
  return gz.toString("base64");
}
