/** The pure SQL module and the role renderer: quoting, validation, rendering per flavor and auth. No server. */
import { mysqlRoleSchema, renderMysqlHardening } from "../../components/host/mysql";
import { renderApplyScript, passwordEnvVar } from "../../components/database/mysql-apply";
import {
  accountHostSchema,
  appGrantSchema,
  quoteGrantDatabase,
  quoteIdent,
  quoteString,
  renderSecureInstallationSql,
  renderUserSql,
  setPasswordVariableSql,
} from "../../components/database/mysql-sql";

describe("quoting", () => {
  test("identifiers double backticks; strings double quotes; both refuse what has no mode-independent escape", () => {
    expect(quoteIdent("a`b")).toBe("`a``b`");
    expect(quoteString("it's")).toBe("'it''s'");
    expect(() => quoteString("a\\b")).toThrow(/backslashes/);
    expect(() => quoteString("a\u0000b")).toThrow(/control/);
    expect(() => quoteIdent("x".repeat(65))).toThrow(/too long/);
    expect(() => quoteIdent("a\nb")).toThrow(/control/);
  });

  test("grant database patterns escape the LIKE wildcards", () => {
    expect(quoteGrantDatabase("shop_db")).toBe("`shop\\_db`");
    expect(quoteGrantDatabase("a%b")).toBe("`a\\%b`");
  });

  test("password variables accept only hex", () => {
    expect(setPasswordVariableSql("shop", "41ff")).toBe("SET @bulwark_pw_shop = CONVERT(UNHEX('41ff') USING utf8mb4);");
    expect(() => setPasswordVariableSql("shop", "41'); DROP")).toThrow(/hex/);
    expect(() => setPasswordVariableSql("x'y", "41")).toThrow();
  });
});

describe("validation", () => {
  test("hosts: %, localhost, IPv4, CIDR (rendered as netmask, network address), nothing else", () => {
    expect(accountHostSchema.parse("10.0.1.0/24")).toBe("10.0.1.0/255.255.255.0");
    expect(accountHostSchema.parse("10.0.1.77/24")).toBe("10.0.1.0/255.255.255.0");
    expect(accountHostSchema.parse(accountHostSchema.parse("10.0.0.0/8"))).toBe("10.0.0.0/255.0.0.0");
    for (const bad of ["example.com", "10.0.1.%", "10.0.1.0/33", "10.0.1.1/255.0.255.0", "::1", "' OR 1=1 --"]) {
      expect(accountHostSchema.safeParse(bad).success).toBe(false);
    }
  });

  test("privileges are normalised; ALL becomes ALL PRIVILEGES and needs a waiver", () => {
    expect(
      appGrantSchema.parse({ name: "a", database: "d", privileges: ["select", " create  view "] }).privileges,
    ).toEqual(["SELECT", "CREATE VIEW"]);
    const r = appGrantSchema.safeParse({ name: "a", database: "d", privileges: ["all"] }, { reportInput: true });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/ALL PRIVILEGES is refused without a waiver/);
  });

  test("the role schema parses its own output to the same value (the host bundle re-parses it)", () => {
    const once = mysqlRoleSchema.parse({
      bindAddress: "10.0.1.5",
      apps: [{ name: "a", database: "d", host: "10.0.2.0/24", privileges: ["select"] }],
    });
    expect(mysqlRoleSchema.parse(once)).toEqual(once);
    expect(renderMysqlHardening(once).apply).toBe(renderMysqlHardening(mysqlRoleSchema.parse(once)).apply);
  });

  test("the role refuses public or wildcard bind addresses and % hosts", () => {
    for (const bindAddress of ["0.0.0.0", "8.8.8.8", "::", "db.example.com"]) {
      expect(() => renderMysqlHardening({ bindAddress })).toThrow(/bindAddress: got/);
    }
    expect(() =>
      renderMysqlHardening({
        bindAddress: "10.0.0.5",
        apps: [{ name: "a", database: "d", host: "%", privileges: ["SELECT"] }],
      }),
    ).toThrow(/mysql-db-07/);
    expect(() =>
      renderMysqlHardening({
        bindAddress: "10.0.0.5",
        apps: [{ name: "a", database: "d", host: "10.0.0.9", privileges: ["SELECT"], auth: "unix_socket" }],
      }),
    ).toThrow(/host: localhost/);
  });
});

describe("rendering", () => {
  const base = {
    name: "app",
    host: "10.0.1.0/255.255.255.0",
    database: "app_db",
    privileges: ["SELECT", "INSERT"] as const,
    scope: "database" as const,
  };

  test("IAM users exist only on MySQL (RDS), with TLS required", () => {
    expect(renderUserSql({ ...base, auth: { kind: "iam" } }, "mysql")).toContain(
      "CREATE USER IF NOT EXISTS 'app'@'10.0.1.0/255.255.255.0' " +
        "IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' REQUIRE SSL;",
    );
    expect(() => renderUserSql({ ...base, auth: { kind: "iam" } }, "mariadb")).toThrow(/only on RDS MySQL/);
  });

  test("unix_socket users per flavor, no TLS clause (local socket)", () => {
    expect(renderUserSql({ ...base, host: "localhost", auth: { kind: "unix_socket" } }, "mariadb")[1]).toBe(
      "CREATE USER IF NOT EXISTS 'app'@'localhost' IDENTIFIED VIA unix_socket;",
    );
    expect(renderUserSql({ ...base, host: "localhost", auth: { kind: "unix_socket" } }, "mysql")[1]).toBe(
      "CREATE USER IF NOT EXISTS 'app'@'localhost' IDENTIFIED WITH auth_socket;",
    );
  });

  test("grants: revoke everything, then exactly the declared list; GRANT OPTION becomes WITH GRANT OPTION", () => {
    const sql = renderUserSql(
      { ...base, privileges: ["SELECT", "GRANT OPTION"], auth: { kind: "password" } },
      "mariadb",
    );
    expect(sql.slice(-2)).toEqual([
      "REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'app'@'10.0.1.0/255.255.255.0';",
      "GRANT SELECT ON `app\\_db`.* TO 'app'@'10.0.1.0/255.255.255.0' WITH GRANT OPTION;",
    ]);
  });

  test("secure installation per flavor", () => {
    expect(renderSecureInstallationSql("mariadb")).toContain("DELETE FROM mysql.global_priv WHERE User = '';");
    expect(renderSecureInstallationSql("mysql")).toContain(
      "ALTER USER 'root'@'localhost' IDENTIFIED WITH auth_socket;",
    );
  });

  test("MySQL flavor: options MySQL 8 dropped are loose-, validate_password is installed, no MariaDB plugins", () => {
    const r = renderMysqlHardening({ flavor: "mysql", bindAddress: "10.0.0.5" });
    const cnf = r.files[0]!.content;
    expect(r.files[0]!.path).toBe("/etc/mysql/mysql.conf.d/99-bulwark-hardening.cnf");
    expect(cnf).toContain("loose-skip-symbolic-links = 1");
    expect(cnf).toContain("loose-validate_password.policy = STRONG");
    expect(cnf).not.toMatch(/simple_password_check|server_audit/);
    expect(r.apply).toContain("INSTALL COMPONENT 'file://component_validate_password'");
    expect(r.verify).toContain("component_validate_password");
  });

  test("Amazon Linux layout", () => {
    const r = renderMysqlHardening({ platform: "amazon", bindAddress: "10.0.0.5" });
    expect(r.files[0]!.path).toBe("/etc/my.cnf.d/99-bulwark-hardening.cnf");
    expect(r.files[0]!.content).toContain("socket = /var/lib/mysql/mysql.sock");
  });

  test("the RDS apply script: password env var per password user, SQL in a quoted heredoc, nothing on argv", () => {
    const { script, sql } = renderApplyScript({
      users: [
        { ...base, host: "%", auth: { kind: "password" } },
        { ...base, name: "api", host: "%", auth: { kind: "iam" } },
      ],
    });
    expect(passwordEnvVar("app")).toBe("BULWARK_PW_APP");
    expect(script).toContain('"$(hexenv "$BULWARK_PW_APP")"');
    expect(script).not.toContain("BULWARK_PW_API");
    expect(script).toContain("cat <<'BULWARK_SQL'\n" + sql + "\nBULWARK_SQL");
    expect(script).toMatch(/--defaults-extra-file="\$work\/admin.cnf"/);
    expect(script).not.toMatch(/ -p["$]|--password/);
  });
});

describe("rendered scripts pass shellcheck", () => {
  const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
  const scripts: [string, string][] = [];
  for (const flavor of ["mariadb", "mysql"] as const) {
    for (const generate of [true, false]) {
      const r = renderMysqlHardening({
        flavor,
        bindAddress: "10.0.0.1",
        tls: { generateIfMissing: generate },
        apps: [{ name: "a", database: "d", host: "10.0.0.2", privileges: ["SELECT"] }],
      });
      scripts.push([`${flavor} apply (generate ${generate})`, r.apply], [`${flavor} verify`, r.verify]);
    }
  }
  scripts.push([
    "RDS apply",
    renderApplyScript({
      users: [
        { name: "a", host: "%", database: "d", privileges: ["SELECT"], scope: "database", auth: { kind: "password" } },
      ],
    }).script,
  ]);
  test.each(scripts)("%s", (_name, script) => {
    const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: script, encoding: "utf8" });
    if (r.error) throw r.error; // shellcheck is a CI prerequisite (.ci/run installs it)
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  });
});
