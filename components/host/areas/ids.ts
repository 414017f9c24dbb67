/**
 * Host IDS: the Wazuh agent (default), installed from its pinned-key repository and enrolled with a password
 * fetched from SSM at boot (never in user data or state), or Suricata on the host's interface.
 */
import { AGENT_KEYS } from "../host-controls";
import type { HostModel } from "../model";
import type { BundleFile } from "../render";
import { HOOK_HEADER, q } from "../sh";
import type { Family, OsProfile } from "../vars";

type Wazuh = Extract<HostModel["ids"], { kind: "wazuh" }>;

/** The agent's installation, by package manager (indented: it runs inside apply's `if`). */
const WAZUH_INSTALL: Record<Family, (w: Wazuh, pin: string) => string[]> = {
  debian: (w, pin) => [
    "  curl -fsSL https://packages.wazuh.com/key/GPG-KEY-WAZUH -o /tmp/wazuh.key",
    `  gpg --show-keys --with-colons /tmp/wazuh.key | grep -q '^fpr:::::::::${AGENT_KEYS.wazuh}:' ` +
      '|| { echo "Wazuh key fingerprint mismatch" >&2; exit 1; }',
    "  gpg --dearmor </tmp/wazuh.key >/usr/share/keyrings/wazuh.gpg",
    '  echo "deb [signed-by=/usr/share/keyrings/wazuh.gpg] https://packages.wazuh.com/4.x/apt/ stable main" ' +
      ">/etc/apt/sources.list.d/wazuh.list",
    "  apt-get update -qq",
    `  WAZUH_MANAGER=${q(w.manager)} DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ` +
      `wazuh-agent${pin ? `=${pin}` : ""}`,
    "  apt-mark hold wazuh-agent >/dev/null",
  ],
  amazon: (w, pin) => [
    "  rpm --import https://packages.wazuh.com/key/GPG-KEY-WAZUH",
    `  rpm -q gpg-pubkey --qf '%{VERSION}\\n' | grep -qi '${AGENT_KEYS.wazuh.slice(-8)}' ` +
      '|| { echo "Wazuh key fingerprint mismatch" >&2; exit 1; }',
    "  printf '[wazuh]\\nname=Wazuh\\nbaseurl=https://packages.wazuh.com/4.x/yum/\\ngpgcheck=1\\nenabled=1\\n' " +
      ">/etc/yum.repos.d/wazuh.repo",
    `  WAZUH_MANAGER=${q(w.manager)} dnf install -y -q wazuh-agent${pin ? `-${pin}` : ""}`,
    "  dnf versionlock add wazuh-agent >/dev/null 2>&1 || true",
  ],
};

export function wazuhHook(m: HostModel, p: OsProfile): string {
  if (m.ids.kind !== "wazuh") return "";
  const w = m.ids;
  const install = WAZUH_INSTALL[p.family](w, w.version ?? "").join("\n");
  return [
    `${HOOK_HEADER}# Wazuh agent: installed from the pinned-key repository, pointed at the configured manager.`,
    "# The enrolment password is NOT here: bulwark-wazuh-enrol.service fetches it from SSM at boot.",
    "if [ ! -x /var/ossec/bin/wazuh-control ]; then",
    install,
    '  echo "changed: wazuh-agent installed"',
    "fi",
    "conf=/var/ossec/etc/ossec.conf",
    `if ! grep -q '<address>${w.manager}</address>' "$conf"; then`,
    `  sed -i 's|<address>[^<]*</address>|<address>${w.manager}</address>|; ` +
      `s|<port>1514</port>|<port>${w.managerPort}</port>|' "$conf"`,
    '  echo "changed: $conf manager"',
    "fi",
    "",
  ].join("\n");
}

export function wazuhFiles(m: HostModel): BundleFile[] {
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
      content: [
        "#!/usr/bin/env bash",
        "# Fetches the Wazuh enrolment password from SSM Parameter Store (SecureString, decrypted with the " +
          "instance role)",
        "# into authd.pass for the agent's first enrolment. The secret never appears in user data, state or logs.",
        "set -euo pipefail",
        "# shellcheck disable=SC1091",
        ". /etc/bulwark/wazuh.env",
        "umask 077",
        "region=()",
        '[ -z "$AWS_REGION" ] || region=(--region "$AWS_REGION")',
        'secret=$(aws ssm get-parameter --name "$WAZUH_ENROLMENT_PARAMETER" --with-decryption "${region[@]}" ' +
          "--query Parameter.Value --output text)",
        '[ -n "$secret" ] || { echo "empty enrolment secret in $WAZUH_ENROLMENT_PARAMETER" >&2; exit 1; }',
        "printf '%s' \"$secret\" >/var/ossec/etc/authd.pass.new",
        "chown root:wazuh /var/ossec/etc/authd.pass.new",
        "chmod 0640 /var/ossec/etc/authd.pass.new",
        "mv -f /var/ossec/etc/authd.pass.new /var/ossec/etc/authd.pass",
        "",
      ].join("\n"),
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

/** Suricata's installation, by package manager. */
const SURICATA_INSTALL: Record<Family, string> = {
  debian:
    "[ \"$(dpkg-query -W -f='${Status}' suricata 2>/dev/null)\" = 'install ok installed' ] || " +
    "{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq suricata >/dev/null; " +
    "echo 'changed: suricata installed'; }",
  amazon: "rpm -q suricata >/dev/null 2>&1 || { dnf install -y -q suricata; echo 'changed: suricata installed'; }",
};

export function suricataHook(m: HostModel, p: OsProfile): string {
  if (m.ids.kind !== "suricata") return "";
  const iface = m.ids.interface;
  const setIface =
    `if [ -f /etc/default/suricata ] && ! grep -qx 'IFACE=${iface}' /etc/default/suricata; then ` +
    `sed -i 's/^IFACE=.*/IFACE=${iface}/' /etc/default/suricata; echo 'changed: suricata interface'; fi`;
  return [
    `${HOOK_HEADER}# Suricata IDS on the host's interface (alerts to /var/log/suricata, shipped by the log forwarder).`,
    SURICATA_INSTALL[p.family],
    iface ? setIface : "",
    "suricata -T -c /etc/suricata/suricata.yaml >/dev/null",
    "",
  ].join("\n");
}
