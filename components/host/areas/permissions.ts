/** No core dumps; unused filesystems and protocols cannot be loaded (BLACKLISTED_MODULES in host-controls.ts). */
import { BLACKLISTED_MODULES } from "../host-controls";
import type { BundleFile } from "../render";

function coreDumpFiles(): BundleFile[] {
  return [
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
  ];
}

function modprobeFile(): BundleFile {
  return {
    path: "/etc/modprobe.d/bulwark.conf",
    content: [
      "# Bulwark: unused filesystems and protocols (LB os-10; U22 1.1.1.x, 3.2.x)",
      ...BLACKLISTED_MODULES.map((x) => `install ${x} /bin/false`),
      "",
    ].join("\n"),
    mode: 0o644,
  };
}

export function permissionsFiles(): BundleFile[] {
  return [...coreDumpFiles(), modprobeFile()];
}
