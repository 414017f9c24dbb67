/**
 * bundle.env: the settings apply and verify source, one line per value, generated from the host model, the OS
 * profile (vars/) and the control tables (host-controls.ts), so both scripts read what the renderers wrote.
 */
import { AIDE_CONF, AIDE_DB, AIDE_TIMER } from "./areas/aide";
import { authorizedKeys } from "./areas/admins";
import { EGRESS_NFT } from "./areas/egress";
import { SSHD_T_CASE, sshEffective } from "./areas/ssh";
import {
  AUDITD_CONF,
  AUDITED_TOOLS,
  AUDIT_RULES,
  FORBIDDEN_PACKAGES,
  HOST_CONTROLS,
  loginDefs,
  SSH_CRYPTO,
  UNUSED_UNITS,
  type SshSetting,
} from "./host-controls";
import type { HostModel, HostOs } from "./model";
import { arr, q, sha256 } from "./sh";
import type { OsProfile } from "./vars";

/** Packages apply installs: the OS's, plus what the model's choices need. */
function packages(m: HostModel, p: OsProfile): string[] {
  const out = [...p.packages];
  if (m.logs.kind === "rsyslog-tls") out.push("rsyslog-gnutls");
  if (m.mysql) out.push(p.mysqlServerPackage[m.mysql.flavor]);
  return out;
}

/** TCP ports the host may listen on: SSH, the inbound rules (ranges capped at 2048 ports) and MySQL. */
function allowedTcp(m: HostModel): number[] {
  const out = [
    m.ssh.port,
    ...m.inbound
      .filter((r) => r.protocol === "tcp")
      .flatMap((r) => {
        if (typeof r.port === "number") return [r.port];
        const ports: number[] = [];
        for (let x = r.port.from; x <= r.port.to && ports.length < 2048; x++) ports.push(x);
        return ports;
      }),
  ];
  if (m.mysql) out.push(m.mysql.port);
  return [...new Set(out)];
}

export function bundleEnv(m: HostModel, os: HostOs, p: OsProfile, settings: SshSetting[]): string {
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
    AIDE_TIMER,
    ...p.updateTimers,
    ...(ids.kind === "wazuh" ? ["wazuh-agent.service", "bulwark-wazuh-enrol.service"] : []),
    ...(ids.kind === "suricata" ? ["suricata.service"] : []),
    ...(m.logs.kind === "cloudwatch" ? ["amazon-cloudwatch-agent.service"] : []),
  ];
  // dev-sec (issue #763): ssh.socket ignores sshd_config's MaxStartups/ListenAddress; run ssh.service instead.
  // ssh.socket is masked by apply's SSH step (scripts/ssh-switch.sh): live, it must hand port 22 over first.
  const mask = ["dailyaidecheck.timer"];
  const start = [
    AIDE_TIMER,
    ...p.updateTimers,
    ...(ids.kind === "wazuh" ? ["wazuh-agent.service"] : []),
    ...(ids.kind === "suricata" ? ["suricata.service"] : []),
  ];
  const waiver = (w?: { reason: string; approver: string; expires: string }) =>
    w ? `${w.reason}|${w.approver}|${w.expires}` : "";
  const lines = [
    "# Bulwark host bundle settings, sourced by apply and verify. Generated from the host model: do not edit.",
    "# shellcheck shell=bash disable=SC2034,SC2016 # literal values, read by the scripts that source this",
    `BULWARK_OS=${q(os)}`,
    `EXPECT_OS_RELEASE=${q(p.osRelease)}`,
    `FAMILY=${q(p.family)}`,
    `PACKAGES=${q(packages(m, p).join(" "))}`,
    `FORBIDDEN_PACKAGES=${q(FORBIDDEN_PACKAGES[p.packageFormat].join(" "))}`,
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
    `ALLOWED_TCP=${q(allowedTcp(m).join(" "))}`,
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
