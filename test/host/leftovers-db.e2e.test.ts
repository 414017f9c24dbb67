/**
 * Issue 9 end to end on booted hosts (Debian 12, Ubuntu 24.04, 22.04): an existing database server with its
 * leftovers (MariaDB from the distribution's packages with its socket units enabled, a weak 'legacy'@'%' account
 * with global privileges), hardened live over SSH with HardenedHost's exact steps, then attacked from the client
 * namespace: the legacy account is locked, MariaDB listens only on its bind address, and the host cannot open
 * SSH or MySQL to a neighbour while the log collector and a declared flow still work.
 */
import * as fs from "fs";
import * as path from "path";
import type { ChildProcess } from "child_process";
import { renderBundle, writeBundle } from "../../components/host/render";
import { bundleInstaller, hardenedHostCommands } from "../../components/host/hardened-host";
import {
  clientKey,
  describeHost,
  DISTROS,
  expectConfirmed,
  harness,
  HARNESS,
  harnessAsync,
  hostSlot,
  listenIn,
  probe,
  run,
  runAsync,
  selected,
  SideBySide,
  sshAs,
  TEST_DIR,
  testPki,
  tlsCollector,
  tmpDir,
  waitFor,
  waitForSshd,
} from "./helpers";
import { IDS_WAIVED } from "./live-helpers";

const LOG_PEER = "logs.bulwark.test";
const hosts = new SideBySide();
const WEAK = "legacy123";

function model(net: number, pub: string, caPem: string) {
  return {
    role: "db",
    admins: [{ name: "alice", sshKeys: [pub] }],
    ssh: { managementSources: [`10.231.${net}.0/25`] },
    inbound: [{ port: 3306, sources: [`10.231.${net}.0/24`], description: "MySQL from the app tier" }],
    ids: IDS_WAIVED,
    logs: { kind: "rsyslog-tls", target: `10.231.${net}.2`, permittedPeer: LOG_PEER, caPem },
    egress: { flows: [{ to: [`10.231.${net}.6/32`], port: 8443, description: "declared test flow" }] },
    mysql: {
      bindAddress: `10.231.${net}.1`,
      apps: [{ name: "shop", database: "shop_db", host: `10.231.${net}.0/24`, privileges: ["SELECT", "INSERT"] }],
    },
  };
}

for (const { suite, os } of selected(DISTROS)) {
  const { id, net } = hostSlot("leftoversDb", suite);
  describeHost(`issue 9 leftovers on a booted ${os} database host (${suite})`, [suite], () => {
    jest.setTimeout(600_000);
    const srv = `10.231.${net}.1`;
    const other = `10.231.${net}.100`; // a second address of the host, where nothing may listen
    const good = `10.231.${net}.2`; // operator and log collector
    const app = `10.231.${net}.3`;
    const neighbour = `10.231.${net}.5`;
    const flowPeer = `10.231.${net}.6`;
    const m = path.join(TEST_DIR, id, "m");
    let key: { priv: string; pub: string };
    let work: string;
    let pki: ReturnType<typeof testPki>;
    let collector: ReturnType<typeof tlsCollector> | undefined;
    let neighbours: ChildProcess | undefined;
    const before: Record<string, string> = {};
    let applyOut = "";
    let confirmOut = "";

    const ssh = (user: string, command: string, timeoutSecs?: number) =>
      sshAs(id, srv, key.priv, good, user, command, { timeoutSecs });
    /**
     * A MariaDB login from the client namespace (source: its first address, in the app's /24); the password in a
     * 0600 file, never argv.
     */
    const sqlLogin = (user: string, password: string, sql: string, tls: boolean) => {
      const cnf = path.join(work, `client-${user}.cnf`);
      const lines = [
        "[client]",
        `user=${user}`,
        `password=${password}`,
        `host=${srv}`,
        "port=3306",
        "protocol=tcp",
        "connect-timeout=5",
      ];
      lines.push(
        ...(tls ? ["ssl", `ssl-ca=${path.join(m, "etc/mysql/tls/ca.pem")}`, "ssl-verify-server-cert"] : ["skip-ssl"]),
      );
      fs.writeFileSync(cnf, lines.join("\n") + "\n", { mode: 0o600 });
      try {
        return harness("client", id, "mariadb", `--defaults-file=${cnf}`, "-N", "-B", "-e", sql);
      } finally {
        fs.rmSync(cnf, { force: true });
      }
    };
    /** A TCP connect from the host (6 s deadline); async, so blocked probes time out side by side. */
    const reach = async (addr: string, port: number) =>
      (
        await harnessAsync("exec", id, "timeout", "6", "bash", "-c", `exec 3<>/dev/tcp/${addr}/${port} && echo open`)
      ).stdout.trim() === "open"
        ? "open"
        : "blocked";
    const reachAll = (probes: [string, number][]) => Promise.all(probes.map(([a, p]) => reach(a, p)));
    /** Waits (deadline) for `f` to hold; throws naming `what` when it never does. */
    const waitUntil = async (what: string, f: () => boolean, ms = 60_000) => {
      if (!(await waitFor(f, Boolean, ms, 500))) throw new Error(`timed out waiting for ${what}`);
    };

    // Set up side by side with the other distributions (sideBySide); the tests run one after another.
    hosts.add(
      suite,
      async () => {
        harness("down", id);
        key = clientKey();
        work = tmpDir(`bulwark-leftdb-${suite}-`);
        pki = testPki(work, LOG_PEER);
        writeBundle(renderBundle(model(net, key.pub, pki.caPem), os), path.join(work, "bundle"));
        const up = await harnessAsync("up", id, suite, String(net), path.join(work, "bundle"));
        if (up.code !== 0) throw new Error(`harness up failed: ${up.out}`);
        // The leftovers: the distribution's MariaDB, offline from the cached debs, with its packaged socket units
        // enabled.
        const inst = await runAsync(
          HARNESS,
          [
            "chroot",
            id,
            "sh",
            "-c",
            // dpkg twice: one pass cannot order the pre-dependencies among the files (apt-get --no-download would
            // fetch).
            "export DEBIAN_FRONTEND=noninteractive; d=/var/cache/bulwark-debs/mariadb; " +
              '{ dpkg -i "$d"/*.deb >/dev/null 2>&1 || dpkg -i "$d"/*.deb; } && ' +
              "mkdir -p /etc/systemd/system/sockets.target.wants && " +
              "for u in mariadb.socket mariadb-extra.socket; do " +
              "f=$(ls /lib/systemd/system/$u /usr/lib/systemd/system/$u 2>/dev/null | head -n 1); " +
              '[ -z "$f" ] || ln -sf "$f" /etc/systemd/system/sockets.target.wants/$u; done',
          ],
          { timeoutMs: 300_000 },
        );
        if (inst.code !== 0) throw new Error(`installing MariaDB offline failed: ${inst.out}`);
        run("ip", ["-n", `bw-s-${id}`, "addr", "add", `${other}/24`, "dev", `bws${id}`]);
        collector = tlsCollector(id, good, 6514, pki.cert, pki.key);
        neighbours = listenIn(["ip", "netns", "exec", `bw-c-${id}`], [22, 3306, 8443]);
        await harnessAsync("boot", id);
        await waitUntil(
          "MariaDB through its socket",
          () => harness("exec", id, "mariadb", "-N", "-e", "SELECT 1").stdout.trim() === "1",
        );
        const plant = harness(
          "exec",
          id,
          "mariadb",
          "-e",
          `CREATE USER 'legacy'@'%' IDENTIFIED BY '${WEAK}'; ` +
            "GRANT ALL PRIVILEGES ON *.* TO 'legacy'@'%' WITH GRANT OPTION;",
        );
        if (plant.code !== 0) throw new Error(`planting legacy@% failed: ${plant.out}`);
        await waitForSshd(id, srv, key.priv, good);
      },
      () => {
        collector?.stop();
        neighbours?.kill("SIGKILL");
        harness("down", id);
        if (work) fs.rmSync(work, { recursive: true, force: true });
      },
    );
    beforeAll(() => hosts.ready(suite));

    afterAll(() => {
      collector?.stop();
      neighbours?.kill("SIGKILL");
      const down = harness("down", id);
      if (work) fs.rmSync(work, { recursive: true, force: true });
      if (down.code !== 0) throw new Error(`harness down failed: ${down.out}`);
    });

    test(
      "before: the leftovers are real (legacy logs in, 3306 on " +
        "every address, the host reaches neighbours) and verify names them",
      async () => {
        expect(sqlLogin("legacy", WEAK, "SELECT CURRENT_USER()", false).stdout.trim()).toBe("legacy@%");
        expect(probe(id, other, 3306, good)).toBe("open");
        expect(harness("exec", id, "ss", "-Hltnp", "sport = :3306").stdout).toMatch(/"systemd",pid=1/);
        expect(
          await reachAll([
            [neighbour, 22],
            [neighbour, 3306],
          ]),
        ).toEqual(["open", "open"]);
        const v = harness("exec", id, "/opt/bulwark/bundle/verify");
        before.verify = v.stdout;
        expect(v.code).toBe(1);
        expect(v.stdout).toMatch(/^FAIL +mysql +.*held by mariadb\.socket/m);
        expect(v.stdout).toMatch(
          /^FAIL +mysql +.*bulwark undeclared accounts are locked: expected '', got '[^']*legacy@%/m,
        );
        expect(v.stdout).toMatch(
          /^FAIL +mysql +.*bulwark no global privileges or GRANT OPTION outside root: expected '', got 'legacy@%'/m,
        );
        expect(v.stdout).not.toContain(WEAK);
      },
    );

    test(
      "apply live over SSH (HardenedHost's steps): masks the sockets, " +
        "locks legacy@%, keeps the session; verify confirms from a new connection",
      () => {
        const b = renderBundle(model(net, key.pub, pki.caPem), os);
        const cmds = hardenedHostCommands(b, 180);
        const copy = sshAs(id, srv, key.priv, good, "root", `cat > ${cmds.installerPath}`, {
          input: bundleInstaller(b),
        });
        expect(copy.code).toBe(0);
        const apply = ssh("root", `${cmds.apply} && echo SESSION-SURVIVED`, 500);
        applyOut = apply.out;
        expect(apply.stdout).toContain("SESSION-SURVIVED");
        expect(apply.stdout).toMatch(/changed: masked mariadb\.socket/);
        expect(apply.stdout).toContain("changed: mysql account legacy@% locked");
        expect(apply.stdout).toMatch(/rolls back in 180s unless confirmed/);
        const confirm = ssh("alice", cmds.verify, 120);
        confirmOut = confirm.out;
        expectConfirmed(id, confirm);
        expect(confirm.stdout).toMatch(/^PASS +firewall +output policy drop loaded/m);
        expect(confirm.stdout).toMatch(/^PASS +mysql +mysql-baseline checks/m);
        expect(fs.existsSync(path.join(m, "run/bulwark/fw-pending"))).toBe(false);
      },
    );

    test("the legacy account cannot log in; the declared application still can (TLS verified)", () => {
      const legacy = sqlLogin("legacy", WEAK, "SELECT CURRENT_USER()", true);
      expect(legacy.code).not.toBe(0);
      expect(legacy.out).toMatch(/ERROR 4151/); // the account is locked
      const pw = fs.readFileSync(path.join(m, "etc/bulwark/mysql/shop.password"), "utf8").trim();
      expect(sqlLogin("shop", pw, "SELECT CURRENT_USER()", true).stdout.trim()).toBe(
        `shop@10.231.${net}.0/255.255.255.0`,
      );
    });

    test("MariaDB listens only on its bind address: 3306 elsewhere refuses; ss shows only mariadbd", () => {
      expect(probe(id, srv, 3306, app)).toBe("open");
      expect(probe(id, other, 3306, app)).toBe("closed");
      const ss = harness("exec", id, "ss", "-Hltnp", "sport = :3306").stdout.trim().split("\n");
      expect(ss).toHaveLength(1);
      expect(ss[0]).toMatch(new RegExp(`${srv.replace(/\./g, "\\.")}:3306 .*\\(\\("mariadbd",`));
      expect(harness("exec", id, "systemctl", "is-enabled", "mariadb.socket").stdout.trim()).toBe("masked");
    });

    test(
      "the host cannot reach a neighbour's SSH or MySQL; " + "the log collector and the declared flow still work",
      async () => {
        // The declared flow names .6 only: the neighbour's 8443 stays blocked.
        expect(
          await reachAll([
            [neighbour, 22],
            [neighbour, 3306],
            [neighbour, 8443],
            [flowPeer, 8443],
          ]),
        ).toEqual(["blocked", "blocked", "blocked", "open"]);
        expect(harness("exec", id, "nft", "list", "chain", "inet", "bulwark", "output").stdout).toContain(
          "policy drop;",
        );
        const mark = `bulwark-leftdb-${suite}-${Date.now()}`;
        expect(harness("exec", id, "logger", "-t", "bulwarktest", mark).code).toBe(0);
        const got = await waitFor(
          () => collector!.output(),
          (o) => o.includes(mark),
          45_000,
        );
        expect(got).toContain(`bulwarktest: ${mark}`);
      },
    );

    test("verify passes; a second apply makes 0 changes", () => {
      const v = harness("exec", id, "/opt/bulwark/bundle/verify");
      expect(v.stdout).toMatch(/^verify: PASSED/m);
      expect(v.code).toBe(0);
      const again = harness("exec", id, "/opt/bulwark/bundle/apply");
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/done: 0 change\(s\)/);
    });

    afterAll(() => {
      if (applyOut || confirmOut)
        console.log(
          `${suite} apply:\n${applyOut.slice(-3000)}\nconfirm:\n${confirmOut.slice(-3000)}\n` +
            `verify before:\n${before.verify ?? ""}`,
        );
    });
  });
}
