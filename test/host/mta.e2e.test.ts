/**
 * MTA local-only mode (issue 15), live on a booted Ubuntu 22.04 with postfix installed from the distribution's
 * package in its packaged state (inet_interfaces = all).
 */
import * as path from "path";
import { renderBundle, writeBundle } from "../../components/host/render";
import { clientKey, describeHost, harness, HARNESS, hostSlot, probe, run, testPki, tmpDir, waitFor } from "./helpers";
import { liveModel, rm } from "./live-helpers";

describeHost("MTA local-only on a booted ubuntu-22.04 with postfix as packaged (jammy)", ["jammy"], () => {
  jest.setTimeout(300_000);
  const { id, net } = hostSlot("mta", "jammy");
  const srv = `10.231.${net}.1`;
  const good = `10.231.${net}.2`;
  let work: string;
  const exec = (...cmd: string[]) => harness("exec", id, ...cmd);

  beforeAll(async () => {
    harness("down", id);
    work = tmpDir("bulwark-mta-");
    const pki = testPki(work, "logs.bulwark.test");
    writeBundle(renderBundle(liveModel(net, clientKey().pub, pki.caPem), "ubuntu-22.04"), path.join(work, "bundle"));
    const up = harness("up", id, "jammy", String(net), path.join(work, "bundle"));
    if (up.code !== 0) throw new Error(`harness up failed: ${up.out}`);
    const debs = run(HARNESS, ["debs", id, "postfix"], { timeoutMs: 600_000 });
    if (debs.code !== 0) throw new Error(`postfix install failed: ${debs.out}`);
    harness("boot", id);
    await waitFor(
      () => exec("systemctl", "is-active", "postfix").stdout.trim() === "active" && probe(id, srv, 25, good) === "open",
      Boolean,
      60_000,
    );
  });

  afterAll(() => {
    const down = harness("down", id);
    rm(work);
    if (down.code !== 0) throw new Error(`harness down failed: ${down.out}`);
  });

  test(
    "before apply: postfix listens on every address, " + "port 25 answers from the client namespace, verify fails",
    () => {
      expect(exec("postconf", "-h", "inet_interfaces").stdout.trim()).toBe("all");
      expect(probe(id, srv, 25, good)).toBe("open");
      const v = exec("/opt/bulwark/bundle/verify");
      expect(v.code).toBe(1);
      expect(v.stdout).toMatch(/^FAIL +services +postfix local-only \(inet_interfaces = loopback-only\)/m);
      expect(v.stdout).toMatch(/^FAIL +services +SMTP listens beyond loopback: 25 /m);
    },
  );

  test(
    "a live apply makes postfix local-only: port 25 " + "refuses, it listens on loopback only, verify passes",
    async () => {
      const r = exec("/opt/bulwark/bundle/apply");
      expect(r.stdout).toMatch(/changed: postfix: inet_interfaces=loopback-only/);
      expect(r.code).toBe(0);
      expect(exec("postconf", "-h", "inet_interfaces").stdout.trim()).toBe("loopback-only");
      // Refused by postfix itself (probed inside the server's namespace, where the firewall admits it), and not open
      // from the client namespace.
      const refused = await waitFor(
        () =>
          harness(
            "serverns",
            id,
            process.execPath,
            "-e",
            `const s=require("net").connect({host:"${srv}",port:25});` +
              `s.on("connect",()=>{console.log("open");process.exit(0)});` +
              `s.on("error",e=>{console.log(e.code);process.exit(0)})`,
          ).stdout.trim() === "ECONNREFUSED",
        Boolean,
        20_000,
      );
      expect(refused).toBe(true);
      expect(probe(id, srv, 25, good)).not.toBe("open");
      const listeners = exec("ss", "-Hltn", "sport = :25")
        .stdout.trim()
        .split("\n")
        .map((l) => l.split(/\s+/)[3])
        .sort();
      expect(listeners).toEqual(["127.0.0.1:25", "[::1]:25"]);
      const v = exec("/opt/bulwark/bundle/verify");
      expect(v.stdout).toMatch(/^PASS +services +postfix local-only/m);
      expect(v.stdout).toMatch(/^PASS +services +no SMTP listener beyond loopback/m);
      expect(v.stdout).toMatch(/^verify: PASSED/m);
      expect(v.code).toBe(0);
    },
  );

  test("local delivery still works: sendmail root reaches root's mailbox", async () => {
    const mark = `bulwark-mta-${Date.now()}`;
    expect(exec("sh", "-c", `printf 'Subject: %s\\n\\n%s\\n' ${mark} ${mark} | /usr/sbin/sendmail root`).code).toBe(0);
    const got = await waitFor(() => exec("cat", "/var/mail/root").stdout.includes(mark), Boolean, 30_000);
    expect(got).toBe(true);
  });

  test("a second apply makes 0 changes (postfix not restarted)", () => {
    const pid = exec("systemctl", "show", "-p", "MainPID", "--value", "postfix@-").stdout.trim();
    const r = exec("/opt/bulwark/bundle/apply");
    expect(r.stdout).toMatch(/^bulwark-apply: done: 0 change\(s\), bundle [0-9a-f]{64}$/m);
    expect(r.code).toBe(0);
    expect(exec("systemctl", "show", "-p", "MainPID", "--value", "postfix@-").stdout.trim()).toBe(pid);
  });
});
