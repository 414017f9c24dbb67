import * as ipaddr from "ipaddr.js";
import { BulwarkError } from "../errors";
import { z } from "zod";
import { isExpired, waiverSchema } from "../../policies/src/waiver";

/**
 * The one pure SQL module for MySQL/MariaDB users and grants (RDS and self-hosted). No Pulumi, no I/O.
 *
 * Order of defence: every name is validated by zod (strict character sets, no reserved schemas) BEFORE any SQL
 * string exists; the quoting helpers below then escape anyway and refuse what they cannot escape safely.
 * Passwords never appear in rendered SQL: the caller sets a session variable (from a hex literal) and the SQL builds
 * the CREATE USER through a prepared statement with QUOTE(), so the SQL text itself is not a secret.
 */

export type MysqlFlavor = "mysql" | "mariadb";

/** The policy name a privilege waiver is recorded under (tag `bulwark:waiver:<policy>:*`). */
export const MYSQL_PRIVILEGE_WAIVER_POLICY = "mysql-user-disallow-admin-privileges";

// ---------------------------------------------------------------------------------------------------------------
// Names

/** Schemas an application must never own or be granted (system schemas, the demo schema). */
export const RESERVED_DATABASES = ["mysql", "sys", "information_schema", "performance_schema", "test"] as const;
/** Accounts the server or RDS owns. */
export const RESERVED_USERS = [
  "root",
  "mysql",
  "mariadb.sys",
  "mysql.sys",
  "mysql.session",
  "mysql.infoschema",
  "rdsadmin",
  "rdsrepladmin",
  "debian-sys-maint",
  "admin",
] as const;

export const databaseNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, "use 1-64 characters: a lowercase letter, then lowercase letters, digits or _")
  .refine((s) => !(RESERVED_DATABASES as readonly string[]).includes(s), {
    message: `must not be a system schema (${RESERVED_DATABASES.join(", ")}); pick the application's own name`,
  });

// 32 characters is MySQL 8's account-name limit (MariaDB allows 80).
export const userNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, "use 1-32 characters: a lowercase letter, then lowercase letters, digits or _")
  .refine((s) => !(RESERVED_USERS as readonly string[]).includes(s), {
    message: `must not be a reserved account (${RESERVED_USERS.join(", ")}); use the application's own name`,
  });

/**
 * The host part of an account: `%` (RDS only: the security group and IAM are the boundary), `localhost`, an IPv4
 * address, or an IPv4 CIDR, which is rendered as MySQL's `address/netmask` form (understood by MySQL 8 and MariaDB).
 */
export const accountHostSchema = z
  .string()
  .refine(
    (s) => s === "%" || s === "localhost" || ipaddr.IPv4.isValidFourPartDecimal(s) || isIpv4Cidr(s) || isNetmaskForm(s),
    "use %, localhost, an IPv4 address such as 10.0.1.25 or an IPv4 CIDR such as 10.0.1.0/24",
  )
  .transform((s) => {
    if (!isIpv4Cidr(s)) return s;
    const [addr, len] = ipaddr.IPv4.parseCIDR(s);
    const network = ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${len}`);
    return `${network.toString()}/${ipaddr.IPv4.subnetMaskFromPrefixLength(len).toString()}`;
  });

/** MySQL's own `network/netmask` form (what a CIDR is rendered as), accepted so rendered hosts re-validate. */
function isNetmaskForm(s: string): boolean {
  const [addr, mask, ...rest] = s.split("/");
  if (rest.length > 0 || !addr || !mask) return false;
  if (!ipaddr.IPv4.isValidFourPartDecimal(addr) || !ipaddr.IPv4.isValidFourPartDecimal(mask)) return false;
  const len = ipaddr.IPv4.parse(mask).prefixLengthFromSubnetMask();
  return len !== null && ipaddr.IPv4.networkAddressFromCIDR(`${addr}/${len}`).toString() === addr;
}

function isIpv4Cidr(s: string): boolean {
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(s)) return false;
  try {
    ipaddr.IPv4.parseCIDR(s);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Privileges

/** Database-level privileges an application may hold without a waiver. */
export const ALLOWED_PRIVILEGES = [
  "SELECT",
  "INSERT",
  "UPDATE",
  "DELETE",
  "CREATE",
  "ALTER",
  "INDEX",
  "DROP",
  "REFERENCES",
  "CREATE TEMPORARY TABLES",
  "LOCK TABLES",
  "EXECUTE",
  "CREATE VIEW",
  "SHOW VIEW",
  "CREATE ROUTINE",
  "ALTER ROUTINE",
  "TRIGGER",
  "EVENT",
] as const;
/** Privileges that escalate beyond the application's own data: refused unless waived. */
export const WAIVER_PRIVILEGES = [
  "GRANT OPTION",
  "SUPER",
  "FILE",
  "PROCESS",
  "SHUTDOWN",
  "CREATE USER",
  "RELOAD",
  "REPLICATION CLIENT",
  "REPLICATION SLAVE",
  "ALL PRIVILEGES",
] as const;
/** Of those, the ones MySQL only accepts ON *.* (so they also need scope `global`). */
const GLOBAL_ONLY = new Set<string>(WAIVER_PRIVILEGES.filter((p) => p !== "GRANT OPTION" && p !== "ALL PRIVILEGES"));

export type Privilege = (typeof ALLOWED_PRIVILEGES)[number] | (typeof WAIVER_PRIVILEGES)[number];
const KNOWN = new Set<string>([...ALLOWED_PRIVILEGES, ...WAIVER_PRIVILEGES]);
const NEEDS_WAIVER = new Set<string>(WAIVER_PRIVILEGES);

const normalisePrivilege = (s: string) => {
  const n = s.trim().toUpperCase().replace(/\s+/g, " ");
  return n === "ALL" ? "ALL PRIVILEGES" : n;
};
const privilegeSchema = z
  .string()
  .refine((s) => KNOWN.has(normalisePrivilege(s)), {
    message: `is not a known privilege; use least-privilege ones: ${ALLOWED_PRIVILEGES.join(", ")}`,
  })
  .transform((s) => normalisePrivilege(s) as Privilege);

/** A waiver for one user's escalated privileges: reason, approver and expiry as in policies/src/waiver.ts. */
export const privilegeWaiverSchema = waiverSchema.omit({ policy: true }).refine((w) => !isExpired(w), {
  message: "this waiver has expired; renew it (new expires date and approver) or remove the escalated privileges",
  path: ["expires"],
});
export type PrivilegeWaiver = z.infer<typeof privilegeWaiverSchema>;

/**
 * What an application user may do: its database, its privileges and (only with a waiver) global scope.
 * Shared by ManagedMySql (RDS) and the self-hosted role; each adds its own `auth` choices.
 */
export const appGrantFields = {
  name: userNameSchema,
  database: databaseNameSchema,
  privileges: z
    .array(privilegeSchema)
    .min(1, "list at least one privilege, e.g. [SELECT, INSERT, UPDATE, DELETE]")
    .max(32, "list at most 32 privileges")
    .refine((ps) => new Set(ps).size === ps.length, "list each privilege once"),
  /** `database` grants on `db`.* only; `global` grants on *.* and needs a waiver. */
  scope: z.enum(["database", "global"]).default("database"),
  waiver: privilegeWaiverSchema.optional(),
};

/** Cross-field rules: escalations need a waiver; global-only privileges need global scope. */
export function checkGrant(
  u: { privileges: Privilege[]; scope: "database" | "global"; waiver?: PrivilegeWaiver },
  ctx: z.RefinementCtx,
): void {
  const escalated = u.privileges.filter((p) => NEEDS_WAIVER.has(p));
  if (u.scope === "global") escalated.push("*.*" as Privilege);
  if (escalated.length > 0 && !u.waiver) {
    ctx.addIssue({
      code: "custom",
      path: ["waiver"],
      message:
        `${escalated.join(", ")} ${escalated.length > 1 ? "are" : "is"} refused without a waiver; drop ` +
        `${escalated.length > 1 ? "them" : "it"} (least privilege) or add waiver: {reason, approver, expires}`,
    });
  }
  const globalOnly = u.privileges.filter((p) => GLOBAL_ONLY.has(p));
  if (globalOnly.length > 0 && u.scope !== "global") {
    ctx.addIssue({
      code: "custom",
      path: ["scope"],
      message: `${globalOnly.join(", ")} can only be granted ON *.*; set scope: global (with the waiver) or drop it`,
    });
  }
}

export const appGrantSchema = z.object(appGrantFields).strict().superRefine(checkGrant);
export type AppGrant = z.output<typeof appGrantSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Quoting (names are already validated; these still escape, and refuse what has no safe escape)

/** A backtick-quoted identifier. */
/** Each application its own database user: a repeated name is refused, naming the first. */
export function checkUniqueAppNames(apps: readonly { name: string }[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  apps.forEach((a, i) => {
    if (seen.has(a.name)) {
      ctx.addIssue({
        code: "custom",
        path: ["apps", i, "name"],
        message: `repeats apps[${seen.get(a.name)}]: give each application its own user`,
        input: a.name,
      });
    }
    seen.set(a.name, i);
  });
}

export function quoteIdent(name: string): string {
  if (name.length === 0 || name.length > 64 || /[\u0000-\u001f\u007f]/u.test(name)) {
    throw new Error(`refusing to quote identifier ${JSON.stringify(name)}: empty, too long or has control characters`);
  }
  return "`" + name.replace(/`/g, "``") + "`";
}

/**
 * A single-quoted string literal. Refuses backslashes and control characters so the result means the same with
 * and without NO_BACKSLASH_ESCAPES (a quote is doubled, which both modes read as one quote).
 */
export function quoteString(value: string): string {
  if (/[\\\u0000-\u001f\u007f]/u.test(value)) {
    throw new Error(`refusing to quote ${JSON.stringify(value)}: backslashes and control characters are not allowed`);
  }
  return "'" + value.replace(/'/g, "''") + "'";
}

/** The database part of a GRANT: `_` and `%` are wildcards there, so they are escaped to match only this name. */
export function quoteGrantDatabase(db: string): string {
  return quoteIdent(db.replace(/([_%])/g, "\\$1"));
}

export function account(user: string, host: string): string {
  return `${quoteString(user)}@${quoteString(host)}`;
}

/** The session variable a user's password is passed in (set from a hex literal by the apply path). */
export function passwordVariable(user: string): string {
  userNameSchema.parse(user);
  return `@bulwark_pw_${user}`;
}

/** The statement that loads a password into its variable; `hex` is the UTF-8 bytes in hex (never the text). */
export function setPasswordVariableSql(user: string, hex: string): string {
  if (!/^([0-9a-f]{2})+$/.test(hex)) throw new Error("password hex must be lowercase hex digits, two per byte");
  return `SET ${passwordVariable(user)} = CONVERT(UNHEX('${hex}') USING utf8mb4);`;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

/** Same meaning in every sql_mode we could meet (no NO_BACKSLASH_ESCAPES, strict). */
export const SESSION_PRELUDE = "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION';";

export type UserAuth =
  /** RDS IAM authentication: a token from rds:connect, no stored password. MySQL on RDS only. */
  | { kind: "iam" }
  /** A password passed in the session variable `passwordVariable(name)`; set only when the user is created. */
  | { kind: "password" }
  /** Local OS user of the same name over the unix socket (self-hosted). */
  | { kind: "unix_socket" };

export interface UserSqlInput {
  name: string;
  host: string;
  database: string;
  privileges: readonly Privilege[];
  scope: "database" | "global";
  auth: UserAuth;
}

/**
 * Idempotent SQL for one application user: its database, the account (TLS required over TCP), and exactly the
 * declared privileges (everything else revoked first). Inputs are re-validated here, so nothing unvalidated is
 * ever turned into SQL even if a caller skipped its schema.
 */
export function renderUserSql(input: UserSqlInput, flavor: MysqlFlavor): string[] {
  // Names and privileges are re-validated (the waiver rule is the caller's schema's job: appGrantSchema).
  const grant = {
    name: userNameSchema.parse(input.name),
    database: databaseNameSchema.parse(input.database),
    privileges: z
      .array(privilegeSchema)
      .min(1)
      .parse([...input.privileges]),
    scope: z.enum(["database", "global"]).parse(input.scope),
  };
  const host = accountHostSchema.parse(input.host);
  if (input.auth.kind === "iam" && flavor !== "mysql") throw new Error("IAM authentication exists only on RDS MySQL");
  const acct = account(grant.name, host);
  const tls = input.auth.kind === "unix_socket" ? "" : " REQUIRE SSL";
  const out: string[] = [`CREATE DATABASE IF NOT EXISTS ${quoteIdent(grant.database)} CHARACTER SET utf8mb4;`];
  switch (input.auth.kind) {
    case "iam":
      out.push(`CREATE USER IF NOT EXISTS ${acct} IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'${tls};`);
      break;
    case "unix_socket":
      out.push(
        `CREATE USER IF NOT EXISTS ${acct} IDENTIFIED ` +
          `${flavor === "mariadb" ? "VIA unix_socket" : "WITH auth_socket"};`,
      );
      break;
    case "password": {
      const v = passwordVariable(grant.name);
      // CREATE USER cannot take a variable; build it server-side with QUOTE() so the password never is SQL text.
      out.push(
        `SET @bulwark_stmt = CONCAT(${quoteString(`CREATE USER IF NOT EXISTS ${acct} IDENTIFIED BY `)}, ` +
          `QUOTE(${v}), ${quoteString(tls)});`,
        "PREPARE bulwark_stmt FROM @bulwark_stmt;",
        "EXECUTE bulwark_stmt;",
        "DEALLOCATE PREPARE bulwark_stmt;",
        `SET @bulwark_stmt = NULL, ${v} = NULL;`,
      );
      break;
    }
  }
  if (tls) out.push(`ALTER USER ${acct}${tls};`);
  const withGrant = grant.privileges.includes("GRANT OPTION");
  const privs = grant.privileges.filter((p) => p !== "GRANT OPTION");
  const on = grant.scope === "global" ? "*.*" : `${quoteGrantDatabase(grant.database)}.*`;
  out.push(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${acct};`);
  out.push(
    `GRANT ${privs.length > 0 ? privs.join(", ") : "USAGE"} ON ${on} TO ${acct}` +
      `${withGrant ? " WITH GRANT OPTION" : ""};`,
  );
  return out;
}

/**
 * mysql_secure_installation, as dev-sec's mysql_hardening does it: no anonymous users, no test schema, root only
 * at localhost and only through the unix socket (so no root password exists to steal).
 */
export function renderSecureInstallationSql(flavor: MysqlFlavor): string[] {
  const users = flavor === "mariadb" ? "mysql.global_priv" : "mysql.user";
  return [
    `DELETE FROM ${users} WHERE User = '';`,
    `DELETE FROM ${users} WHERE User = 'root' AND Host <> 'localhost';`,
    "DROP DATABASE IF EXISTS test;",
    "DELETE FROM mysql.db WHERE Db = 'test' OR Db LIKE 'test!_%' ESCAPE '!';",
    "FLUSH PRIVILEGES;",
    flavor === "mariadb"
      ? "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket;"
      : "ALTER USER 'root'@'localhost' IDENTIFIED WITH auth_socket;",
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Errors: every problem names the field path, the value and the fix.

export interface ArgIssue {
  path: string;
  value: string;
  fix: string;
}

export class MysqlArgsError extends BulwarkError {
  constructor(subject: string, issues: ArgIssue[]) {
    super(
      `invalid ${subject} (${issues.length} problem${issues.length === 1 ? "" : "s"}; nothing was created):\n` +
        issues.map((i) => `  - ${i.path}: got ${i.value}. Fix: ${i.fix}`).join("\n"),
      issues.map((i) => ({ ...i, problem: "invalid" })),
    );
  }
}

function renderPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || "(args)";
}

function renderValue(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Zod issues (parsed with `reportInput: true`) as path / value / fix. */
export function describeIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): ArgIssue[] {
  return error.issues.map((issue) => {
    const path = renderPath([...prefix, ...issue.path]);
    const value = renderValue((issue as { input?: unknown }).input);
    switch (issue.code) {
      case "invalid_type":
        return {
          path,
          value,
          fix: issue.input === undefined ? `set it (a ${issue.expected})` : `write a ${issue.expected}`,
        };
      case "invalid_value":
        return { path, value, fix: `use one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` };
      case "unrecognized_keys":
        return { path, value: issue.keys.join(", "), fix: "remove the unknown key(s) or check the spelling" };
      case "too_small":
      case "too_big":
        return {
          path,
          value,
          fix: issue.message.startsWith("Too")
            ? `respect the limit ${String(issue.code === "too_small" ? issue.minimum : issue.maximum)}`
            : issue.message,
        };
      default:
        return { path, value, fix: issue.message };
    }
  });
}
