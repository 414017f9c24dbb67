/** SSH: the full sshd_config (hardened values first), what `sshd -T` should print, and AL2023's crypto policy. */
import { sshSettings, type SshSetting } from "../host-controls";
import type { HostModel, HostOs } from "../model";
import type { OsProfile } from "../vars";
import type { BundleFile } from "../render";

export const AUTHORIZED_KEYS_FILE = "/etc/ssh/authorized_keys/%u";

export function hostSshSettings(m: HostModel, p: OsProfile): SshSetting[] {
  return sshSettings({
    port: m.ssh.port,
    allowGroup: m.adminGroup,
    debianFamily: p.family === "debian",
    bastion: m.role === "bastion",
    requiredRsaSize: p.requiredRsaSize,
  });
}

export function renderSshdConfig(settings: SshSetting[], os: HostOs): string {
  return [
    `# Bulwark sshd_config for ${os} (dev-sec ssh-baseline parity, crypto profile bulwark-strict). Generated.`,
    "# sshd keeps the FIRST value it reads: every hardened value is stated here, before the Include, so a",
    "# cloud-init or vendor drop-in cannot override it.",
    ...settings.flatMap((s) => [`# ${s.anchor}`, `${s.key} ${s.value}`]),
    `AuthorizedKeysFile ${AUTHORIZED_KEYS_FILE}`,
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
  out.set("authorizedkeysfile", AUTHORIZED_KEYS_FILE);
  return out;
}

/** Keys `sshd -T` prints in another case than sshd_config spells them. */
export const SSHD_T_CASE: Record<string, (v: string) => string> = {
  syslogfacility: (v) => v.toUpperCase(),
  loglevel: (v) => v.toUpperCase(),
};

/** AL2023: an empty CRYPTO_POLICY, so the system crypto policy cannot override sshd_config's algorithms. */
export function sshCryptoPolicyFiles(p: OsProfile): BundleFile[] {
  if (!p.sshCryptoPolicyFile) return [];
  return [
    {
      path: p.sshCryptoPolicyFile,
      content: "# Bulwark: no system crypto policy override of sshd_config (AL 4.2.14; SB sshd-49)\nCRYPTO_POLICY=\n",
      mode: 0o644,
    },
  ];
}
