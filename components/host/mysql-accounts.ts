/**
 * Leftover database accounts on a self-hosted server (issue 9): which accounts are the server's own, how each
 * flavour says "unlocked" and "holds a global privilege" (SQL differences as data), and the SQL apply and verify
 * run. Pure: renders text only. Accounts are locked (ACCOUNT LOCK), never dropped: the owner can unlock one.
 */
import { z } from "zod";
import { isExpired, waiverSchema } from "../../policies/src/waiver";
import { accountHostSchema, quoteString, type MysqlFlavor } from "../database/mysql-sql";

const keepWaiverSchema = waiverSchema.omit({ policy: true });

/** Accounts the server package owns (at localhost only); never locked, never reported. */
export const SYSTEM_ACCOUNTS: Record<MysqlFlavor, readonly string[]> = {
  // root through unix_socket (renderSecureInstallationSql), MariaDB 10.4+'s mariadb.sys and mysql, Debian's
  // maintenance user.
  mariadb: ["root@localhost", "mariadb.sys@localhost", "mysql@localhost", "debian-sys-maint@localhost"],
  mysql: [
    "root@localhost",
    "mysql.sys@localhost",
    "mysql.session@localhost",
    "mysql.infoschema@localhost",
    "debian-sys-maint@localhost",
  ],
};

/** MySQL 8 keeps static global privileges as columns of mysql.user (dynamic ones in mysql.global_grants). */
const MYSQL_GLOBAL_PRIV_COLUMNS = [
  "Select",
  "Insert",
  "Update",
  "Delete",
  "Create",
  "Drop",
  "Reload",
  "Shutdown",
  "Process",
  "File",
  "Grant",
  "References",
  "Index",
  "Alter",
  "Show_db",
  "Super",
  "Create_tmp_table",
  "Lock_tables",
  "Execute",
  "Repl_slave",
  "Repl_client",
  "Create_view",
  "Show_view",
  "Create_routine",
  "Alter_routine",
  "Create_user",
  "Event",
  "Trigger",
  "Create_tablespace",
  "Create_role",
  "Drop_role",
].map((c) => `${c}_priv`);

interface FlavourSql {
  /** The table with one row per account (User, Host). */
  table: string;
  /** True for an account that can log in (not locked, not a role). */
  unlocked: string;
  /** True for an account holding any global privilege or GRANT OPTION on *.*. */
  global: string;
}

export const FLAVOUR_SQL: Record<MysqlFlavor, FlavourSql> = {
  mariadb: {
    table: "mysql.global_priv",
    unlocked:
      "IFNULL(JSON_VALUE(Priv,'$.account_locked'),'0') NOT IN ('1','true') AND " +
      "IFNULL(JSON_VALUE(Priv,'$.is_role'),'0') NOT IN ('1','true') AND Host <> ''",
    // `access` is the bitmask of global privileges, GRANT OPTION included.
    global: "IFNULL(JSON_VALUE(Priv,'$.access'),0) + 0 <> 0",
  },
  mysql: {
    table: "mysql.user",
    unlocked: "account_locked <> 'Y'",
    global:
      `('Y' IN (${MYSQL_GLOBAL_PRIV_COLUMNS.join(",")}) OR EXISTS (SELECT 1 FROM mysql.global_grants g ` +
      "WHERE g.USER = mysql.user.User AND g.HOST = mysql.user.Host))",
  },
};

/** A legacy account kept usable on purpose: any name and host the server may hold, with a live waiver. */
export const keepAccountSchema = z
  .object({
    user: z.string().regex(/^[A-Za-z0-9_.$-]{1,80}$/, "use the account's user name (letters, digits, _ . $ -)"),
    host: z.union([
      accountHostSchema,
      z.string().regex(/^[A-Za-z0-9.%_:-]{1,60}$/, "use the account's host as the server shows it, e.g. % or 10.0.%"),
    ]),
    waiver: z
      .unknown()
      .superRefine((w, ctx) => {
        if (w === undefined) {
          ctx.addIssue({
            code: "custom",
            input: w,
            message:
              "a kept account is a usable leftover: add waiver {reason, approver, expires}, " +
              "or remove it from keepAccounts so apply locks it",
          });
          return;
        }
        const r = keepWaiverSchema.safeParse(w);
        const at = (p: readonly PropertyKey[]) =>
          p.reduce<unknown>(
            (v, k) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined),
            w,
          );
        if (!r.success)
          for (const i of r.error.issues)
            ctx.addIssue({ code: "custom", path: i.path, input: at(i.path), message: i.message });
        else if (isExpired(r.data))
          ctx.addIssue({
            code: "custom",
            path: ["expires"],
            input: r.data.expires,
            message:
              "this waiver has expired; renew it (new expires date and approver) " +
              "or remove the account from keepAccounts so apply locks it",
          });
      })
      .transform((w) => w as z.output<typeof keepWaiverSchema>),
  })
  .strict();
export type KeepAccount = z.output<typeof keepAccountSchema>;

export interface AccountPolicy {
  flavor: MysqlFlavor;
  /** user@host of the declared application accounts. */
  declared: readonly string[];
  /** user@host of declared accounts allowed global privileges (scope global, waived in their own schema). */
  globalAllowed: readonly string[];
  keep: readonly KeepAccount[];
}

const id = (u: string, h: string) => `${u}@${h}`;
const notIn = (xs: readonly string[]) =>
  xs.length === 0 ? "TRUE" : `CONCAT(User,'@',Host) NOT IN (${[...new Set(xs)].map(quoteString).join(",")})`;

/** For checks on mysql.user: the row is an account that can log in and is not kept under a waiver. */
export function usableNotKept(p: AccountPolicy): string {
  const f = FLAVOUR_SQL[p.flavor];
  const kept = p.keep.map((k) => id(k.user, k.host));
  return `(User, Host) IN (SELECT User, Host FROM ${f.table} WHERE ${f.unlocked}) AND ${notIn(kept)}`;
}

/** Unlocked accounts that are neither system, declared nor kept: hex user, hex host, hex user@host per row. */
export function leftoverAccountsSql(p: AccountPolicy): string {
  const f = FLAVOUR_SQL[p.flavor];
  const exempt = [...SYSTEM_ACCOUNTS[p.flavor], ...p.declared, ...p.keep.map((k) => id(k.user, k.host))];
  return (
    `SELECT HEX(User), HEX(Host), HEX(CONCAT(User,'@',Host)) FROM ${f.table} ` +
    `WHERE ${f.unlocked} AND ${notIn(exempt)} ORDER BY User, Host`
  );
}

/** printf format locking one account given its hex user and host: names reach the server as hex, never as SQL. */
export const LOCK_ACCOUNT_PRINTF =
  "SET @bulwark_stmt = CONCAT('ALTER USER ', QUOTE(CONVERT(UNHEX('%s') USING utf8mb4)), '@', " +
  "QUOTE(CONVERT(UNHEX('%s') USING utf8mb4)), ' ACCOUNT LOCK'); " +
  "PREPARE bulwark_stmt FROM @bulwark_stmt; EXECUTE bulwark_stmt; DEALLOCATE PREPARE bulwark_stmt;\\n";

const list = (table: string, where: string) =>
  "SELECT IFNULL(GROUP_CONCAT(CONCAT(User,'@',Host) ORDER BY User, Host SEPARATOR ' '),'') " +
  `FROM ${table} WHERE ${where}`;

/** verify's account checks: [id, query, expected] (expected empty: the query names each offender as user@host). */
export function accountChecks(p: AccountPolicy): [string, string, string][] {
  const f = FLAVOUR_SQL[p.flavor];
  const kept = p.keep.map((k) => id(k.user, k.host));
  return [
    [
      "bulwark undeclared accounts are locked",
      list(f.table, `${f.unlocked} AND ${notIn([...SYSTEM_ACCOUNTS[p.flavor], ...p.declared, ...kept])}`),
      "",
    ],
    [
      "bulwark no global privileges or GRANT OPTION outside root",
      list(
        f.table,
        `${f.unlocked} AND ${f.global} AND User <> 'root' AND ` +
          notIn([...SYSTEM_ACCOUNTS[p.flavor], ...p.globalAllowed, ...kept]),
      ),
      "",
    ],
  ];
}

/** Kept accounts for verify's WAIVED lines: user@host|reason|approver|expires (refused at parse once expired). */
export function keptLines(keep: readonly KeepAccount[]): string[] {
  return keep.map((k) =>
    [id(k.user, k.host), k.waiver.reason, k.waiver.approver, k.waiver.expires]
      .map((s) => s.replace(/[|\n]/g, " "))
      .join("|"),
  );
}
