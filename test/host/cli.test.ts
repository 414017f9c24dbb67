/** `bulwark host render`, run as users run it (bin/bulwark in a child process). */
import * as fs from "fs";
import * as path from "path";
import { gunzipSync } from "zlib";
import * as YAML from "yaml";
import { run, tmpDir } from "./helpers";

const BIN = path.join(__dirname, "..", "..", "bin", "bulwark");
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0Bw5ZqZ0eZq6mD7m0Xo0vW2V0m7D1b3qj2cJ8ZkXg alice@laptop";
const CONFIG = `role: web
admins:
  - name: alice
    sshKeys: ["${KEY}"]
ssh:
  managementSources: [10.20.0.0/16]
inbound:
  - { port: 443, sources: [0.0.0.0/0, "::/0"] }
ids:
  manager: wazuh.corp.internal
  enrolmentSecretParameter: /bulwark/wazuh/enrolment
logs:
  kind: cloudwatch
`;

describe("bulwark host render", () => {
  jest.setTimeout(60_000);
  let dir: string;
  beforeAll(() => {
    dir = tmpDir("bulwark-cli-");
    fs.writeFileSync(path.join(dir, "host.yaml"), CONFIG);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("--out writes the bundle with executable apply and verify at the top", () => {
    const out = path.join(dir, "bundle");
    const r = run(process.execPath, [
      BIN,
      "host",
      "render",
      "--os",
      "debian-12",
      "--config",
      path.join(dir, "host.yaml"),
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^bundle [0-9a-f]{64} for debian-12 \(role web\) written to /);
    for (const f of ["apply", "verify"]) expect(fs.statSync(path.join(out, f)).mode & 0o777).toBe(0o755);
    expect(fs.readFileSync(path.join(out, "files/etc/nftables.conf"), "utf8")).toContain(
      "meta nfproto ipv4 tcp dport 443 accept",
    );
    expect(fs.readFileSync(path.join(out, "manifest"), "utf8")).toContain("0600 root root /etc/ssh/sshd_config");
    expect(run("bash", ["-n", path.join(out, "apply")]).code).toBe(0);
  });

  test("--format cloud-init prints user data; --gzip-base64 fits EC2's 16 KiB or is refused naming the loader", () => {
    const args = [
      BIN,
      "host",
      "render",
      "--os",
      "ubuntu-24.04",
      "--config",
      path.join(dir, "host.yaml"),
      "--format",
      "cloud-init",
    ];
    const text = run(process.execPath, args);
    expect(text.code).toBe(0);
    expect(text.stdout.startsWith("#cloud-config\n")).toBe(true);
    expect((YAML.parse(text.stdout) as { runcmd: string[][] }).runcmd).toEqual([
      ["/opt/bulwark/bundle/apply"],
      ["/opt/bulwark/bundle/verify"],
    ]);
    const gz = run(process.execPath, [...args, "--gzip-base64"]);
    if (gz.code === 0) {
      const bytes = Buffer.from(gz.stdout.trim(), "base64");
      expect(bytes.length).toBeLessThanOrEqual(16384);
      expect(gunzipSync(bytes).toString()).toBe(text.stdout);
    } else {
      // The inline bundle has outgrown EC2's 16 KiB: refused plainly, pointing at the loader; nothing printed.
      expect(gz.code).toBe(1);
      expect(gz.stdout).toBe("");
      expect(gz.stderr).toMatch(
        new RegExp(
          /^bulwark host render: host bundle user data is \d+ bytes gzipped; EC2 allows 16384: /.source +
            /boot EC2 servers through the loader/.source,
        ),
      );
    }
  });

  test("a bad config exits 2 naming the file, field, value and fix, and writes nothing", () => {
    const bad = path.join(dir, "bad.yaml");
    fs.writeFileSync(bad, CONFIG.replace("10.20.0.0/16", "0.0.0.0/0").replace("role: web", "role: webserver"));
    const out = path.join(dir, "never");
    const r = run(process.execPath, [BIN, "host", "render", "--os", "debian-12", "--config", bad, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: invalid host hardening config`);
    expect(r.stderr).toMatch(/role = "webserver": .*web.*app.*db.*bastion/);
    expect(r.stderr).toMatch(/ssh\.managementSources\[0\] = "0\.0\.0\.0\/0": SSH from the internet is refused/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test("an unknown OS is a usage error (exit 2)", () => {
    const r = run(process.execPath, [
      BIN,
      "host",
      "render",
      "--os",
      "centos-7",
      "--config",
      path.join(dir, "host.yaml"),
      "--out",
      path.join(dir, "x"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are ubuntu-24\.04, ubuntu-22\.04, debian-12, amazonlinux-2023/);
  });
});
