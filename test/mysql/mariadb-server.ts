/**
 * A throwaway MariaDB server for tests: Debian's mariadbd on a temp datadir, a unix socket and one loopback port,
 * with a throwaway CA and server certificate. Started from the config the mysql role renders; stopped (and the
 * temp tree removed) by `stop()`. Never touches the system service, its socket or its datadir.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { renderMysqlHardening, type MysqlRoleInput } from "../../components/host/mysql";

export const REQUIRED_BINARIES = ["mariadbd", "mariadb-install-db", "mariadb", "mariadb-admin", "openssl"];

/** Throws (never skips) when the server cannot be started here: CI must fail loudly, not pass quietly. */
export function assertPrerequisites(env: NodeJS.ProcessEnv = process.env): void {
  const missing = REQUIRED_BINARIES.filter(
    (b) => spawnSync("/bin/sh", ["-c", `command -v ${b}`], { env }).status !== 0,
  );
  const problems: string[] = [];
  if (missing.length > 0)
    problems.push(`missing ${missing.join(", ")}: apt-get install mariadb-server mariadb-client openssl`);
  if (process.getuid?.() !== 0)
    problems.push("must run as root (mariadbd switches to the mysql user; unix_socket root login)");
  if (spawnSync("id", ["mysql"]).status !== 0) problems.push("no 'mysql' OS user: install mariadb-server");
  if (problems.length > 0) {
    throw new Error(`The MariaDB suite cannot run (CI=${process.env.CI ?? "unset"}): ${problems.join("; ")}`);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

function run(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    input: opts.input,
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return r;
}

export function must(cmd: string, args: string[], opts: { input?: string; cwd?: string } = {}): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export interface TestPaths {
  root: string;
  datadir: string;
  socket: string;
  pidFile: string;
  secureFilePriv: string;
  secretsDir: string;
  configFile: string;
  errorLog: string;
  tls: { caFile: string; certFile: string; keyFile: string };
}

/** A temp tree the mysql user can traverse. TLS paths are empty: the role's apply generates the CA and certificate. */
export function makeTestTree(): TestPaths {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-mariadb-"));
  fs.chmodSync(root, 0o755);
  const p = (...s: string[]) => path.join(root, ...s);
  for (const d of ["run", "etc"]) fs.mkdirSync(p(d), { mode: 0o755 });
  fs.chmodSync(p("run"), 0o755);
  must("chown", ["mysql:mysql", p("run")]);
  const tls = {
    caFile: p("tls", "ca.pem"),
    certFile: p("tls", "server-cert.pem"),
    keyFile: p("tls", "server-key.pem"),
  };
  return {
    root,
    datadir: p("data"),
    socket: p("run", "mysqld.sock"),
    pidFile: p("run", "mysqld.pid"),
    secureFilePriv: p("files"),
    secretsDir: p("secrets"),
    configFile: p("etc", "99-bulwark-hardening.cnf"),
    errorLog: p("run", "error.log"),
    tls,
  };
}

export class TestMariadb {
  private child?: ChildProcess;
  constructor(
    readonly paths: TestPaths,
    readonly port: number,
  ) {}

  /** mariadb-install-db on the temp datadir (creates the anonymous users and `test` schema a fresh install has). */
  installDb(): number {
    const t0 = Date.now();
    must("mariadb-install-db", [
      "--no-defaults",
      "--user=mysql",
      `--datadir=${this.paths.datadir}`,
      "--auth-root-authentication-method=socket",
    ]);
    return Date.now() - t0;
  }

  /** Starts mariadbd with exactly the rendered config file and waits until it answers on the socket. */
  async start(): Promise<number> {
    const t0 = Date.now();
    this.child = spawn("mariadbd", [`--defaults-file=${this.paths.configFile}`, `--log-error=${this.paths.errorLog}`], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    this.child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    let exited: number | null = null;
    this.child.once("exit", (code) => (exited = code ?? -1));
    for (let i = 0; i < 200; i++) {
      if (exited !== null) throw new Error(`mariadbd exited (${exited}): ${stderr}\n${this.errorLog()}`);
      if (
        run("mariadb-admin", ["--no-defaults", "--protocol=socket", "-S", this.paths.socket, "-u", "root", "ping"])
          .status === 0
      ) {
        return Date.now() - t0;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`mariadbd did not answer within 20 s: ${this.errorLog()}`);
  }

  errorLog(): string {
    try {
      return fs.readFileSync(this.paths.errorLog, "utf8").split("\n").slice(-30).join("\n");
    } catch {
      return "(no error log)";
    }
  }

  /** Shuts the server down cleanly (kills our own child if it will not stop) and removes the temp tree. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once("exit", () => r()));
      run("mariadb-admin", ["--no-defaults", "--protocol=socket", "-S", this.paths.socket, "-u", "root", "shutdown"]);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"t">((r) => (timer = setTimeout(() => r("t"), 15_000)));
      const outcome = await Promise.race([gone, timeout]);
      clearTimeout(timer);
      if (outcome === "t") {
        child.kill("SIGKILL");
        await gone;
      }
    }
    fs.rmSync(this.paths.root, { recursive: true, force: true });
  }

  /** root over the unix socket (the only way root gets in after hardening). */
  rootSql(sql: string): SpawnSyncReturns<string> {
    return this.socketSqlAs("root", sql);
  }

  /**
   * A TCP login as `user` on 127.0.0.1. The password goes in a 0600 defaults file, never argv or the environment.
   * `tls: true` verifies the server certificate against the test CA.
   */
  tcpSql(
    user: string,
    password: string | undefined,
    sql: string,
    opts: { tls: boolean; extra?: string[] },
  ): SpawnSyncReturns<string> {
    const file = path.join(this.paths.root, `client-${process.pid}-${Math.random().toString(36).slice(2)}.cnf`);
    const lines = ["[client]", `user=${user}`, "host=127.0.0.1", `port=${this.port}`, "protocol=tcp"];
    if (password !== undefined) lines.push(`password=${password}`);
    if (opts.tls) lines.push("ssl", `ssl-ca=${this.paths.tls.caFile}`, "ssl-verify-server-cert");
    else lines.push("skip-ssl");
    fs.writeFileSync(file, lines.join("\n") + "\n", { mode: 0o600 });
    try {
      return run("mariadb", [`--defaults-file=${file}`, "-N", "-B", ...(opts.extra ?? []), "-e", sql]);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  socketSqlAs(user: string, sql: string): SpawnSyncReturns<string> {
    return run("mariadb", [
      "--no-defaults",
      "--protocol=socket",
      "-S",
      this.paths.socket,
      "-u",
      user,
      "-N",
      "-B",
      "-e",
      sql,
    ]);
  }
}

/** The MariaDB error number in a client's stderr (`ERROR 1045 (28000) ...`), or undefined. */
export function errorCode(r: SpawnSyncReturns<string>): number | undefined {
  const m = /ERROR (\d+)/.exec(r.stderr);
  return m ? Number(m[1]) : undefined;
}

export function runScript(script: string, env: Record<string, string>): SpawnSyncReturns<string> {
  return run("bash", ["--norc", "--noprofile", "-c", script], {
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", ...env },
  });
}

/** The environment of the role's apply/verify against a test server: one stage of apply, the test's socket. */
export const stageEnv = (paths: TestPaths, stage = "sql"): Record<string, string> => ({
  BULWARK_MYSQL_STAGE: stage,
  BULWARK_MYSQL_SOCKET: paths.socket,
});

export interface RoleServer {
  db: TestMariadb;
  paths: TestPaths;
  role: MysqlRoleInput;
  rendered: ReturnType<typeof renderMysqlHardening>;
  /** Apply's prepare stage, as it ran. */
  prepare: SpawnSyncReturns<string>;
  /** How long mariadb-install-db and the start took (ms). */
  timings: { installDb: number; start: number };
}

/**
 * A MariaDB as the role renders it on 127.0.0.1 and a free port: the rendered files written into a temp tree, a
 * fresh install, apply's prepare stage (directories, TLS), then mariadbd started from the rendered config. The
 * test runs apply's sql stage itself (a host runs `all`). Stop it with `db.stop()`.
 */
export async function startRoleServer(input: Pick<MysqlRoleInput, "apps" | "keepAccounts">): Promise<RoleServer> {
  assertPrerequisites();
  const paths = makeTestTree();
  const db = new TestMariadb(paths, await freePort());
  const role: MysqlRoleInput = {
    flavor: "mariadb",
    bindAddress: "127.0.0.1",
    port: db.port,
    paths: {
      configFile: paths.configFile,
      datadir: paths.datadir,
      socket: paths.socket,
      pidFile: paths.pidFile,
      secureFilePriv: paths.secureFilePriv,
      secretsDir: paths.secretsDir,
    },
    tls: paths.tls,
    ...input,
  };
  try {
    const rendered = renderMysqlHardening(role);
    for (const f of rendered.files) fs.writeFileSync(f.path, f.content, { mode: f.mode });
    const installDb = db.installDb();
    const prepare = runScript(rendered.apply, stageEnv(paths, "prepare"));
    if (prepare.status !== 0) throw new Error(`apply (prepare) failed: ${prepare.stderr}`);
    const start = await db.start();
    return { db, paths, role, rendered, prepare, timings: { installDb, start } };
  } catch (e) {
    await db.stop(); // the temp tree goes too
    throw e;
  }
}
