/**
 * Leftover-account SQL per flavour (MySQL 8 is checked on its SQL only: no MySQL server here) and the
 * keepAccounts refusals. The MariaDB side runs against a real server in leftover-accounts.test.ts.
 */
import { renderMysqlHardening, SOCKET_UNITS } from "../../components/host/mysql";
import {
  accountChecks,
  FLAVOUR_SQL,
  leftoverAccountsSql,
  LOCK_ACCOUNT_PRINTF,
  SYSTEM_ACCOUNTS,
} from "../../components/host/mysql-accounts";
import { MysqlArgsError } from "../../components/database/mysql-sql";

const WAIVER = {
  reason: "vendor reporting tool until its migration",
  approver: "security@example.com",
  expires: "2099-12-31",
};
const role = (extra: object = {}) => ({
  bindAddress: "10.0.3.10",
  apps: [{ name: "shop", database: "shop_db", host: "10.0.2.0/24", privileges: ["SELECT"] }],
  ...extra,
});
const refusal = (input: object): string => {
  try {
    renderMysqlHardening(input);
  } catch (e) {
    expect(e).toBeInstanceOf(MysqlArgsError);
    return (e as Error).message;
  }
  throw new Error("accepted");
};

describe("keepAccounts refusals name field, value and fix (nothing rendered)", () => {
  test("no waiver", () => {
    expect(refusal(role({ keepAccounts: [{ user: "legacy", host: "%" }] }))).toMatch(
      new RegExp(
        /keepAccounts\[0\]\.waiver: got nothing\. Fix: /.source +
          /a kept account is a usable leftover: add waiver \{reason, approver, expires\}/.source,
      ),
    );
  });
  test("an expired waiver", () => {
    expect(
      refusal(role({ keepAccounts: [{ user: "legacy", host: "%", waiver: { ...WAIVER, expires: "2021-06-30" } }] })),
    ).toMatch(/keepAccounts\[0\]\.waiver\.expires: got "2021-06-30"\. Fix: this waiver has expired/);
  });
  test("a waiver with a short reason", () => {
    expect(
      refusal(role({ keepAccounts: [{ user: "legacy", host: "%", waiver: { ...WAIVER, reason: "because" } }] })),
    ).toMatch(/keepAccounts\[0\]\.waiver\.reason: got "because"/);
  });
  test("a system account, root, a declared account, or the same account twice", () => {
    expect(refusal(role({ keepAccounts: [{ user: "mariadb.sys", host: "localhost", waiver: WAIVER }] }))).toMatch(
      /keepAccounts\[0\]\.user: got "mariadb\.sys"\. Fix: mariadb\.sys@localhost is a system account/,
    );
    expect(refusal(role({ keepAccounts: [{ user: "root", host: "%", waiver: WAIVER }] }))).toMatch(
      /keepAccounts\[0\]\.user: got "root"\. Fix: root@% is a system account/,
    );
    expect(refusal(role({ keepAccounts: [{ user: "shop", host: "10.0.2.0/24", waiver: WAIVER }] }))).toMatch(
      /keepAccounts\[0\]\.user: got "shop"\. Fix: shop@10\.0\.2\.0\/255\.255\.255\.0 is declared in apps/,
    );
    expect(
      refusal(
        role({
          keepAccounts: [
            { user: "legacy", host: "%", waiver: WAIVER },
            { user: "legacy", host: "%", waiver: WAIVER },
          ],
        }),
      ),
    ).toMatch(/keepAccounts\[1\]\.user: .*repeats keepAccounts\[0\]/);
  });
  test("a user or host that could smuggle SQL", () => {
    expect(refusal(role({ keepAccounts: [{ user: "x'; DROP USER root; --", host: "%", waiver: WAIVER }] }))).toMatch(
      /keepAccounts\[0\]\.user: .*use the account's user name/,
    );
    expect(refusal(role({ keepAccounts: [{ user: "legacy", host: "%' OR '1", waiver: WAIVER }] }))).toMatch(
      /keepAccounts\[0\]\.host/,
    );
  });
  test("control: a kept account with a live waiver renders, exempt from locking and named as waived", () => {
    const r = renderMysqlHardening(role({ keepAccounts: [{ user: "legacy", host: "10.0.%", waiver: WAIVER }] }));
    expect(r.apply).toContain("'legacy@10.0.%'");
    expect(r.verify).toContain(`legacy@10.0.%|${WAIVER.reason}|${WAIVER.approver}|${WAIVER.expires}`);
  });
});

describe("flavour SQL as data", () => {
  const policy = (flavor: "mariadb" | "mysql") => ({
    flavor,
    declared: ["shop@10.0.2.0/255.255.255.0"],
    globalAllowed: [],
    keep: [],
  });

  test("MySQL 8: accounts and lock state from mysql.user, global privileges from its columns and global_grants", () => {
    const sql = leftoverAccountsSql(policy("mysql"));
    expect(sql).toBe(
      "SELECT HEX(User), HEX(Host), HEX(CONCAT(User,'@',Host)) FROM mysql.user " +
        "WHERE account_locked <> 'Y' AND CONCAT(User,'@',Host) NOT IN " +
        "('root@localhost','mysql.sys@localhost','mysql.session@localhost','mysql.infoschema@localhost'," +
        "'debian-sys-maint@localhost','shop@10.0.2.0/255.255.255.0') ORDER BY User, Host",
    );
    const [unlocked, global] = accountChecks(policy("mysql"));
    expect(unlocked[1]).toMatch(
      new RegExp(
        /^SELECT IFNULL\(GROUP_CONCAT\(CONCAT\(User,'@',Host\) ORDER BY User, Host SEPARATOR ' '\),''\) /.source +
          /FROM mysql\.user WHERE account_locked <> 'Y' AND /.source,
      ),
    );
    expect(global[1]).toContain("'Y' IN (Select_priv,Insert_priv,");
    expect(global[1]).toContain("Grant_priv");
    expect(global[1]).toContain(
      "EXISTS (SELECT 1 FROM mysql.global_grants g WHERE g.USER = mysql.user.User AND g.HOST = mysql.user.Host)",
    );
    expect(global[1]).toContain("User <> 'root'");
  });

  test("MariaDB: global_priv's JSON (locked, role, access bitmask)", () => {
    expect(FLAVOUR_SQL.mariadb.table).toBe("mysql.global_priv");
    expect(leftoverAccountsSql(policy("mariadb"))).toContain("JSON_VALUE(Priv,'$.account_locked')");
    expect(accountChecks(policy("mariadb"))[1][1]).toContain("JSON_VALUE(Priv,'$.access'),0) + 0 <> 0");
  });

  test("the lock reaches the server as hex, built into ALTER USER server-side with QUOTE()", () => {
    expect(LOCK_ACCOUNT_PRINTF).toContain("QUOTE(CONVERT(UNHEX('%s') USING utf8mb4))");
    expect(LOCK_ACCOUNT_PRINTF).toContain("' ACCOUNT LOCK'");
    expect(LOCK_ACCOUNT_PRINTF).not.toMatch(/DROP/);
  });

  test("MySQL 8 role: system accounts exempt, socket units mysqld.socket/mysql.socket, auth_socket root", () => {
    const r = renderMysqlHardening({ ...role(), flavor: "mysql" });
    for (const a of SYSTEM_ACCOUNTS.mysql) expect(r.apply).toContain(`'${a}'`);
    expect(r.apply).toContain(`for u in ${SOCKET_UNITS.mysql.join(" ")}; do`);
    expect(r.apply).toContain("| mysql --no-defaults --protocol=socket");
    expect(r.verify).toContain("FROM mysql.user WHERE account_locked <> 'Y'");
  });
});
