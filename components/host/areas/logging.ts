/** Log forwarding: rsyslog over TLS to an on-prem collector, or the CloudWatch agent on EC2. */
import { AGENT_KEYS } from "../host-controls";
import type { HostModel } from "../model";
import type { BundleFile } from "../render";
import { HOOK_HEADER } from "../sh";
import type { Family, OsProfile } from "../vars";

type RsyslogTls = Extract<HostModel["logs"], { kind: "rsyslog-tls" }>;
type CloudWatch = Extract<HostModel["logs"], { kind: "cloudwatch" }>;

function rsyslogFiles(m: HostModel, logs: RsyslogTls): BundleFile[] {
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

function cloudwatchFiles(m: HostModel, logs: CloudWatch, p: OsProfile): BundleFile[] {
  const prefix = logs.logGroupPrefix.replace(/\/$/, "");
  const collect = [
    { file_path: p.authLog, log_group_name: `${prefix}/auth` },
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

export function logFiles(m: HostModel, p: OsProfile): BundleFile[] {
  return m.logs.kind === "rsyslog-tls" ? rsyslogFiles(m, m.logs) : cloudwatchFiles(m, m.logs, p);
}

const S3 = "https://amazoncloudwatch-agent.s3.amazonaws.com";

/** The CloudWatch agent's installation, by package manager (indented: it runs inside the hook's `if`). */
const CLOUDWATCH_INSTALL: Record<Family, (p: OsProfile) => string[]> = {
  debian: (p) => [
    `  base=${S3}/${p.cloudwatchDebDistro}/amd64/latest`,
    "  tmp=$(mktemp -d)",
    '  curl -fsSL "$base/amazon-cloudwatch-agent.deb" -o "$tmp/agent.deb"',
    '  curl -fsSL "$base/amazon-cloudwatch-agent.deb.sig" -o "$tmp/agent.deb.sig"',
    `  curl -fsSL ${S3}/assets/amazon-cloudwatch-agent.gpg -o "$tmp/key.gpg"`,
    `  gpg --show-keys --with-colons "$tmp/key.gpg" | grep -q '^fpr:::::::::${AGENT_KEYS.cloudwatch}:' ` +
      '|| { echo "CloudWatch agent key fingerprint mismatch" >&2; exit 1; }',
    '  gpg --dearmor <"$tmp/key.gpg" >"$tmp/key.kbx"',
    '  gpgv --keyring "$tmp/key.kbx" "$tmp/agent.deb.sig" "$tmp/agent.deb"',
    '  dpkg -i "$tmp/agent.deb" >/dev/null',
  ],
  amazon: () => ["  dnf install -y -q amazon-cloudwatch-agent"],
};

export function cloudwatchHook(m: HostModel, p: OsProfile): string {
  if (m.logs.kind !== "cloudwatch") return "";
  return [
    `${HOOK_HEADER}# CloudWatch agent (EC2): ships auth, audit, fail2ban, sudo and IDS logs.`,
    "if [ ! -x /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl ]; then",
    ...CLOUDWATCH_INSTALL[p.family](p),
    '  echo "changed: amazon-cloudwatch-agent installed"',
    "fi",
    "if [ -d /run/systemd/system ]; then",
    "  /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \\",
    "    -c file:/opt/aws/amazon-cloudwatch-agent/etc/bulwark.json >/dev/null",
    "fi",
    "",
  ].join("\n");
}
