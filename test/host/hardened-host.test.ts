/** HardenedHost under Pulumi mocks: what it registers, the secret key, re-apply on hash change, verify after apply. */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
  bundleInstaller,
  HardenedHost,
  hardenedHostCommands,
  type HardenedHostArgs,
} from "../../components/host/hardened-host";
import { renderBundle, writeBundle } from "../../components/host/render";
import { record } from "../components/harness";
import { run, tmpDir } from "./helpers";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0Bw5ZqZ0eZq6mD7m0Xo0vW2V0m7D1b3qj2cJ8ZkXg alice@laptop";
const PRIVATE =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-test-only\n-----END OPENSSH PRIVATE KEY-----\n";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfTheServerUnderTestOnly0000000000 root@srv";
const CMD = "command:remote:Command";
const COPY = "command:remote:CopyToRemote";

const host = (inbound: number[] = [443]) => ({
  role: "web" as const,
  admins: [{ name: "alice", sshKeys: [KEY] }],
  ssh: { managementSources: ["10.20.0.0/16"] },
  // Web ports from the internet; any other port from the office only (the exposure model refuses it otherwise).
  inbound: inbound.map((port) => ({ port, sources: [port === 80 || port === 443 ? "0.0.0.0/0" : "10.20.0.0/16"] })),
  ids: { manager: "wazuh.corp.internal", enrolmentSecretParameter: "/bulwark/wazuh/enrolment" },
  logs: {
    kind: "rsyslog-tls" as const,
    target: "logs.corp.internal",
    caPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
  },
});

const args = (over: Partial<HardenedHostArgs> = {}): HardenedHostArgs => ({
  os: "ubuntu-22.04",
  connection: { host: "10.20.5.10", user: "alice", privateKey: PRIVATE, hostKey: HOST_KEY },
  host: host(),
  ...over,
});

describe("HardenedHost (mocks)", () => {
  test("copies the bundle, applies it, then verifies from a new connection; all keyed on the bundle hash", async () => {
    const r = await record(() => new HardenedHost("branch-1", args()));
    const copy = r.one(COPY);
    const apply = r.one(CMD, "branch-1-apply");
    const verify = r.one(CMD, "branch-1-verify");
    const hash = renderBundle(host(), "ubuntu-22.04").hash;
    expect(r.value.bundleHash).toBe(hash);
    for (const res of [copy, apply, verify]) expect(res.inputs.triggers).toEqual([hash]);
    expect(copy.inputs.remotePath).toBe(`/tmp/bulwark-bundle-${hash.slice(0, 16)}.sh`);
    expect(apply.inputs.create).toBe(
      `sudo -n bash /tmp/bulwark-bundle-${hash.slice(0, 16)}.sh && ` +
        `rm -f /tmp/bulwark-bundle-${hash.slice(0, 16)}.sh && ` +
        "sudo -n BULWARK_FW_CONFIRM=1 BULWARK_FW_ROLLBACK_SECONDS=180 /opt/bulwark/bundle/apply",
    );
    expect(apply.inputs.update).toBe(apply.inputs.create);
    expect(verify.inputs.create).toBe("sudo -n /opt/bulwark/bundle/verify --confirm-firewall");
    // Ordering: copy -> apply -> verify (a failing verify fails the deploy after apply).
    expect(apply.dependencies).toContain(copy.urn);
    expect(verify.dependencies).toContain(apply.urn);
  });

  test("the SSH private key is a secret on every resource and never appears in the plan", async () => {
    const r = await record(
      () => new HardenedHost("branch-1", args({ bastion: { host: "bastion.corp", user: "jump", hostKey: HOST_KEY } })),
    );
    for (const res of [r.one(COPY), r.one(CMD, "branch-1-apply"), r.one(CMD, "branch-1-verify")]) {
      // The key was passed as a plain string: the component made it secret, so the whole connection is secret.
      expect(res.secretPaths).toEqual(["connection"]);
      expect(res.inputs.connection).toBe("[secret]");
    }
    expect(JSON.stringify(r.resources)).not.toContain("test-only");
  });

  test("a model change changes the hash (re-apply); the same model keeps it (no-op)", async () => {
    const a = await record(() => new HardenedHost("h", args()));
    const b = await record(() => new HardenedHost("h", args()));
    const c = await record(() => new HardenedHost("h", args({ host: host([443, 8443]) })));
    const t = (x: typeof a) => x.one(CMD, "h-apply").inputs.triggers;
    expect(t(a)).toEqual(t(b));
    expect(t(a)).not.toEqual(t(c));
  });

  test("bad args name field, value and fix, and register nothing", async () => {
    const r = await record(() => {
      try {
        new HardenedHost("bad", args({ host: { ...host(), ssh: { managementSources: ["0.0.0.0/0"] } } }));
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    });
    expect(r.value).toMatch(/host\.ssh\.managementSources\.0|host\.ssh\.managementSources\[0\]/);
    expect(r.value).toMatch(/0\.0\.0\.0\/0/);
    expect(r.value).toMatch(/SSH from the internet is refused/);
    expect(r.resources.filter((x) => x.custom)).toEqual([]);
  });

  test(
    "the host's identity is always checked: no host key " + "(target or bastion) is refused before anything exists",
    async () => {
      const noKey = async (over: Partial<HardenedHostArgs>) => {
        let msg = "";
        const r = await record(() => {
          try {
            new HardenedHost("h", args(over));
          } catch (e) {
            msg = (e as Error).message;
          }
        });
        expect(r.resources.filter((x) => x.custom)).toEqual([]);
        return msg;
      };
      expect(
        await noKey({
          connection: { host: "10.20.5.10", user: "alice", privateKey: PRIVATE } as HardenedHostArgs["connection"],
        }),
      ).toMatch(/args\.connection\.hostKey: got nothing: required/);
      expect(await noKey({ bastion: { host: "bastion.corp", user: "jump" } as HardenedHostArgs["bastion"] })).toMatch(
        /args\.bastion\.hostKey: got nothing: required/,
      );
      const r = await record(
        () => new HardenedHost("h", args({ bastion: { host: "bastion.corp", user: "jump", hostKey: HOST_KEY } })),
      );
      expect(r.one(CMD, "h-apply").inputs.connection).toBe("[secret]");
    },
  );

  test("HardenedHost needs a management source: it applies over SSH", async () => {
    await expect(
      record(() => new HardenedHost("h", args({ host: { ...host(), ssh: { managementSources: [] } } }))),
    ).rejects.toThrow(/host\.ssh\.managementSources.*HardenedHost applies over SSH/);
  });

  test("the rollback window is configurable and bounded", async () => {
    const r = await record(() => new HardenedHost("h", args({ firewallRollbackSeconds: 60 })));
    expect(r.one(CMD, "h-apply").inputs.create).toContain("BULWARK_FW_ROLLBACK_SECONDS=60 ");
    await expect(record(() => new HardenedHost("h", args({ firewallRollbackSeconds: 5 })))).rejects.toThrow(
      /firewallRollbackSeconds.*at least 30/,
    );
  });

  test("the copied installer really recreates the bundle directory byte for byte (bash)", () => {
    const b = renderBundle(host(), "debian-12");
    const dir = tmpDir("bulwark-installer-");
    fs.writeFileSync(path.join(dir, "install.sh"), bundleInstaller(b, path.join(dir, "out")));
    const r = run("bash", [path.join(dir, "install.sh")]);
    expect(r.out).toBe("");
    writeBundle(b, path.join(dir, "want"));
    const diff = run("diff", ["-r", path.join(dir, "want"), path.join(dir, "out")]);
    expect(diff.out).toBe("");
    const modes = run("sh", ["-c", `cd ${dir}/out && find . -type f -printf '%m %p\\n' | sort`]).stdout;
    expect(modes).toBe(run("sh", ["-c", `cd ${dir}/want && find . -type f -printf '%m %p\\n' | sort`]).stdout);
    expect(modes).toContain("755 ./apply");
    fs.rmSync(dir, { recursive: true, force: true });
    expect(hardenedHostCommands(b, 90).apply).toContain("BULWARK_FW_ROLLBACK_SECONDS=90");
  });

  test("outputs resolve under mocks", async () => {
    const r = await record(() => new HardenedHost("h", args()));
    expect(pulumi.Output.isInstance(r.value.verifyOutput)).toBe(true);
  });
});
