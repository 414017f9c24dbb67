/**
 * Leftover accounts against a REAL MariaDB (issue 9): a pre-existing weak 'legacy'@'%' with global privileges is
 * locked by the role's apply (never dropped), verify names it before and nothing after, a kept account with a live
 * waiver stays usable, and a second apply locks nothing more. Needs root; fails (never skips) without MariaDB.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { renderMysqlHardening, type MysqlRoleInput } from "../../components/host/mysql";
import {
  errorCode,
  type RoleServer,
  runScript,
  stageEnv,
  startRoleServer,
  TestMariadb,
  type TestPaths,
} from "./mariadb-server";

jest.setTimeout(120_000);

let db: TestMariadb;
let paths: TestPaths;
let role: MysqlRoleInput;
const WEAK = "legacy123";
const WAIVER = {
  reason: "vendor reporting tool until its migration",
  approver: "security@example.com",
  expires: "2099-12-31",
};
const env = (stage = "sql") => stageEnv(paths, stage);
/** mysql_native_password's stored form, so the weak password can be planted past the validation plugin. */
const nativeHash = (pw: string) =>
  "*" + createHash("sha1").update(createHash("sha1").update(pw).digest()).digest("hex").toUpperCase();
const out: Record<string, ReturnType<typeof runScript>> = {};
const login = (user: string, pw: string) => db.tcpSql(user, pw, "SELECT CURRENT_USER()", { tls: true });
let legacyBefore: ReturnType<TestMariadb["tcpSql"]>;
let shopPassword = "";

beforeAll(async () => {
  let rendered: RoleServer["rendered"];
  ({ db, paths, role, rendered } = await startRoleServer({
    apps: [{ name: "shop", database: "shop_db", host: "127.0.0.1", privileges: ["SELECT", "INSERT"] }],
    keepAccounts: [{ user: "keeper", host: "%", waiver: WAIVER }],
  }));
  // The leftovers, as an old install has them: weak passwords, global privileges, any host.
  const plant = db.rootSql(
    "SET GLOBAL strict_password_validation = OFF;" +
      ["legacy", "keeper"]
        .map(
          (u) =>
            `CREATE USER '${u}'@'%' IDENTIFIED BY PASSWORD '${nativeHash(WEAK)}'; ` +
            `GRANT ALL PRIVILEGES ON *.* TO '${u}'@'%' WITH GRANT OPTION;`,
        )
        .join("") +
      "SET GLOBAL strict_password_validation = ON;",
  );
  if (plant.status !== 0) throw new Error(`planting leftovers failed: ${plant.stderr}`);
  legacyBefore = login("legacy", WEAK);
  out.verifyBefore = runScript(rendered.verify, env());
  out.apply = runScript(rendered.apply, env());
  if (out.apply.status !== 0) throw new Error(`apply failed: ${out.apply.stderr}\n${db.errorLog()}`);
  shopPassword = fs.readFileSync(path.join(paths.secretsDir, "shop.password"), "utf8").trim();
  out.verifyAfter = runScript(rendered.verify, env());
  out.again = runScript(rendered.apply, env());
  out.verifyNoKeep = runScript(renderMysqlHardening({ ...role, keepAccounts: [] }).verify, env());
});

afterAll(async () => {
  if (db) await db.stop();
});

test("before apply the leftover logs in over TLS, and verify names it (user@host only)", () => {
  expect(legacyBefore.stdout.trim()).toBe("legacy@%");
  expect(out.verifyBefore.status).toBe(1);
  // A fresh install's anonymous users (@localhost, @<hostname>) are listed too; apply deletes those.
  const unlocked = /^FAIL bulwark undeclared accounts are locked: expected '', got '([^']*)'$/m
    .exec(out.verifyBefore.stdout)?.[1]
    .split(" ");
  expect(unlocked).toContain("legacy@%");
  expect(unlocked).not.toContain("keeper@%");
  expect(out.verifyBefore.stdout).toContain(
    "FAIL bulwark no global privileges or GRANT OPTION outside root: expected '', got 'legacy@%'",
  );
  expect(out.verifyBefore.stdout).toMatch(/FAIL mysql-db-07 no % hosts/);
  expect(out.verifyBefore.stdout).not.toContain(WEAK);
});

test("apply locks the leftover, drops nothing, and says so by name", () => {
  expect(out.apply.stdout).toContain("changed: mysql account legacy@% locked");
  expect(out.apply.stdout).not.toMatch(/keeper@%|shop@/);
  expect(
    db
      .rootSql("SELECT CONCAT(User,'@',Host) FROM mysql.global_priv WHERE User IN ('legacy','keeper') ORDER BY User")
      .stdout.trim()
      .split("\n"),
  ).toEqual(["keeper@%", "legacy@%"]);
  expect(db.rootSql("SHOW CREATE USER 'legacy'@'%'").stdout).toMatch(/ACCOUNT LOCK/);
});

test(
  "after apply the leftover cannot log in; declared and " + "kept accounts still work; root still works on the socket",
  () => {
    const r = login("legacy", WEAK);
    expect(r.status).not.toBe(0);
    expect(errorCode(r)).toBe(4151); // ER_ACCOUNT_HAS_BEEN_LOCKED
    expect(login("shop", shopPassword).stdout.trim()).toBe("shop@127.0.0.1");
    expect(login("keeper", WEAK).stdout.trim()).toBe("keeper@%");
    expect(db.rootSql("SELECT CURRENT_USER()").stdout.trim()).toBe("root@localhost");
  },
);

test("verify passes after apply, names nothing, and shows the kept account as waived", () => {
  expect(out.verifyAfter.stdout).not.toMatch(/FAIL/);
  expect(out.verifyAfter.status).toBe(0);
  expect(out.verifyAfter.stdout).toContain(
    `WAIVED kept account keeper@%: ${WAIVER.reason} (approver ${WAIVER.approver}, expires ${WAIVER.expires})`,
  );
  expect(out.verifyAfter.stdout).not.toContain("legacy");
});

test("without the keepAccounts entry, verify names the kept account (the waiver is what keeps it)", () => {
  expect(out.verifyNoKeep.status).toBe(1);
  expect(out.verifyNoKeep.stdout).toContain("FAIL bulwark undeclared accounts are locked: expected '', got 'keeper@%'");
});

test("a second apply locks nothing", () => {
  expect(out.again.status).toBe(0);
  expect(out.again.stdout).not.toMatch(/^changed:/m);
});
