/** Password policy: pwquality (login.defs values travel in bundle.env, applied by scripts/accounts.sh). */
import { PWQUALITY } from "../host-controls";
import type { BundleFile } from "../render";

export function accountsFiles(): BundleFile[] {
  return [
    {
      path: "/etc/security/pwquality.conf.d/50-bulwark.conf",
      content: [
        "# Bulwark password quality (U22 5.3.3.2.x). Generated.",
        ...PWQUALITY.map((x) => (x.value ? `${x.key} = ${x.value}` : x.key)),
        "",
      ].join("\n"),
      mode: 0o644,
    },
  ];
}
