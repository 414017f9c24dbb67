/**
 * MysqlHostRole: the self-hosted MySQL/MariaDB role (components/host/mysql.ts) delivered to an EC2 instance through
 * SSM, not user data (the db bundle with the role is over EC2's 16 KiB). A Command document (up to 64 KB) installs
 * the server package, writes the role's config and hooks (base64, fixed modes and owners) and runs apply, then
 * verify; an association runs it on the instance at creation and daily, so out-of-band drift is re-hardened and a
 * failing verify shows as non-compliant (CRITICAL). Holds no secret: application passwords are generated on the host.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseArgs } from "../config";
import { input, mergeTags, tagsField } from "../common";
import { mysqlRoleSchema, parseMysqlRole, renderMysqlHardening } from "./mysql";
import { AIDE_CONF, AIDE_DB } from "./render";
import type { Family, OsProfile } from "./vars";
import { AMAZONLINUX_2023 } from "./vars/amazonlinux-2023";
import { DEBIAN_FAMILY } from "./vars/debian-family";

/** The type token this component had before the role got one name; the alias keeps existing stacks' URNs. */
export const MYSQL_HOST_ROLE_FORMER_TYPE = "bulwark:host:MysqlRole";

/** Where the role's hooks live on the host, beside the cloud-init bundle (/opt/bulwark/bundle). */
export const MYSQL_ROLE_DIR = "/opt/bulwark/mysql";
/** The host bundle writes this at the end of its files; the role waits for it (it runs after the bundle). */
export const BUNDLE_MARKER = "/etc/bulwark/bundle.json";

const roleArgsSchema = z
  .object({
    /** The EC2 instance the association targets. */
    instanceId: input<string>("an EC2 instance id"),
    /** The role config (mysqlRoleSchema), e.g. {platform: "amazon", bindAddress: "auto", port: 3306}. */
    mysql: mysqlRoleSchema,
    /** SSM schedule for re-applying; rate or cron as State Manager takes them. */
    schedule: z
      .string()
      .regex(/^(rate|cron)\(.+\)$/, "use a State Manager schedule such as rate(1 day)")
      .default("rate(1 day)"),
    tags: tagsField,
  })
  .strict();
export type MysqlHostRoleArgs = z.input<typeof roleArgsSchema>;

/** The server package per platform/flavor: the OS profiles' (vars/), as renderBundle installs it in the bundle. */
const SERVER_PACKAGE: Record<Family, OsProfile["mysqlServerPackage"]> = {
  debian: DEBIAN_FAMILY.mysqlServerPackage,
  amazon: AMAZONLINUX_2023.mysqlServerPackage,
};
const serverPackage = (platform: Family, flavor: "mariadb" | "mysql"): string => SERVER_PACKAGE[platform][flavor];

const q = (s: string) => "'" + s.replace(/'/g, "'\\''") + "'";
const b64 = (s: string) => Buffer.from(s).toString("base64");

/**
 * The document's bash script. `BULWARK_ROOT` (tests only) writes the files under that prefix and stops there.
 * On a host it waits for cloud-init, needs the host bundle applied, installs and enables the server, writes the
 * files, runs apply's prepare stage, restarts only when the config changed (a daily run does not bounce the
 * database), runs apply's SQL stage, then verify; any failure exits non-zero.
 */
export function renderMysqlRoleScript(input: unknown): string {
  const cfg = parseMysqlRole(input);
  const role = renderMysqlHardening(cfg);
  const pkg = serverPackage(cfg.platform, cfg.flavor);
  const service = cfg.service ?? (cfg.flavor === "mariadb" ? "mariadb" : "mysql");
  const debian = cfg.platform === "debian";
  const conf = role.files[0]!;
  if (role.files.length !== 1) throw new Error("mysql role: expected one config file");
  const installed = debian
    ? `[ "$(dpkg-query -W -f='\${Status}' ${pkg} 2>/dev/null)" = "install ok installed" ]`
    : `rpm -q ${pkg} >/dev/null 2>&1`;
  // First boot: unattended-upgrades may hold the dpkg lock; wait for it rather than fail until tomorrow's run.
  const install = debian
    ? "{ DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get " +
      `-o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends ${pkg}; }`
    : `dnf install -y -q ${pkg}`;
  const enable = `systemctl enable ${q(service)} >/dev/null 2>&1 || die "cannot enable ${service}"`;
  return `#!/usr/bin/env bash
# Bulwark mysql role through SSM: install ${pkg}, place the role's files, apply, verify. Generated; no secret.
[ -n "\${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail
umask 077
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
ROOT="\${BULWARK_ROOT:-}"
DIR="$ROOT"${q(MYSQL_ROLE_DIR)}
CONF="$ROOT"${q(conf.path)}
die() { printf 'bulwark-mysql-ssm: ERROR: %s\\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"
approved=0 # set when this run installs the server or changes its config: changes AIDE must accept
if [ -z "$ROOT" ]; then
  if command -v cloud-init >/dev/null; then cloud-init status --wait >/dev/null 2>&1 || true; fi
  [ -f ${q(BUNDLE_MARKER)} ] || die "the host bundle has not run (${BUNDLE_MARKER} missing); the role runs after it"
  if ! ${installed}; then ${install} || die "could not install ${pkg}"; approved=1; fi
  if [ -d /run/systemd/system ]; then ${enable}; fi
fi
put() { # DEST MODE OWNER GROUP BASE64: decoded, owner and mode set, then renamed into place
  mkdir -p "$(dirname "$1")"
  printf '%s' "$5" | base64 -d >"$1.bulwark-new"
  chown "$3:$4" "$1.bulwark-new" && chmod "$2" "$1.bulwark-new" && mv -f "$1.bulwark-new" "$1"
}
before=$({ cat "$CONF" 2>/dev/null || true; } | sha256sum)
put "$CONF" ${conf.mode.toString(8).padStart(4, "0")} root mysql '${b64(conf.content)}'
put "$DIR/lib/50-mysql.apply.sh" 0700 root root '${b64(role.apply)}'
put "$DIR/lib/mysql.verify.sh" 0700 root root '${b64(role.verify)}'
[ -z "$ROOT" ] || exit 0
BULWARK_MYSQL_STAGE=prepare bash "$DIR/lib/50-mysql.apply.sh" || die "apply (prepare) failed"
if [ "$(sha256sum <"$CONF")" != "$before" ]; then approved=1; fi
if [ "$approved" = 1 ] || ! systemctl is-active --quiet ${q(service)}; then
  systemctl restart ${q(service)} || die "${service} did not start with the hardened config"
  echo "bulwark-mysql-ssm: restarted ${service}"
fi
BULWARK_MYSQL_STAGE=sql bash "$DIR/lib/50-mysql.apply.sh" || die "apply (sql) failed"
bash "$DIR/lib/mysql.verify.sh" || die "verify failed: the MySQL hardening does not hold (lines above)"
# AIDE (U22 6.1.1): the host bundle baselined before the server existed; accept this run's own changes only.
if [ "$approved" = 1 ] && [ -s ${q(AIDE_DB)} ]; then
  aide --config ${q(AIDE_CONF)} --init >/dev/null 2>&1 || { rc=$?; [ "$rc" -lt 14 ] || die "aide --init failed ($rc)"; }
  mv -f ${q(AIDE_DB + ".new")} ${q(AIDE_DB)} && chmod 0600 ${q(AIDE_DB)}
  echo "bulwark-mysql-ssm: AIDE database re-baselined after approved changes"
fi
echo "bulwark-mysql-ssm: applied and verified"
`;
}

/** The Command document (schema 2.2) that runs the script; runCommand holds it line by line. */
export function mysqlRoleDocument(input: unknown): string {
  return JSON.stringify({
    schemaVersion: "2.2",
    description: "Bulwark: harden this host's MySQL/MariaDB (install, config, apply, verify)",
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "bulwarkMysqlRole",
        precondition: { StringEquals: ["platformType", "Linux"] },
        inputs: { timeoutSeconds: "1800", runCommand: renderMysqlRoleScript(input).replace(/\n$/, "").split("\n") },
      },
    ],
  });
}

export class MysqlHostRole extends pulumi.ComponentResource {
  readonly document: aws.ssm.Document;
  readonly association: aws.ssm.Association;

  constructor(name: string, args: MysqlHostRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    const a = parseArgs(roleArgsSchema, args, "MysqlHostRole", name);
    super(
      "bulwark:host:MysqlHostRole",
      name,
      {},
      {
        ...opts,
        aliases: [...(opts?.aliases ?? []), { type: MYSQL_HOST_ROLE_FORMER_TYPE }],
      },
    );
    const tags = mergeTags("MysqlHostRole", { Name: name, ...a.tags });
    this.document = new aws.ssm.Document(
      name,
      {
        documentType: "Command",
        documentFormat: "JSON",
        targetType: "/AWS::EC2::Instance",
        content: mysqlRoleDocument(a.mysql),
        tags,
      },
      { parent: this },
    );
    this.association = new aws.ssm.Association(
      name,
      {
        name: this.document.name,
        targets: [{ key: "InstanceIds", values: [a.instanceId] }],
        scheduleExpression: a.schedule,
        applyOnlyAtCronInterval: false,
        complianceSeverity: "CRITICAL",
        tags,
      },
      { parent: this },
    );
    this.registerOutputs({ documentName: this.document.name, associationId: this.association.associationId });
  }
}
