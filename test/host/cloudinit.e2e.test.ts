/**
 * First boot through the distribution's real cloud-init (issue 14), in the form EC2 users meet it: the NoCloud seed
 * holds the loader user data HardenedServer gives EC2 (renderLoaderUserData, decoded as the instance metadata
 * service serves it: gzip, which cloud-init detects). At first boot the loader fetches the bundle archive from a
 * fake S3 (SigV4 checked) with fake IMDSv2 credentials, both in the client namespace (test-only render-time
 * overrides), checks the pinned sha256, extracts it into /opt/bulwark/bundle and runs apply then verify.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { bundleObjectKey, renderBundleArchive, sha256Hex, renderLoaderUserData } from "../../components/host/loader";
import { bundleEntries, renderBundle, type HostBundle } from "../../components/host/render";
import type { HostOs } from "../../components/host/model";
import {
  clientKey,
  describeHost,
  DISTROS,
  harness,
  HARNESS,
  hostSlot,
  passwordLogin,
  probe,
  runAsync,
  selected,
  SideBySide,
  sshAs,
  type Suite,
  TEST_DIR,
  testPki,
  tmpDir,
  waitFor,
} from "./helpers";
import { liveModel, rm } from "./live-helpers";
const BUCKET = "bulwark-e2e-bundles";
const WRONG_PIN = sha256Hex("not the bundle archive");
const REGION = "eu-west-1";

interface Boot {
  status: string;
  bundle: HostBundle;
  fake: ChildProcess;
  /** What the fake S3 and IMDS printed (their URLs). */
  fakeOut: () => string;
}

/**
 * The fake IMDSv2 + S3 (fake-aws.ts) in the client namespace on 10.231.NET.2, serving the archive; waits for its
 * URLs.
 */
async function startFakeAws(
  id: string,
  net: number,
  objKey: string,
  archiveFile: string,
): Promise<{ imds: string; s3: string; fake: ChildProcess; out: () => string }> {
  let out = "";
  const fake = spawn(
    "ip",
    [
      "netns",
      "exec",
      `bw-c-${id}`,
      process.execPath,
      "-r",
      "@swc-node/register",
      path.join(__dirname, "fake-aws.ts"),
      "--host",
      `10.231.${net}.2`,
      "--region",
      REGION,
      `/${BUCKET}/${objKey}=${archiveFile}`,
    ],
    { cwd: path.join(__dirname, "../.."), stdio: ["ignore", "pipe", "pipe"] },
  );
  fake.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  fake.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const line = await waitFor(() => /^\{"imds".*\}$/m.exec(out)?.[0] ?? "", Boolean, 60_000);
  if (!line) throw new Error(`fake AWS did not start: ${out}`);
  const urls = JSON.parse(line) as { imds: string; s3: string };
  return { ...urls, fake, out: () => out };
}

/**
 * Boots `id` with the loader user data in the NoCloud seed and waits (deadline) until cloud-init has finished.
 * `pin` overrides the sha256 the user data pins (the wrong-hash case).
 */
async function firstBoot(
  id: string,
  suite: string,
  net: number,
  os: HostOs,
  work: string,
  pub: string,
  opts: { plant?: string; pin?: string } = {},
  started: (fake: ChildProcess) => void = () => {},
): Promise<Boot> {
  const pki = testPki(work, "logs.bulwark.test");
  const bundle = renderBundle(liveModel(net, pub, pki.caPem), os);
  const archive = renderBundleArchive(bundle);
  const archiveFile = path.join(work, "bundle.sh");
  fs.writeFileSync(archiveFile, archive, { mode: 0o600 });
  fs.mkdirSync(path.join(work, "empty"));
  // The rootfs with cloud-init and its dependencies installed offline (dpkg; noble's upgrade systemd and python3):
  // one layer per distribution, built once and shared by its first boots (harness.sh layer).
  const up = await runAsync(HARNESS, ["up", id, suite, String(net), path.join(work, "empty")], {
    timeoutMs: 900_000,
    env: { ...process.env, BULWARK_LAYER: "cloud-init" },
  });
  if (up.code !== 0) throw new Error(`harness up failed: ${up.out}`);
  harness("chroot", id, "rm", "-rf", "/opt/bulwark");
  const key = bundleObjectKey(bundle);
  const aws = await startFakeAws(id, net, key, archiveFile);
  started(aws.fake);
  const target = {
    bucket: BUCKET,
    key,
    region: REGION,
    sha256: opts.pin ?? sha256Hex(archive),
    bundle: { hash: bundle.hash, os, role: bundle.model.role },
  };
  // Test overrides, written into the user data at render time: path-style fake S3, fake IMDS, a short fetch deadline.
  const userData = Buffer.from(
    renderLoaderUserData(target, { endpoint: aws.s3, imds: aws.imds, deadline: 120 }),
    "base64",
  );
  expect(userData.subarray(0, 2).toString("hex")).toBe("1f8b"); // gzip, as EC2 hands it to the instance
  fs.writeFileSync(path.join(work, "user-data"), userData);
  if (harness("nocloud", id, path.join(work, "user-data")).code !== 0) throw new Error("nocloud seed failed");
  if (opts.plant) harness("chroot", id, "sh", "-c", opts.plant);
  // cloud-init copies everything it runs to the console: the harness drains it into boot.log.
  await runAsync(HARNESS, ["boot", id], { timeoutMs: 180_000 });
  const status = await waitFor(
    () => harness("exec", id, "cloud-init", "status").stdout,
    (s) => /status: (done|error|degraded)/.test(s),
    300_000,
    1000,
  );
  return { status, bundle, fake: aws.fake, fakeOut: aws.out };
}

const firstBootLog = (id: string) => harness("exec", id, "cat", "/var/log/cloud-init-output.log").stdout;

/** One first boot of the file: its harness host, its temp folder, and (once started) its fake AWS. */
interface Host {
  id: string;
  work?: string;
  fake?: ChildProcess;
}
const hosts: Record<string, Host> = {};

function teardown(h: Host): void {
  if (h.fake?.pid) h.fake.kill("SIGKILL");
  const down = harness("down", h.id);
  rm(h.work);
  if (down.code !== 0) throw new Error(`harness down failed: ${down.out}`);
}

/** Every first boot below, keyed by describe: independent hosts, so they all boot side by side. */
const wrongHashSuites = (process.env.BULWARK_CI_WRONG_HASH ?? "bookworm,noble,jammy").split(",");
const PLANS: Record<
  string,
  { id: string; net: number; suite: Suite; os: HostOs; opts: Parameters<typeof firstBoot>[6] }
> = {};
for (const { suite, os } of selected(DISTROS)) {
  PLANS[`good-${suite}`] = { ...hostSlot("cloudinit", suite), suite, os, opts: {} };
  if (wrongHashSuites.includes(suite))
    PLANS[`pin-${suite}`] = { ...hostSlot("cloudinitPin", suite), suite, os, opts: { pin: WRONG_PIN } };
}
PLANS.fail = {
  ...hostSlot("cloudinitFail", "noble"),
  suite: "noble",
  os: "ubuntu-24.04",
  opts: { plant: "echo 'NoSuchOption yes' >/etc/ssh/sshd_config.d/60-planted.conf" },
};
const boots = new SideBySide<Boot>();
for (const [k, p] of Object.entries(PLANS)) {
  const h: Host = { id: p.id };
  hosts[k] = h;
  boots.add(
    k,
    async () => {
      harness("down", p.id);
      h.work = tmpDir(`bulwark-ci-${k}-`);
      return firstBoot(p.id, p.suite, p.net, p.os, h.work, clientKey().pub, p.opts, (f) => (h.fake = f));
    },
    () => teardown(h),
  );
}

for (const { suite, os } of selected(DISTROS)) {
  const { id, net } = hostSlot("cloudinit", suite);
  describeHost(`first boot through cloud-init and the S3 loader on ${os} (${suite})`, [suite], () => {
    jest.setTimeout(900_000);
    const srv = `10.231.${net}.1`;
    const good = `10.231.${net}.2`;
    const other = `10.231.${net}.4`;
    const outside = `10.231.${net}.200`;
    let key: { priv: string; pub: string };
    let boot: Boot | undefined;

    beforeAll(async () => {
      key = clientKey();
      boot = await boots.ready(`good-${suite}`);
    });

    afterAll(() => teardown(hosts[`good-${suite}`]));

    test(
      "cloud-init ran the loader: signed fetch, hash checked, " +
        "status done, apply and verify passed in the first-boot log",
      () => {
        const log = firstBootLog(id);
        expect([boot!.status, log]).toEqual([
          expect.stringMatching(/status: done/),
          expect.stringMatching(/bulwark-apply: done: [1-9]\d* change\(s\)/),
        ]);
        expect(log).toContain(`bulwark-loader: fetched s3://${BUCKET}/${bundleObjectKey(boot!.bundle)}`);
        expect(log).toMatch(/^verify: PASSED/m);
        expect(log).not.toMatch(/FAILED/);
      },
    );

    test("/opt/bulwark/bundle holds every bundle entry byte for byte, with its mode; the directory is 0700", () => {
      const root = path.join(TEST_DIR, id, "m", "opt/bulwark/bundle");
      const entries = bundleEntries(boot!.bundle);
      const got = entries.map((e) => {
        const p = path.join(root, e.rel);
        return fs.existsSync(p)
          ? [e.rel, (fs.statSync(p).mode & 0o7777).toString(8), sha256Hex(fs.readFileSync(p))]
          : [e.rel, "missing"];
      });
      expect(got).toEqual(entries.map((e) => [e.rel, (e.mode & 0o7777).toString(8), sha256Hex(e.content)]));
      expect((fs.statSync(root).mode & 0o7777).toString(8)).toBe("700");
    });

    test(
      "verify passes on the running host without the fake AWS; " +
        "sshd is ssh.service on port 22, the socket unit masked",
      () => {
        boot!.fake.kill("SIGKILL"); // after first boot nothing may need the bucket or IMDS
        const v = harness("exec", id, "/opt/bulwark/bundle/verify");
        expect(v.stdout).toMatch(/^verify: PASSED/m);
        expect(v.code).toBe(0);
        expect(harness("exec", id, "systemctl", "is-enabled", "ssh.socket").stdout.trim()).toBe("masked");
        expect(harness("exec", id, "ss", "-Hltnp", "sport = :22").stdout).toMatch(/"sshd"/);
      },
    );

    test(
      "SSH: the admin's key gets in, passwords and root " + "do not; the firewall admits SSH only from management",
      () => {
        expect(sshAs(id, srv, key.priv, good, "alice", "id -un; sudo -n id -u").stdout.trim()).toBe("alice\n0");
        expect(harness("exec", id, "sh", "-c", "echo 'alice:Tr0ub4dor&3-xyzzy-Q' | chpasswd").code).toBe(0);
        const pw = passwordLogin(id, srv, other, "alice", "Tr0ub4dor&3-xyzzy-Q");
        expect([pw.code, /Permission denied \(publickey\)/.test(pw.out)]).toEqual([255, true]);
        const root = sshAs(id, srv, key.priv, other, "root");
        expect([root.code, /Permission denied \(publickey\)/.test(root.out)]).toEqual([255, true]);
        expect(probe(id, srv, 22, good)).toBe("open");
        expect(probe(id, srv, 22, outside)).toBe("timeout");
        expect(probe(id, srv, 3306, good)).toBe("timeout");
      },
    );
  });

  // User data pinning another sha256 must run nothing.
  if (!wrongHashSuites.includes(suite)) continue;
  describeHost(
    `first boot through cloud-init with a loader pinning another sha256 on ${os} (${suite})`,
    [suite],
    () => {
      jest.setTimeout(900_000);
      const { id } = hostSlot("cloudinitPin", suite);
      let boot: Boot | undefined;

      beforeAll(async () => {
        boot = await boots.ready(`pin-${suite}`);
      });

      afterAll(() => teardown(hosts[`pin-${suite}`]));

      test(
        "cloud-init reports an error, the loader refuses " + "the object, nothing is extracted and apply never ran",
        () => {
          expect(boot!.status).toMatch(/status: error/);
          const log = firstBootLog(id);
          expect(log).toMatch(
            new RegExp(
              `bulwark-loader: FAILED: s3://${BUCKET}/\\S+ has sha256 [0-9a-f]{64}, the user data pins ${WRONG_PIN}: ` +
                "refusing to run it",
            ),
          );
          expect(log).not.toMatch(/bulwark-apply|^verify:/m);
          expect(harness("exec", id, "test", "-e", "/opt/bulwark/bundle").code).toBe(1);
          expect(harness("exec", id, "nft", "list", "table", "inet", "bulwark").code).not.toBe(0);
          // The signed fetch worked at once: the refusal is the hash, not the network.
          expect(log).not.toMatch(/bulwark-loader: fetch .* failed/);
        },
      );
    },
  );
}

// A failing step at first boot: apply finishes the other steps, exits non-zero, the loader stops, cloud-init
// reports it.
describeHost("first boot through cloud-init and the loader with a step that fails (ubuntu-24.04)", ["noble"], () => {
  jest.setTimeout(900_000);
  const { id } = hostSlot("cloudinitFail", "noble");
  let boot: Boot | undefined;

  beforeAll(async () => {
    boot = await boots.ready("fail");
  });

  afterAll(() => teardown(hosts.fail));

  test("cloud-init reports an error; the first-boot log names the failed step; the independent steps ran", () => {
    expect(boot!.status).toMatch(/status: error/);
    const log = firstBootLog(id);
    expect(log).toMatch(/bulwark-apply: FAILED: 1 step\(s\) failed/);
    expect(log).toMatch(/FAILED: ssh: sshd -t rejects the hardened config: .*NoSuchOption/);
    expect(log).toMatch(/bulwark-loader: FAILED: apply exited [1-9]/);
    expect(harness("exec", id, "nft", "list", "table", "inet", "bulwark").stdout).toContain("policy drop");
    expect(harness("exec", id, "test", "-s", "/var/lib/bulwark/aide/aide.db").code).toBe(0);
    // The loader stops at a failed apply; verify, run by hand, names the control.
    boot!.fake.kill("SIGKILL");
    const v = harness("exec", id, "/opt/bulwark/bundle/verify");
    expect([v.code !== 0, v.stdout]).toEqual([true, expect.stringMatching(/^verify: FAILED controls: ssh /m)]);
  });
});
