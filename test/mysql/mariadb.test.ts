/**
 * The self-hosted mysql role against a REAL MariaDB (Debian's mariadb-server), started here on a temp datadir, a
 * unix socket and one loopback port, from the exact config file the role renders; then the rendered apply and
 * verify scripts run as they would on a host. Needs root; fails (never skips) when MariaDB is missing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { renderMysqlHardening, type MysqlRoleInput } from "../../components/host/mysql";
import { renderApplyScript } from "../../components/database/mysql-apply";
import { MysqlArgsError, renderUserSql } from "../../components/database/mysql-sql";
import { errorCode, must, runScript, stageEnv, startRoleServer, TestMariadb, type TestPaths } from "./mariadb-server";

jest.setTimeout(120_000);

let db: TestMariadb;
let paths: TestPaths;
let role: MysqlRoleInput;
let rendered: ReturnType<typeof renderMysqlHardening>;
const before: {
  anonSocket?: ReturnType<TestMariadb["rootSql"]>;
  verify?: ReturnType<typeof runScript>;
  testDb?: string;
} = {};
let applyRun: ReturnType<typeof runScript>;
let prepareRun: ReturnType<typeof runScript>;
let shopPassword = "";
let timings: Record<string, number> = {};

// The test starts the server itself, so apply runs in two stages around that start (a host runs `all`).
const env = (stage = "sql") => stageEnv(paths, stage);

beforeAll(async () => {
  const server = await startRoleServer({
    apps: [
      {
        name: "shop",
        database: "shop_db",
        host: "127.0.0.1",
        privileges: ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "INDEX"],
      },
      { name: "report", database: "shop_db", host: "127.0.0.0/8", privileges: ["select"] },
    ],
  });
  ({ db, paths, role, rendered, timings } = server);
  prepareRun = server.prepare;

  // Before the apply: what a fresh install looks like (the controls below must be able to fail).
  before.anonSocket = db.socketSqlAs("nobody_here", "SELECT 1");
  before.testDb = db.rootSql("SHOW DATABASES LIKE 'test'").stdout.trim();
  before.verify = runScript(rendered.verify, env());
  db.rootSql(
    "CREATE DATABASE hr; CREATE TABLE hr.salaries (who VARCHAR(20), pay INT); " +
      "INSERT INTO hr.salaries VALUES ('ceo', 1)",
  );

  const t0 = Date.now();
  applyRun = runScript(rendered.apply, env());
  timings.apply = Date.now() - t0;
  if (applyRun.status !== 0) throw new Error(`apply failed: ${applyRun.stderr}\n${db.errorLog()}`);
  shopPassword = fs.readFileSync(path.join(paths.secretsDir, "shop.password"), "utf8").trim();
});

afterAll(async () => {
  if (db) await db.stop();
  if (Object.keys(timings).length > 0) console.log(`mariadb timings (ms): ${JSON.stringify(timings)}`);
});

describe("hardening and secure installation", () => {
  test("a fresh install fails verify (anonymous users, test schema); after apply every control passes", () => {
    expect(before.anonSocket?.status).toBe(0);
    expect(before.testDb).toBe("test");
    expect(before.verify?.status).toBe(1);
    expect(before.verify?.stdout).toMatch(/FAIL mysql-db-04 no anonymous users/);
    expect(before.verify?.stdout).toMatch(/FAIL mysql-db-03 no test database/);

    const after = runScript(rendered.verify, env());
    expect(after.stdout).not.toMatch(/FAIL/);
    expect(after.status).toBe(0);
    expect(after.stdout.match(/^ok /gm)?.length).toBeGreaterThanOrEqual(20);
    // The listener check reads the live sockets (ss): this server listens on 127.0.0.1:<port> and nothing else.
    expect(after.stdout).toContain("ok   bulwark listens only on the bind address");
  });

  test("apply made a host CA and a server certificate for the bind address (no PKI given)", () => {
    expect(prepareRun.stdout).toMatch(/generated a host CA .* for 127\.0\.0\.1/);
    expect(must("openssl", ["verify", "-CAfile", paths.tls.caFile, paths.tls.certFile]).trim()).toBe(
      `${paths.tls.certFile}: OK`,
    );
    expect(must("openssl", ["x509", "-in", paths.tls.certFile, "-noout", "-ext", "subjectAltName"])).toMatch(
      /IP Address:127\.0\.0\.1/,
    );
    const key = fs.statSync(paths.tls.keyFile);
    expect([key.mode & 0o777, key.uid]).toEqual([0o640, 0]);
    expect(fs.statSync(path.join(paths.secretsDir, "tls-ca-key.pem")).mode & 0o777).toBe(0o600);
  });

  test("the server runs with the rendered settings", () => {
    const r = db.rootSql(
      "SELECT @@local_infile, @@have_symlink, @@require_secure_transport, @@bind_address, " +
        "@@strict_password_validation, @@skip_show_database",
    );
    expect(r.stdout.trim().split("\t")).toEqual(["0", "DISABLED", "1", "127.0.0.1", "1", "1"]);
  });

  test("apply is idempotent: a second run succeeds and keeps the application's password", () => {
    const again = runScript(rendered.apply, env());
    expect(again.status).toBe(0);
    expect(fs.readFileSync(path.join(paths.secretsDir, "shop.password"), "utf8").trim()).toBe(shopPassword);
    expect(db.tcpSql("shop", shopPassword, "SELECT CURRENT_USER()", { tls: true }).stdout.trim()).toBe(
      "shop@127.0.0.1",
    );
    expect(runScript(rendered.verify, env()).status).toBe(0);
  });

  test("the generated password is strong and root-only", () => {
    expect(shopPassword.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(paths.secretsDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(paths.secretsDir, "shop.password")).mode & 0o777).toBe(0o600);
  });

  test("no credential is printed by apply or written to the audit log", () => {
    const hex = Buffer.from(shopPassword, "utf8").toString("hex");
    const outputs = applyRun.stdout + applyRun.stderr;
    expect(outputs).toMatch(/applied \(2 application user/);
    const audit = fs.readFileSync(path.join(paths.datadir, "server_audit.log"), "utf8");
    expect(audit).toMatch(/CREATE USER/); // the audit log is live and records account changes...
    for (const secret of [shopPassword, hex]) {
      expect(outputs).not.toContain(secret);
      expect(audit).not.toContain(secret); // ...without the password
      expect(rendered.apply).not.toContain(secret);
    }
  });
});

describe("passwords", () => {
  test.each([
    ["password", "no digit, capital or symbol"],
    ["Summer2024!", "shorter than 14"],
    ["alllowercaseletters1!", "one letter case only"],
  ])("weak password %j is rejected by the server (%s)", (pw) => {
    const r = db.rootSql(`CREATE USER 'weak'@'127.0.0.1' IDENTIFIED BY '${pw}'`);
    expect(errorCode(r)).toBe(1819);
  });

  test("a pre-hashed password cannot bypass the check", () => {
    const r = db.rootSql(
      "CREATE USER 'weak'@'127.0.0.1' IDENTIFIED BY PASSWORD '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'",
    );
    expect(errorCode(r)).toBe(1290);
  });

  test("control: a strong password is accepted", () => {
    expect(
      db.rootSql("CREATE USER 'strong'@'127.0.0.1' IDENTIFIED BY 'correct-Horse-battery-9-staple' REQUIRE SSL").status,
    ).toBe(0);
    expect(db.rootSql("DROP USER 'strong'@'127.0.0.1'").status).toBe(0);
  });
});

describe("who can log in", () => {
  test("anonymous logins fail over the socket and over TCP", () => {
    expect(errorCode(db.socketSqlAs("nobody_here", "SELECT 1"))).toBe(1045);
    expect(errorCode(db.tcpSql("nobody_here", undefined, "SELECT 1", { tls: true }))).toBe(1045);
  });

  test("root over TCP fails (with TLS, with or without a password); root over the socket works", () => {
    expect(errorCode(db.tcpSql("root", undefined, "SELECT 1", { tls: true }))).toBe(1045);
    expect(errorCode(db.tcpSql("root", "anything-Guess-1", "SELECT 1", { tls: true }))).toBe(1045);
    expect(db.rootSql("SELECT CURRENT_USER()").stdout.trim()).toBe("root@localhost");
  });

  test("a connection without TLS is refused; the same login with a verified TLS certificate works", () => {
    expect(errorCode(db.tcpSql("shop", shopPassword, "SELECT 1", { tls: false }))).toBe(1045);
    const ok = db.tcpSql("shop", shopPassword, "SHOW SESSION STATUS LIKE 'Ssl_version'", { tls: true });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/Ssl_version\tTLSv1\.[23]/);
  });

  test("the wrong password is refused", () => {
    expect(errorCode(db.tcpSql("shop", `${shopPassword}x`, "SELECT 1", { tls: true }))).toBe(1045);
  });
});

describe("least privilege", () => {
  const shop = (sql: string, extra?: string[]) => db.tcpSql("shop", shopPassword, sql, { tls: true, extra });

  test("the application user can do its declared work", () => {
    const r = shop(
      "CREATE TABLE shop_db.orders (id INT PRIMARY KEY, item VARCHAR(20)); " +
        "CREATE INDEX i_item ON shop_db.orders (item);" +
        "INSERT INTO shop_db.orders VALUES (1,'tea'),(2,'cake'); UPDATE shop_db.orders SET item='scone' WHERE id=2;" +
        "DELETE FROM shop_db.orders WHERE id=1; SELECT id, item FROM shop_db.orders",
    );
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("2\tscone");
  });

  test("the read-only user can read but not write", () => {
    const pw = fs.readFileSync(path.join(paths.secretsDir, "report.password"), "utf8").trim();
    expect(db.tcpSql("report", pw, "SELECT COUNT(*) FROM shop_db.orders", { tls: true }).stdout.trim()).toBe("1");
    expect(errorCode(db.tcpSql("report", pw, "INSERT INTO shop_db.orders VALUES (3,'jam')", { tls: true }))).toBe(1142);
  });

  test("cannot GRANT or create users", () => {
    expect(errorCode(shop("GRANT SELECT ON shop_db.* TO 'report'@'127.0.0.0/255.0.0.0'"))).toBe(1044);
    expect(errorCode(shop("CREATE USER 'evil'@'127.0.0.1' IDENTIFIED BY 'correct-Horse-battery-9-staple'"))).toBe(1227);
  });

  test("cannot read mysql.user", () => {
    expect(errorCode(shop("SELECT User, authentication_string FROM mysql.user"))).toBe(1142);
    expect(errorCode(shop("SELECT * FROM mysql.global_priv"))).toBe(1142);
  });

  test("cannot use FILE: LOAD_FILE, SELECT INTO OUTFILE, LOAD DATA (server or local)", () => {
    expect(shop("SELECT LOAD_FILE('/etc/passwd') IS NULL").stdout.trim()).toBe("1");
    const out = path.join(paths.secureFilePriv, "leak.txt");
    // 1227: "you need (at least one of) the FILE privilege(s)"
    expect(errorCode(shop(`SELECT * FROM shop_db.orders INTO OUTFILE '${out}'`))).toBe(1227);
    expect(fs.existsSync(out)).toBe(false);
    const load = shop(`LOAD DATA INFILE '/etc/passwd' INTO TABLE shop_db.orders`);
    expect(errorCode(load)).toBe(1045); // MariaDB reports the missing FILE privilege here as access denied
    expect(load.stderr).toMatch(/Access denied for user 'shop'/);
    const local = path.join(paths.root, "local.csv");
    fs.writeFileSync(local, "9,x\n");
    const r = shop(`LOAD DATA LOCAL INFILE '${local}' INTO TABLE shop_db.orders FIELDS TERMINATED BY ','`, [
      "--local-infile=1",
    ]);
    expect(errorCode(r)).toBe(4166);
    expect(shop("SELECT COUNT(*) FROM shop_db.orders").stdout.trim()).toBe("1");
  });

  test("cannot touch another schema or see it", () => {
    expect(errorCode(shop("SELECT * FROM hr.salaries"))).toBe(1142);
    expect(errorCode(shop("DROP TABLE hr.salaries"))).toBe(1142);
    expect(errorCode(shop("CREATE DATABASE evil"))).toBe(1044);
    expect(errorCode(shop("CREATE TABLE hr.x (a INT)"))).toBe(1142);
    expect(errorCode(shop("SHOW DATABASES"))).toBe(1227); // skip-show-database: no schema listing at all
    expect(db.rootSql("SELECT COUNT(*) FROM hr.salaries").stdout.trim()).toBe("1");
  });

  test("the grants on the server are exactly the declared ones", () => {
    const grants = db.rootSql("SHOW GRANTS FOR 'shop'@'127.0.0.1'").stdout.trim().split("\n");
    expect(grants).toHaveLength(2);
    expect(grants[0]).toMatch(
      /^GRANT USAGE ON \*\.\* TO `shop`@`127\.0\.0\.1` IDENTIFIED BY PASSWORD '\*[0-9A-F]{40}' REQUIRE SSL$/,
    );
    // `_` escaped so the grant matches shop_db only, not e.g. shopXdb (batch output doubles the backslash)
    expect(grants[1]).toBe(
      "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, INDEX ON `shop\\\\_db`.* TO `shop`@`127.0.0.1`",
    );
  });
});

describe("SQL injection through config names is rejected before any SQL exists", () => {
  const schemasNow = () =>
    db.rootSql("SELECT GROUP_CONCAT(SCHEMA_NAME ORDER BY SCHEMA_NAME) FROM information_schema.SCHEMATA").stdout.trim();

  const base = { name: "shop", database: "shop_db", host: "127.0.0.1", privileges: ["SELECT"] };
  test.each([
    ["apps[0].name", { name: "shop'; DROP DATABASE hr; --" }, "shop'; DROP DATABASE hr; --"],
    [
      "apps[0].database",
      { database: "shop_db`.* TO 'x'@'%'; DROP DATABASE hr; --" },
      "shop_db`.* TO 'x'@'%'; DROP DATABASE hr; --",
    ],
    ["apps[0].host", { host: "127.0.0.1' OR '1'='1" }, "127.0.0.1' OR '1'='1"],
    ["apps[0].privileges[0]", { privileges: ["SELECT ON *.* TO 'x'@'%'; --"] }, "SELECT ON *.* TO 'x'@'%'; --"],
  ])("%s", (field, bad, value) => {
    const schemas = schemasNow();
    let err: unknown;
    try {
      renderMysqlHardening({ ...role, apps: [{ ...base, ...bad }] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MysqlArgsError);
    const issue = (err as MysqlArgsError).issues.find((i) => i.path === field);
    expect(issue?.value).toBe(JSON.stringify(value));
    expect(issue?.fix).toMatch(/use|know/);
    expect(schemasNow()).toBe(schemas);
  });

  test("the SQL module refuses unvalidated names even when a caller skips its schema", () => {
    const app = {
      host: "127.0.0.1",
      database: "d",
      privileges: ["SELECT"],
      scope: "database",
      auth: { kind: "password" },
    } as const;
    expect(() => renderUserSql({ ...app, name: "x' OR 1=1" }, "mariadb")).toThrow();
    expect(() => renderUserSql({ ...app, name: "x", host: "%' --" }, "mariadb")).toThrow();
    expect(schemasNow()).toContain("hr");
  });
});

describe("the RDS apply path (components/database/mysql-apply.ts) run against this server", () => {
  // Stands in for the RDS master user (AWS parts, the SSM port-forward and the secret fetch, are not reachable here).
  const adminPassword = "Adm1n-Stand-in-for-RDS-master";
  const appPassword = "Str0ng-'quote$HOME%s-pw-`x`";
  let adminFile = "";
  const script = () =>
    renderApplyScript({
      users: [
        {
          name: "billing",
          host: "127.0.0.1",
          database: "billing",
          privileges: ["SELECT", "INSERT", "CREATE"],
          scope: "database",
          auth: { kind: "password" },
        },
      ],
    }).script;
  const runApply = (pw: string | undefined) =>
    runScript(script(), {
      DB_HOST: "127.0.0.1",
      DB_PORT: String(db.port),
      BULWARK_MYSQL_DEFAULTS_FILE: adminFile,
      CA_BUNDLE: paths.tls.caFile,
      MYSQL_CLIENT: "mariadb",
      ...(pw === undefined ? {} : { BULWARK_PW_BILLING: pw }),
    });

  beforeAll(() => {
    const r = db.rootSql(
      `CREATE USER 'rds_admin'@'127.0.0.1' IDENTIFIED BY '${adminPassword}' REQUIRE SSL; ` +
        "GRANT ALL PRIVILEGES ON *.* TO 'rds_admin'@'127.0.0.1' WITH GRANT OPTION",
    );
    if (r.status !== 0) throw new Error(r.stderr);
    adminFile = path.join(paths.root, "admin.cnf");
    fs.writeFileSync(adminFile, `[client]\nuser=rds_admin\npassword=${adminPassword}\n`, { mode: 0o600 });
  });
  afterAll(() => {
    db.rootSql("DROP USER IF EXISTS 'rds_admin'@'127.0.0.1'; DROP USER IF EXISTS 'billing'@'127.0.0.1'");
  });

  test("a missing password variable stops the run before any SQL", () => {
    const r = runApply(undefined);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/BULWARK_PW_BILLING is not set/);
    expect(db.rootSql("SELECT COUNT(*) FROM mysql.user WHERE User='billing'").stdout.trim()).toBe("0");
  });

  test("creates the user over verified TLS, prints no credential, and the password (quotes, $, %) works", () => {
    const r = runApply(appPassword);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/applied 1 application user\(s\): billing/);
    for (const secret of [adminPassword, appPassword, Buffer.from(appPassword).toString("hex")]) {
      expect(r.stdout + r.stderr).not.toContain(secret);
      expect(script()).not.toContain(secret);
    }
    const work = db.tcpSql(
      "billing",
      appPassword,
      "CREATE TABLE billing.inv (n INT); INSERT INTO billing.inv VALUES (7); SELECT n FROM billing.inv",
      { tls: true },
    );
    expect(work.stderr).toBe("");
    expect(work.stdout.trim()).toBe("7");
    expect(errorCode(db.tcpSql("billing", appPassword, "SELECT 1", { tls: false }))).toBe(1045);
    expect(
      errorCode(
        db.tcpSql(
          "billing",
          appPassword,
          "CREATE USER 'x'@'127.0.0.1' IDENTIFIED BY 'correct-Horse-battery-9-staple'",
          { tls: true },
        ),
      ),
    ).toBe(1227);
    expect(errorCode(db.tcpSql("billing", appPassword, "SELECT * FROM shop_db.orders", { tls: true }))).toBe(1142);
  });

  test("a re-run keeps the current password (after the first run, rotation owns it)", () => {
    const r = runApply("Different-Passw0rd-from-state!");
    expect(r.status).toBe(0);
    expect(db.tcpSql("billing", appPassword, "SELECT CURRENT_USER()", { tls: true }).stdout.trim()).toBe(
      "billing@127.0.0.1",
    );
  });

  test("the server enforces the password policy on this path too", () => {
    db.rootSql("DROP USER IF EXISTS 'billing'@'127.0.0.1'");
    const r = runApply("short1!A");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ERROR 1819/);
    expect(r.stderr).not.toContain("short1!A");
  });
});
