/**
 * The bundle loader (EC2 user data): its SigV4 signer against AWS's published example, the self-extracting
 * archive against writeBundle, and the loader end to end on loopback: a fake IMDS (IMDSv2 token, role credentials)
 * and a fake S3 that checks every request's SigV4 signature with its own (node) implementation.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import * as YAML from "yaml";
import { OPERATING_SYSTEMS } from "../../components/config";
import {
  bundleObject,
  bundleObjectKey,
  loaderTarget,
  LOADER_ON_HOST,
  LOADER_USER_DATA_MAX_GZIP,
  renderBundleArchive,
  renderLoaderCloudInit,
  renderLoaderUserData,
  sha256Hex,
  type LoaderTarget,
  type LoaderTestOverrides,
} from "../../components/host/loader";
import { renderBundle, writeBundle, type HostBundle } from "../../components/host/render";
import { credentialsIn } from "../../policies/src/lib/userdata";
import { type Fakes, startFakes } from "./fake-aws";

const LOADER = path.join(__dirname, "../../components/host/scripts/loader.py");
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0Bw5ZqZ0eZq6mD7m0Xo0vW2V0m7D1b3qj2cJ8ZkXg alice@laptop";
const model = (role: "web" | "app" | "db" | "bastion" = "web") => ({
  role,
  admins: [{ name: "alice", sshKeys: [KEY] }],
  ssh: { managementSources: ["10.10.0.0/16"] },
  ids: { manager: "wazuh.corp.internal", enrolmentSecretParameter: "/bulwark/wazuh/enrolment" },
  logs: { kind: "cloudwatch" },
});

const tmpDirs: string[] = [];
function tmpDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Every file under dir: relative path -> [mode, sha256]. */
function tree(dir: string): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      const mode = (fs.statSync(p).mode & 0o7777).toString(8);
      if (e.isDirectory()) {
        out.set(`${rel}/`, [mode, ""]);
        walk(p);
      } else out.set(rel, [mode, sha256Hex(fs.readFileSync(p))]);
    }
  };
  walk(dir);
  return out;
}

describe("SigV4 signer (the loader's own code, run by python3)", () => {
  test("AWS's S3 example: GET /test.txt on examplebucket with Range, 20130524T000000Z, the example key pair", () => {
    const py = [
      "import sys; sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[1]); import loader",
      "print(loader.sign('GET', 'examplebucket.s3.amazonaws.com', '/test.txt', {'range': 'bytes=0-9'}, 'us-east-1',",
      "  'AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '20130524T000000Z'))",
    ].join("\n");
    const r = spawnSync("python3", ["-c", py, path.dirname(LOADER)], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    // The signature AWS documents for this request (S3 API reference, "Signature Calculations ...
    // Example: GET Object").
    expect(r.stdout.trim()).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request," +
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date," +
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
  });
});

describe("self-extracting archive", () => {
  test.each(OPERATING_SYSTEMS.map((o) => [o]))(
    "%s db: `sh archive DIR` writes exactly what writeBundle writes (bytes and modes)",
    (o) => {
      const b = renderBundle(
        { ...model("db"), mysql: { bindAddress: "auto", platform: o === "amazonlinux-2023" ? "amazon" : "debian" } },
        o,
      );
      const root = tmpDir("bulwark-archive-");
      writeBundle(b, path.join(root, "expected"));
      fs.writeFileSync(path.join(root, "a.sh"), renderBundleArchive(b));
      const r = spawnSync("sh", [path.join(root, "a.sh"), path.join(root, "got")], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const got = tree(path.join(root, "got"));
      expect(got.size).toBeGreaterThan(30);
      expect(got).toEqual(tree(path.join(root, "expected")));
    },
  );

  test("identical bundles give identical archives (one object per distinct bundle)", () => {
    const a = renderBundleArchive(renderBundle(model("app"), "debian-12"));
    expect(renderBundleArchive(renderBundle(model("app"), "debian-12"))).toBe(a);
    expect(renderBundleArchive(renderBundle(model("web"), "debian-12"))).not.toBe(a);
  });
});

describe("loader user data", () => {
  const target = (b: HostBundle): LoaderTarget => loaderTarget(bundleObject(b), "host-bundles-0a1b2c3d", "eu-west-1");

  test(
    `every OS and role: under ${LOADER_USER_DATA_MAX_GZIP} bytes gzipped, no credential the pack would flag, ` +
      "nothing from the environment",
    () => {
      for (const o of OPERATING_SYSTEMS) {
        for (const role of ["web", "app", "db", "bastion"] as const) {
          const b = renderBundle(model(role), o);
          const gz = Buffer.from(renderLoaderUserData(target(b)), "base64");
          expect(gz.length).toBeLessThan(LOADER_USER_DATA_MAX_GZIP);
          const text = gunzipSync(gz).toString();
          expect(text).toBe(renderLoaderCloudInit(target(b)));
          expect(credentialsIn(text)).toEqual([]);
          const doc = YAML.parse(text) as {
            users: unknown[];
            write_files: { path: string; content: string }[];
            runcmd: string[][];
          };
          expect(doc.users).toEqual([]); // no image default user with an undeclared sudo grant
          expect(doc.write_files.map((f) => f.path)).toEqual([LOADER_ON_HOST]);
          expect(doc.runcmd).toEqual([
            [
              "python3",
              LOADER_ON_HOST,
              JSON.stringify({
                bucket: "host-bundles-0a1b2c3d",
                key: bundleObjectKey(b),
                region: "eu-west-1",
                sha256: target(b).sha256,
              }),
            ],
          ]);
        }
      }
      // Overrides are render-time only: the loader never reads its environment.
      expect(fs.readFileSync(LOADER, "utf8")).not.toMatch(/os\.environ|getenv/);
    },
  );

  test("refuses an unsafe bucket/key or a malformed sha256 (nothing is rendered)", () => {
    const t = target(renderBundle(model(), "debian-12"));
    expect(() => renderLoaderCloudInit({ ...t, key: "bundles/$(reboot)" })).toThrow(/loader key = .*letters, digits/);
    expect(() => renderLoaderCloudInit({ ...t, sha256: "abc" })).toThrow(/loader sha256/);
  });
});

// ------------------------------------------------------------------------------------ loader end to end (loopback)

/** Runs the loader exactly as cloud-init would: the written loader file, the runcmd's argv (python3 resolved). */
function runUserData(cloudConfig: string, root: string): Promise<{ code: number | null; stderr: string }> {
  const doc = YAML.parse(cloudConfig) as {
    write_files: { path: string; content: string; permissions: string }[];
    runcmd: string[][];
  };
  const file = path.join(root, "loader.py");
  fs.writeFileSync(file, doc.write_files[0].content, { mode: parseInt(doc.write_files[0].permissions, 8) });
  const [cmd, , cfg] = doc.runcmd[0];
  return new Promise((resolve) => {
    const child = spawn(cmd, ["-B", file, cfg], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("loader end to end: fake IMDSv2 + SigV4-checking fake S3 on loopback", () => {
  jest.setTimeout(60_000);
  const region = "eu-west-1";
  let fakes: Fakes;
  let root: string;
  let bundle: HostBundle;
  let archive: string;
  const objects = new Map<string, string>();

  beforeAll(async () => {
    root = tmpDir("bulwark-loader-");
    // The real bundle with apply and verify stubbed: they record that they ran (and from where), nothing else.
    const stub = (step: string) =>
      `#!/bin/sh\nset -eu\necho "${step} $(cat "$(dirname "$0")/BUNDLE_HASH")" >> "${root}/ran"\n`;
    const real = renderBundle(model("web"), "ubuntu-24.04");
    bundle = { ...real, apply: stub("apply"), verify: stub("verify") };
    archive = renderBundleArchive(bundle);
    objects.set(`/host-bundles-0a1b2c3d/${bundleObjectKey(bundle)}`, archive);
    fakes = await startFakes(objects, region);
  });
  afterAll(async () => fakes?.close());

  const render = (sha256: string, over: LoaderTestOverrides, key = bundleObjectKey(bundle)) =>
    renderLoaderCloudInit(
      {
        bucket: "host-bundles-0a1b2c3d",
        key,
        region,
        sha256,
        bundle: { hash: bundle.hash, os: bundle.os, role: bundle.model.role },
      },
      { endpoint: fakes.s3, imds: fakes.imds, ...over },
    );

  test(
    "right sha256: fetched with a valid signature, extracted " +
      "byte-identical to writeBundle, then apply and verify run",
    async () => {
      const dest = path.join(root, "ok", "opt/bulwark/bundle");
      fs.mkdirSync(path.join(root, "ok"));
      const r = await runUserData(render(sha256Hex(archive), { dest, deadline: 20 }), path.join(root, "ok"));
      expect(r.stderr).toContain(`fetched s3://host-bundles-0a1b2c3d/${bundleObjectKey(bundle)}`);
      expect(r.code).toBe(0);
      expect(fakes.s3Requests.at(-1)).toBe(`GET /host-bundles-0a1b2c3d/${bundleObjectKey(bundle)} signed`);
      const expected = path.join(root, "expected");
      writeBundle(bundle, expected);
      expect(tree(dest)).toEqual(tree(expected));
      expect(fs.readFileSync(path.join(root, "ran"), "utf8")).toBe(`apply ${bundle.hash}\nverify ${bundle.hash}\n`);
    },
  );

  test("wrong sha256: nothing extracted, nothing run, non-zero exit with the reason", async () => {
    fs.rmSync(path.join(root, "ran"), { force: true });
    const dest = path.join(root, "bad", "opt/bulwark/bundle");
    fs.mkdirSync(path.join(root, "bad"));
    const pinned = sha256Hex("some other archive");
    const r = await runUserData(render(pinned, { dest, deadline: 20 }), path.join(root, "bad"));
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`has sha256 ${sha256Hex(archive)}, the user data pins ${pinned}: refusing to run it`);
    expect(fs.existsSync(dest)).toBe(false);
    expect(fs.existsSync(path.join(root, "ran"))).toBe(false);
  });

  test(
    "fetch failure (object missing): retries until the " + "deadline, then non-zero exit with the reason, nothing run",
    async () => {
      const dest = path.join(root, "missing", "opt/bulwark/bundle");
      fs.mkdirSync(path.join(root, "missing"));
      const before = fakes.s3Requests.length;
      const r = await runUserData(
        render(sha256Hex(archive), { dest, deadline: 1, retryDelay: 0.2 }, "bundles/none/web/0.sh"),
        path.join(root, "missing"),
      );
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        /fetch s3:\/\/host-bundles-0a1b2c3d\/bundles\/none\/web\/0\.sh failed \(HTTP 404\); retrying/,
      );
      expect(r.stderr).toMatch(/FAILED: cannot fetch .*HTTP 404/);
      expect(fakes.s3Requests.length - before).toBeGreaterThanOrEqual(2);
      expect(fs.existsSync(dest)).toBe(false);
      expect(fs.existsSync(path.join(root, "ran"))).toBe(false);
    },
  );
});
