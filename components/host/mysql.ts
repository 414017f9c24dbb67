/**
 * Self-hosted MySQL/MariaDB role (contract 5): one zod model -> a config file, an apply script and a verify script.
 * Parity with dev-sec mysql_hardening (hardening.cnf, secure installation) and mysql-baseline (mysql-conf-*,
 * mysql-db-*), plus what dev-sec leaves out: a private bind address, a password validation plugin, TLS required.
 * Pure: renders text only. HOST places `files` and runs `apply` as root; `verify` exits non-zero on any failure.
 */
import * as fs from "fs";
import * as path from "path";
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import {
  accountChecks,
  keepAccountSchema,
  keptLines,
  leftoverAccountsSql,
  LOCK_ACCOUNT_PRINTF,
  SYSTEM_ACCOUNTS,
  usableNotKept,
} from "./mysql-accounts";
import {
  accountHostSchema,
  appGrantFields,
  checkGrant,
  checkUniqueAppNames,
  describeIssues,
  MysqlArgsError,
  passwordVariable,
  renderSecureInstallationSql,
  renderUserSql,
  SESSION_PRELUDE,
} from "../database/mysql-sql";

export const BIND_AUTO = "auto";

/**
 * bindAddress auto, in bash: prints the primary private IPv4 (the default route's source address, else the first
 * global address on its device). Fails, printing why, when that is not RFC 1918 (public, loopback or none).
 */
export const BIND_AUTO_SH = `bind_auto() {
  local r a d
  r=$(ip -4 route show default 2>/dev/null | head -n 1)
  a=$(awk '{for (i = 1; i < NF; i++) if ($i == "src") { print $(i + 1); exit }}' <<<"$r")
  d=$(awk '{for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit }}' <<<"$r")
  if [ -z "$a" ] && [ -n "$d" ]; then
    a=$(ip -4 -o addr show dev "$d" scope global 2>/dev/null | awk '{sub(/\\/.*/, "", $4); print $4; exit}')
  fi
  if [[ $a =~ ^[0-9]{1,3}(\\.[0-9]{1,3}){3}$ ]]; then
    case "$a" in
      10.* | 192.168.* | 172.1[6-9].* | 172.2[0-9].* | 172.3[01].*) echo "$a"; return 0 ;;
    esac
  fi
  echo "bulwark-mysql: bindAddress auto found '\${a:-no address}' (default route: \${r:-none}), not a private IPv4: \
refusing; give mysql.bindAddress explicitly" >&2
  return 1
}`;

const absPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._/-]*$/, "use an absolute path of letters, digits and . _ / -")
  .refine((p) => !p.split("/").includes(".."), "use a path without '..'");

const BIND_ADDRESS_FIX =
  "use auto (this host's private IPv4, found at apply) or one private address of this host " +
  "(10/8, 172.16/12, 192.168/16, fc00::/7) or loopback, never 0.0.0.0 or a public one";

/**
 * The server listens on one private (RFC 1918 / unique-local) or loopback address, never a public one or all.
 * `auto`: the host's primary private IPv4, resolved by apply on the host (EC2 assigns it at launch).
 */
const bindAddressSchema = z.string().refine((s) => {
  if (s === BIND_AUTO) return true;
  if (!ipaddr.isValid(s)) return false;
  const range = ipaddr.process(s).range();
  return range === "private" || range === "loopback" || range === "uniqueLocal";
}, BIND_ADDRESS_FIX);

const selfHostedAppSchema = z
  .object({
    ...appGrantFields,
    /** Where the application connects from: an IP or CIDR (mysql-baseline mysql-db-07: never `%`). */
    host: accountHostSchema.refine(
      (h) => h !== "%",
      "name the application's address or subnet; % (any host) is refused (mysql-db-07)",
    ),
    /**
     * `password`: read from `<secretsDir>/<name>.password` (root 0600); generated there on first apply if absent.
     * `unix_socket`: the local OS user of the same name, no password (host must be localhost).
     */
    auth: z.enum(["password", "unix_socket"]).default("password"),
  })
  .strict()
  .superRefine((u, ctx) => {
    checkGrant(u, ctx);
    if (u.auth === "unix_socket" && u.host !== "localhost") {
      ctx.addIssue({
        code: "custom",
        path: ["host"],
        message: "unix_socket users connect locally: set host: localhost",
      });
    }
  });

export const mysqlRoleSchema = z
  .object({
    flavor: z.enum(["mariadb", "mysql"]).default("mariadb"),
    /** File layout: Debian/Ubuntu (`/etc/mysql/...`) or Amazon Linux / RHEL (`/etc/my.cnf.d`, socket in the
     * datadir). */
    platform: z.enum(["debian", "amazon"]).default("debian"),
    bindAddress: bindAddressSchema,
    port: z.number().int().min(1, "use a port from 1 to 65535").max(65535, "use a port from 1 to 65535").default(3306),
    /** systemd unit; defaults to the flavor's Debian/Ubuntu name. */
    service: z
      .string()
      .regex(/^[a-z][a-z0-9@._-]*$/, "use a systemd unit name such as mariadb")
      .optional(),
    paths: z
      .object({
        configFile: absPath.optional(),
        datadir: absPath.default("/var/lib/mysql"),
        /** Default: /run/mysqld/mysqld.sock (debian), /var/lib/mysql/mysql.sock (amazon). */
        socket: absPath.optional(),
        pidFile: absPath.optional(),
        /** mysql-conf-03: where FILE operations may read/write; nothing else. */
        secureFilePriv: absPath.default("/var/lib/mysql-files"),
        /** Application passwords, root 0700 / files 0600. */
        secretsDir: absPath.default("/etc/bulwark/mysql"),
      })
      .strict()
      .prefault({}),
    tls: z
      .object({
        caFile: absPath.default("/etc/mysql/tls/ca.pem"),
        certFile: absPath.default("/etc/mysql/tls/server-cert.pem"),
        keyFile: absPath.default("/etc/mysql/tls/server-key.pem"),
        versions: z
          .array(z.enum(["TLSv1.2", "TLSv1.3"]))
          .min(1, "allow TLSv1.2 and/or TLSv1.3")
          .default(["TLSv1.2", "TLSv1.3"]),
        /**
         * When none of the three files exists, apply creates a host-local CA (key kept in secretsDir, root 0600) and
         * a server certificate for bindAddress, as MySQL's auto_generate_certs does; clients verify with caFile.
         * Set false to require certificates from your own PKI.
         */
        generateIfMissing: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    passwordMinLength: z.number().int().min(12, "use at least 12 characters").max(64).default(14),
    /** MariaDB server_audit (connections, DDL and DCL). */
    audit: z.boolean().default(true),
    apps: z.array(selfHostedAppSchema).max(64, "declare at most 64 application users").default([]),
    /** Leftover accounts kept usable on purpose (each with a waiver); every other undeclared account is locked. */
    keepAccounts: z.array(keepAccountSchema).max(32, "keep at most 32 accounts").default([]),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    checkUniqueAppNames(cfg.apps, ctx);
    const declared = new Set(cfg.apps.map((a) => `${a.name}@${a.host}`));
    const kept = new Map<string, number>();
    cfg.keepAccounts.forEach((k, i) => {
      const acct = `${k.user}@${k.host}`;
      const why =
        SYSTEM_ACCOUNTS[cfg.flavor].includes(acct) || k.user === "root"
          ? "is a system account (never locked, root only at localhost): remove it from keepAccounts"
          : declared.has(acct)
            ? "is declared in apps (never locked): remove it from keepAccounts"
            : kept.has(acct)
              ? `repeats keepAccounts[${kept.get(acct)}]: list each account once`
              : "";
      if (why)
        ctx.addIssue({ code: "custom", path: ["keepAccounts", i, "user"], message: `${acct} ${why}`, input: k.user });
      kept.set(acct, i);
    });
  });

/** Socket units a flavour's packages ship: each listens on the port itself, whatever bind-address says. */
export const SOCKET_UNITS: Record<"mariadb" | "mysql", readonly string[]> = {
  mariadb: ["mariadb.socket", "mariadb-extra.socket"],
  mysql: ["mysqld.socket", "mysql.socket"],
};

/** listener_units (components/host/scripts/listeners.sh): names the unit behind a TCP listener. */
export const LISTENERS_SH = fs.readFileSync(path.join(__dirname, "scripts", "listeners.sh"), "utf8");

export type MysqlRoleInput = z.input<typeof mysqlRoleSchema>;
export type MysqlRoleConfig = z.output<typeof mysqlRoleSchema>;

export interface RenderedFile {
  path: string;
  content: string;
  mode: number;
}
export interface MysqlHardening {
  files: RenderedFile[];
  apply: string;
  verify: string;
}

/** Parses with errors that name field, value and fix; throws MysqlArgsError (nothing rendered) on bad input. */
export function parseMysqlRole(input: unknown): MysqlRoleConfig {
  const r = mysqlRoleSchema.safeParse(input, { reportInput: true });
  if (!r.success) throw new MysqlArgsError("mysql role", describeIssues(r.error));
  return r.data;
}

/** `bash` single-quoted word (paths are validated already; this keeps the script safe regardless). */
function sh(s: string): string {
  return "'" + s.replace(/'/g, "'\\''") + "'";
}

export function renderMysqlHardening(input: unknown): MysqlHardening {
  const cfg = parseMysqlRole(input);
  const maria = cfg.flavor === "mariadb";
  const service = cfg.service ?? (maria ? "mariadb" : "mysql");
  const amazon = cfg.platform === "amazon";
  const confPath =
    cfg.paths.configFile ??
    (amazon
      ? "/etc/my.cnf.d/99-bulwark-hardening.cnf"
      : maria
        ? "/etc/mysql/mariadb.conf.d/99-bulwark-hardening.cnf"
        : "/etc/mysql/mysql.conf.d/99-bulwark-hardening.cnf");
  const socket = cfg.paths.socket ?? (amazon ? "/var/lib/mysql/mysql.sock" : "/run/mysqld/mysqld.sock");
  const client = maria ? "mariadb" : "mysql";
  const admin = maria ? "mariadb-admin" : "mysqladmin";
  // MySQL 8 dropped some dev-sec options; `loose-` makes the server ignore an option it does not know.
  const only = (flag: boolean, line: string) => (flag ? line : `loose-${line}`);
  const auto = cfg.bindAddress === BIND_AUTO;
  /** Sets BIND (auto: resolved on the host, failing the script when it is not private). */
  const bindSh = auto ? `${BIND_AUTO_SH}\nBIND=$(bind_auto) || exit 1` : `BIND=${sh(cfg.bindAddress)}`;
  const listen = auto || !cfg.bindAddress.includes(":") ? `"$BIND:${cfg.port}"` : `"[$BIND]:${cfg.port}"`;

  const cnf = [
    "# Bulwark mysql role: dev-sec mysql_hardening / mysql-baseline parity. Managed file: edits are overwritten.",
    "[mysqld]",
    "# mysql-conf-03: run as the mysql user",
    "user = mysql",
    `datadir = ${cfg.paths.datadir}`,
    `socket = ${socket}`,
    ...(cfg.paths.pidFile ? [`pid-file = ${cfg.paths.pidFile}`] : []),
    `port = ${cfg.port}`,
    "# Listen on one private address only; host parts are IPs, never resolved names",
    ...(auto ? ["# bindAddress auto: apply writes this host's private IPv4 here; until then loopback only"] : []),
    `bind-address = ${auto ? "127.0.0.1" : cfg.bindAddress}`,
    "skip-name-resolve",
    "# mysql-conf-03: no client-side file reads, no symlinked tables, FILE confined to one directory",
    "local-infile = 0",
    only(maria, "skip-symbolic-links = 1"),
    `secure-file-priv = ${cfg.paths.secureFilePriv}`,
    "skip-show-database",
    only(maria, "safe-user-create = 1"),
    "allow-suspicious-udfs = 0",
    "automatic-sp-privileges = 0",
    "# Passwords: a validation plugin, and no way around it with a pre-hashed password",
    ...(maria
      ? [
          "plugin-load-add = simple_password_check.so",
          `simple_password_check_minimal_length = ${cfg.passwordMinLength}`,
          "simple_password_check_digits = 1",
          "simple_password_check_letters_same_case = 1",
          "simple_password_check_other_characters = 1",
          "strict_password_validation = ON",
        ]
      : ["loose-validate_password.policy = STRONG", `loose-validate_password.length = ${cfg.passwordMinLength}`]),
    "# Every TCP connection is TLS, with the server's own certificate",
    "require_secure_transport = ON",
    `ssl-ca = ${cfg.tls.caFile}`,
    `ssl-cert = ${cfg.tls.certFile}`,
    `ssl-key = ${cfg.tls.keyFile}`,
    `tls_version = ${cfg.tls.versions.join(",")}`,
    ...(maria && cfg.audit
      ? [
          "# Audit: connections, DDL and account/privilege changes",
          "plugin-load-add = server_audit.so",
          "server_audit_logging = ON",
          "server_audit_events = CONNECT,QUERY_DDL,QUERY_DCL",
        ]
      : []),
    "",
  ].join("\n");

  const pwApps = cfg.apps.filter((a) => a.auth === "password");
  const userSql = cfg.apps.flatMap((a) =>
    renderUserSql(
      {
        name: a.name,
        host: a.host,
        database: a.database,
        privileges: a.privileges,
        scope: a.scope,
        auth: { kind: a.auth },
      },
      cfg.flavor,
    ),
  );
  const installSql = renderSecureInstallationSql(cfg.flavor);
  const policy = {
    flavor: cfg.flavor,
    declared: cfg.apps.map((a) => `${a.name}@${a.host}`),
    globalAllowed: cfg.apps.filter((a) => a.scope === "global").map((a) => `${a.name}@${a.host}`),
    keep: cfg.keepAccounts,
  };

  const apply = `#!/usr/bin/env bash
# Bulwark mysql role: apply (run as root after the files are in place). Never prints a credential:
# passwords go from root-only files to the server on stdin as hex, never on a command line.
set -euo pipefail
umask 077
CONF=${sh(confPath)}
SOCKET="\${BULWARK_MYSQL_SOCKET:-${socket}}"
SECRETS=${sh(cfg.paths.secretsDir)}
${bindSh}

STAGE="\${BULWARK_MYSQL_STAGE:-all}" # prepare | sql | all (prepare: files and directories; sql: the server is up)

if [ "$STAGE" != sql ]; then
${
  auto
    ? `sed -i "s/^bind-address = .*/bind-address = $BIND/" "$CONF"
grep -qx "bind-address = $BIND" "$CONF" || { echo "bulwark-mysql: could not set bind-address in $CONF" >&2; exit 1; }
`
    : ""
}# mysql-conf-07/08: config root:mysql, not world-readable; mysql-conf-04: datadir mysql:mysql 0750
chown root:mysql "$CONF" && chmod 0640 "$CONF"
[ -d ${sh(cfg.paths.datadir)} ] && chown mysql:mysql ${sh(cfg.paths.datadir)} && chmod 0750 ${sh(cfg.paths.datadir)}
install -d -o mysql -g mysql -m 0750 ${sh(cfg.paths.secureFilePriv)}
install -d -o root -g root -m 0700 "$SECRETS"
CA=${sh(cfg.tls.caFile)}; CERT=${sh(cfg.tls.certFile)}; KEY=${sh(cfg.tls.keyFile)}
GENERATE_TLS=${cfg.tls.generateIfMissing ? 1 : 0}
if [ ! -e "$CA" ] && [ ! -e "$CERT" ] && [ ! -e "$KEY" ] && [ "$GENERATE_TLS" = 1 ]; then
  command -v openssl >/dev/null || { echo "bulwark-mysql: no server certificate and no openssl to make one: install \
openssl" >&2; exit 1; }
  install -d -m 0755 "$(dirname "$CA")" "$(dirname "$CERT")" "$(dirname "$KEY")"
  tmp="$(mktemp -d)"
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "\${ec[@]}" -keyout "$SECRETS/tls-ca-key.pem" -out "$CA" -days 3650 -subj \
"/CN=bulwark-mysql-ca-$(hostname)" 2>/dev/null
  openssl req "\${ec[@]}" -keyout "$KEY" -out "$tmp/server.csr" -subj "/CN=$BIND" 2>/dev/null
  printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$BIND" > "$tmp/san.ext"
  openssl x509 -req -in "$tmp/server.csr" -CA "$CA" -CAkey "$SECRETS/tls-ca-key.pem" -days 825 \
    -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" -extfile "$tmp/san.ext" -out "$CERT" 2>/dev/null
  rm -rf "$tmp"
  chmod 0600 "$SECRETS/tls-ca-key.pem"; chmod 0644 "$CA" "$CERT"
  echo "bulwark-mysql: generated a host CA ($CA) and a server certificate for $BIND"
fi
for f in "$CA" "$CERT" "$KEY"; do
  [ -s "$f" ] || { echo "bulwark-mysql: TLS file $f is missing: provision the server certificate (or remove all three \
to generate)" >&2; exit 1; }
done
chown root:mysql ${sh(cfg.tls.keyFile)} && chmod 0640 ${sh(cfg.tls.keyFile)}

# The server's own unit is the only listener for its port: the packaged socket units would listen on every
# address whatever bind-address says (issue 9). Masked, never left to come back with a package upgrade.
# A run on another socket (BULWARK_MYSQL_SOCKET: tests, break-glass) is not the system service: units untouched.
SOCKETS_STOPPED=0
[ -n "\${BULWARK_MYSQL_SOCKET:-}" ] || for u in ${SOCKET_UNITS[cfg.flavor].join(" ")}; do
  [ -n "$(systemctl list-unit-files --no-legend "$u" 2>/dev/null)" ] || continue
  [ "$(systemctl is-enabled "$u" 2>/dev/null || true)" != masked ] || continue
  if [ -d /run/systemd/system ] && systemctl is-active --quiet "$u"; then systemctl stop "$u" && SOCKETS_STOPPED=1; fi
  systemctl disable "$u" >/dev/null 2>&1 || true
  systemctl mask "$u" >/dev/null 2>&1 && echo "changed: masked $u"
done
if [ "$STAGE" = all ] || { [ "$SOCKETS_STOPPED" = 1 ] && [ -d /run/systemd/system ]; }; then
  if [ -d /run/systemd/system ]; then systemctl restart ${sh(service)}; else service ${sh(service)} restart; fi
fi
fi
[ "$STAGE" = prepare ] && exit 0
for _ in $(seq 1 60); do ${admin} --no-defaults --protocol=socket -S "$SOCKET" -u root ping >/dev/null 2>&1 && break; \
sleep 0.5; done

# Application passwords: kept in root-only files; a missing one is generated (36 random alphanumerics + classes).
${pwApps
  .map(
    (a) => `if [ ! -s "$SECRETS/${a.name}.password" ]; then
  ( set +o pipefail; printf '%s-Aa9\\n' "$(head -c 1024 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 36)" ) > \
"$SECRETS/${a.name}.password"
  chmod 0600 "$SECRETS/${a.name}.password"
fi`,
  )
  .join("\n")}
${
  maria
    ? ""
    : `if [ "$(mysql --no-defaults --protocol=socket -S "$SOCKET" -u root -N -B -e "SELECT COUNT(*) FROM \
mysql.component WHERE component_urn='file://component_validate_password'")" = 0 ]; then
  mysql --no-defaults --protocol=socket -S "$SOCKET" -u root -e "INSTALL COMPONENT \
'file://component_validate_password'; SET GLOBAL validate_password.policy = 'STRONG', \
GLOBAL validate_password.length = ${cfg.passwordMinLength};"
fi
`
}hexof() { tr -d '\\n' < "$1" | od -An -v -tx1 | tr -d ' \\n'; }

{
  cat <<'BULWARK_SQL'
${[SESSION_PRELUDE, ...installSql].join("\n")}
BULWARK_SQL
${pwApps
  .map(
    (a) => `  printf "SET ${passwordVariable(a.name)} = CONVERT(UNHEX('%s') USING utf8mb4);\\n" \
"$(hexof "$SECRETS/${a.name}.password")"`,
  )
  .join("\n")}
  cat <<'BULWARK_SQL'
${userSql.join("\n")}
BULWARK_SQL
} | ${client} --no-defaults --protocol=socket -S "$SOCKET" -u root --batch

# Leftover accounts (issue 9): every unlocked account that is neither the server's, declared nor kept is locked
# (dropped never: ALTER USER ... ACCOUNT UNLOCK undoes it). Names go to the server as hex, never as SQL text.
# shellcheck disable=SC2001 # two hex digits at a time need a back-reference
unhex() { printf '%b' "$(sed 's/../\\\\x&/g' <<<"$1")" | tr -d '\\000-\\037'; }
leftovers=$(${client} --no-defaults --protocol=socket -S "$SOCKET" -u root -N -B -e ${sh(leftoverAccountsSql(policy))})
while read -r uh hh ah; do
  [[ "$uh" =~ ^[0-9A-F]+$ && "$hh" =~ ^[0-9A-F]*$ && "$ah" =~ ^[0-9A-F]+$ ]] || continue
  printf ${sh(LOCK_ACCOUNT_PRINTF)} "$uh" "$hh" | ${client} --no-defaults --protocol=socket -S "$SOCKET" -u root --batch
  echo "changed: mysql account $(unhex "$ah") locked"
done <<<"$leftovers"
echo "bulwark-mysql: applied (${cfg.apps.length} application user(s))"
`;

  const waivedGrant = cfg.apps.filter((a) => a.privileges.includes("GRANT OPTION")).map((a) => a.name);
  const grantOk = ["root", "mysql", "debian-sys-maint", ...waivedGrant].map((u) => `'${u}'`).join(",");
  const checks: [string, string, string][] = [
    // [control id, query, expected]
    ["mysql-conf-03 local_infile", "SELECT @@GLOBAL.local_infile", "0"],
    ["mysql-conf-03 symbolic links", "SELECT @@GLOBAL.have_symlink", "DISABLED"],
    [
      "mysql-conf-03 secure_file_priv",
      "SELECT TRIM(TRAILING '/' FROM @@GLOBAL.secure_file_priv)",
      cfg.paths.secureFilePriv.replace(/\/+$/, ""),
    ],
    ["mysql-conf-03 skip_show_database", "SELECT @@GLOBAL.skip_show_database", "1"],
    ["bulwark skip_name_resolve", "SELECT @@GLOBAL.skip_name_resolve", "1"],
    ["bulwark require_secure_transport", "SELECT @@GLOBAL.require_secure_transport", "1"],
    ["bulwark TLS available", "SELECT @@GLOBAL.have_ssl", "YES"],
    ["bulwark tls_version", "SELECT @@GLOBAL.tls_version", cfg.tls.versions.join(",")],
    ...((maria
      ? [
          [
            "bulwark password plugin",
            "SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME='simple_password_check'",
            "ACTIVE",
          ],
          ["bulwark strict_password_validation", "SELECT @@GLOBAL.strict_password_validation", "1"],
          ...(cfg.audit ? [["bulwark audit log", "SELECT @@GLOBAL.server_audit_logging", "1"]] : []),
        ]
      : [
          [
            "bulwark password component",
            "SELECT COUNT(*) FROM mysql.component WHERE component_urn='file://component_validate_password'",
            "1",
          ],
        ]) as [string, string, string][]),
    ["mysql-db-03 no test database", "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='test'", "0"],
    ["mysql-db-04 no anonymous users", "SELECT COUNT(*) FROM mysql.user WHERE User=''", "0"],
    [
      "mysql-db-05 no empty passwords (unlocked accounts)",
      maria
        ? "SELECT COUNT(*) FROM mysql.global_priv WHERE " +
          "IFNULL(JSON_VALUE(Priv,'$.authentication_string'),'')='' AND IFNULL(JSON_VALUE(Priv,'$.plugin'),'') " +
          "IN ('','mysql_native_password','ed25519') AND IFNULL(JSON_VALUE(Priv,'$.account_locked'),'0') NOT " +
          "IN ('1','true') AND IFNULL(JSON_VALUE(Priv,'$.is_role'),'0') NOT IN ('1','true')"
        : "SELECT COUNT(*) FROM mysql.user WHERE authentication_string='' AND plugin IN " +
          "('mysql_native_password','caching_sha2_password','sha256_password') AND account_locked<>'Y'",
      "0",
    ],
    // Locked leftovers (and waived kept ones) cannot log in: they are reported by name below, not counted here.
    [
      "mysql-db-06 grant option only for admins",
      `SELECT COUNT(*) FROM mysql.user WHERE Grant_priv='Y' AND User NOT IN (${grantOk}) AND ${usableNotKept(policy)}`,
      "0",
    ],
    ["mysql-db-07 no % hosts", `SELECT COUNT(*) FROM mysql.user WHERE Host='%' AND ${usableNotKept(policy)}`, "0"],
    [
      "mysql-db-08 root only at localhost",
      "SELECT COUNT(*) FROM mysql.user WHERE User='root' AND Host<>'localhost'",
      "0",
    ],
    [
      "bulwark root only via the unix socket",
      "SELECT COUNT(*) FROM mysql.user WHERE User='root' AND plugin NOT IN ('unix_socket','auth_socket')",
      "0",
    ],
    ...accountChecks(policy),
    ...pwApps.map((a): [string, string, string] => [
      `bulwark ${a.name} requires TLS`,
      `SELECT COUNT(*) FROM mysql.user WHERE User='${a.name}' AND ssl_type IN ('ANY','X509','SPECIFIED')`,
      "1",
    ]),
  ];

  for (const row of checks) {
    if (row.some((f) => /[|\n]/.test(f)) || row[2].includes("BULWARK_CHECKS"))
      throw new Error(`mysql check ${row[0]}: a field holds | or a newline`);
  }
  const verify = `#!/usr/bin/env bash
# Bulwark mysql role: verify. Prints one line per control; exits 1 if any fails.
set -uo pipefail
SOCKET="\${BULWARK_MYSQL_SOCKET:-${socket}}"
fail=0
check() { # id expected actual
  if [ "$3" = "$2" ]; then echo "ok   $1"; else echo "FAIL $1: expected '$2', got '$3'"; fail=1; fi
}
q() { ${client} --no-defaults --protocol=socket -S "$SOCKET" -u root -N -B -e "$1" 2>&1 | head -n 1; }
${bindSh.replace("|| exit 1", "|| { echo 'FAIL bulwark bind address: auto found no private IPv4'; exit 1; }")}
check 'bulwark bind address' "$BIND" "$(q 'SELECT @@GLOBAL.bind_address')"
${LISTENERS_SH.split("\n")
  .filter((l) => !/^\s*#/.test(l))
  .join("\n")}
got=$(ss -Hltn 'sport = :${cfg.port}' | awk '{print $4}' | sort -u | paste -sd ' ')
[ -z "$got" ] || [ "$got" = ${listen} ] || got="$got (held by $(listener_units ${cfg.port}))"
check 'bulwark listens only on the bind address' ${listen} "$got"
[ -n "\${BULWARK_MYSQL_SOCKET:-}" ] || for u in ${SOCKET_UNITS[cfg.flavor].join(" ")}; do
  [ -z "$(systemctl list-unit-files --no-legend "$u" 2>/dev/null)" ] || check "bulwark socket unit $u masked" masked \
"$(systemctl is-enabled "$u" 2>/dev/null)"
done
while IFS='|' read -r acct reason approver expires; do
  [ -n "$acct" ] || continue
  if [[ "$(date -u +%F)" > "$expires" ]]; then \
check "bulwark kept account $acct waiver" "expires $expires or later" "expired"
  else echo "WAIVED kept account $acct: $reason (approver $approver, expires $expires)"; fi
done <<'BULWARK_KEPT'
${keptLines(cfg.keepAccounts).join("\n")}
BULWARK_KEPT
while IFS='|' read -r id want sql; do check "$id" "$want" "$(q "$sql")"; done <<'BULWARK_CHECKS'
${checks.map(([id, query, want]) => [id, want, query].join("|")).join("\n")}
BULWARK_CHECKS
check 'mysql-conf-08 config root:mysql, not world-readable' 'root:mysql:640' \
"$(stat -c '%U:%G:%a' ${sh(confPath)} 2>&1)"
check 'mysql-conf-04 datadir mysql:mysql' 'mysql:mysql' "$(stat -c '%U:%G' ${sh(cfg.paths.datadir)} 2>&1)"
check 'mysql-conf-09 no MYSQL_PWD in the environment' '' "\${MYSQL_PWD:-}"
exit $fail
`;

  return { files: [{ path: confPath, content: cnf, mode: 0o640 }], apply, verify };
}
