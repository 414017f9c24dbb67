/** Automatic security updates: unattended-upgrades on the Debian family, dnf-automatic on Amazon Linux. */
import type { HostModel } from "../model";
import type { BundleFile } from "../render";
import type { Family, OsProfile } from "../vars";

function unattended(m: HostModel, p: OsProfile): BundleFile[] {
  const on = m.patch.automatic ? "1" : "0";
  const origins = [p.securityOrigin!];
  if (!m.patch.securityOnly)
    origins.push(p.securityOrigin!.replace("-security", "-updates").replace(",label=Debian-Security", ""));
  return [
    {
      path: "/etc/apt/apt.conf.d/20auto-upgrades",
      content: [
        "// Bulwark patch policy (U22 1.2.2.1). Generated.",
        `APT::Periodic::Update-Package-Lists "${on}";`,
        `APT::Periodic::Unattended-Upgrade "${on}";`,
        "",
      ].join("\n"),
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

function dnfAutomatic(m: HostModel): BundleFile[] {
  return [
    {
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
    },
  ];
}

const UPDATE_FILES: Record<Family, (m: HostModel, p: OsProfile) => BundleFile[]> = {
  debian: unattended,
  amazon: dnfAutomatic,
};

export function updatesFiles(m: HostModel, p: OsProfile): BundleFile[] {
  return UPDATE_FILES[p.family](m, p);
}
