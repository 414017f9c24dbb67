/** Admin users: SSH keys only (no password exists), sudo without a password prompt, every use logged. */
import type { HostModel } from "../model";
import type { BundleFile } from "../render";
import { AUTHORIZED_KEYS_FILE } from "./ssh";

export function authorizedKeys(keys: string[]): string {
  return keys.map((k) => k.trim()).join("\n") + "\n";
}

export function authorizedKeysFiles(m: HostModel): BundleFile[] {
  return m.admins.map((a) => ({
    path: AUTHORIZED_KEYS_FILE.replace("%u", a.name),
    content: authorizedKeys(a.sshKeys),
    mode: 0o644,
  }));
}

export function sudoersFile(m: HostModel): BundleFile {
  return {
    path: "/etc/sudoers.d/50-bulwark",
    content: [
      "# Bulwark: admins authenticate by SSH key only (no passwords exist), so sudo cannot ask for one;",
      "# every use is logged (U22 5.2.2, 5.2.3) and audited.",
      "Defaults use_pty",
      'Defaults logfile="/var/log/sudo.log"',
      `%${m.adminGroup} ALL=(ALL:ALL) NOPASSWD: ALL`,
      "",
    ].join("\n"),
    mode: 0o440,
  };
}
