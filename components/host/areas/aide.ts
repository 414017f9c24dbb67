/** AIDE: Bulwark's own policy and database, checked daily by a timer. */
import type { BundleFile } from "../render";
import type { OsProfile } from "../vars";

export const AIDE_CONF = "/etc/bulwark/aide.conf";
export const AIDE_DB = "/var/lib/bulwark/aide/aide.db";
export const AIDE_TIMER = "bulwark-aide-check.timer";

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

export function aideFiles(p: OsProfile): BundleFile[] {
  return [
    { path: AIDE_CONF, content: aideConf(), mode: 0o600 },
    {
      path: "/etc/systemd/system/bulwark-aide-check.service",
      content: [
        "[Unit]",
        "Description=Bulwark AIDE integrity check (U22 6.1.2)",
        "",
        "[Service]",
        "Type=oneshot",
        "Nice=19",
        "IOSchedulingClass=idle",
        `ExecStart=${p.aideBin} --config ${AIDE_CONF} --check`,
        "",
      ].join("\n"),
      mode: 0o644,
    },
    {
      path: `/etc/systemd/system/${AIDE_TIMER}`,
      content: [
        "[Unit]",
        "Description=Daily Bulwark AIDE check (U22 6.1.2)",
        "",
        "[Timer]",
        "OnCalendar=daily",
        "RandomizedDelaySec=1h",
        "Persistent=true",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
      ].join("\n"),
      mode: 0o644,
    },
  ];
}
