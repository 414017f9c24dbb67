/** Kernel and network sysctl (dev-sec os-baseline); the values are SYSCTL in host-controls.ts. */
import { SYSCTL } from "../host-controls";
import type { BundleFile } from "../render";

export function sysctlFile(): BundleFile {
  return {
    path: "/etc/sysctl.d/90-bulwark.conf",
    content: [
      "# Bulwark kernel/network hardening (dev-sec os-baseline). Generated.",
      ...SYSCTL.map((s) => `${s.key} = ${s.value}`),
      "",
    ].join("\n"),
    mode: 0o644,
  };
}
