/** The host bundle wired into the estate: `bulwark:host` -> each HardenedServer's user data (gzipped cloud-config). */
import { randomBytes } from "crypto";
import * as path from "path";
import { gunzipSync, gzipSync } from "zlib";
import * as YAML from "yaml";
import { ConfigError, OPERATING_SYSTEMS, parseStackConfig } from "../../components/config";
import { type PlannedResource, readStackFile } from "../../cli/plan-runner";
import { APP_PORT, DB_PORT, buildEstate, estateTiers } from "../../components/estate";
import { hostBundleOf } from "../../cli/plan";
import {
  hostWaivers,
  serverHostModel,
  type EstateServer,
  type EstateSite,
  type HostStackConfig,
  type TierPorts,
} from "../../components/host/stack";
import {
  archiveEntries,
  bundleObject,
  loaderTarget,
  LOADER_ON_HOST,
  LOADER_USER_DATA_MAX_GZIP,
  renderLoaderUserData,
  sha256Hex,
} from "../../components/host/loader";
import { renderBundle, renderCloudInit } from "../../components/host/render";
import { waiverTags, waiversFromTags } from "../../policies/src/waiver";
import { smallConfig } from "../components/fixtures/estate";
import { T, record } from "../components/harness";
import { prodPlan } from "../setup/prod-plan";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0Bw5ZqZ0eZq6mD7m0Xo0vW2V0m7D1b3qj2cJ8ZkXg alice@laptop";
const HOST = {
  admins: [{ name: "alice", sshKeys: [KEY] }],
  ids: { manager: "wazuh.corp.internal", enrolmentSecretParameter: "/bulwark/wazuh/enrolment" },
  logs: { kind: "cloudwatch" },
};

function configError(raw: Record<string, unknown>): ConfigError {
  try {
    parseStackConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

/**
 * The bundle a server boots: from the S3 object its loader user data pins (checked by sha256), or from the
 * cloud-config itself when a renderer inlined it.
 */
function bundleFiles(userDataBase64: string, resources: PlannedResource[] = []): Map<string, string> {
  const doc = YAML.parse(gunzipSync(Buffer.from(userDataBase64, "base64")).toString()) as {
    write_files: { path: string; content: string }[];
    runcmd: string[][];
  };
  if (doc.runcmd[0][1] === LOADER_ON_HOST) {
    const cfg = JSON.parse(doc.runcmd[0][2]) as { key: string; sha256: string };
    const o = resources.find((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2" && r.inputs.key === cfg.key);
    expect(sha256Hex(String(o?.inputs.content))).toBe(cfg.sha256);
    return archiveEntries(String(o!.inputs.content));
  }
  return new Map(doc.write_files.map((f) => [f.path.replace("/opt/bulwark/bundle/", ""), f.content]));
}

/** The whole bundle inlined in user data (no loader, no size limit): for checking the bundle's content per server. */
function inlineUserData(host: HostStackConfig, tiers: TierPorts) {
  return (site: EstateSite, server: EstateServer) => ({
    base64: gzipSync(renderCloudInit(renderBundle(serverHostModel(host, site, server, tiers), server.os))).toString(
      "base64",
    ),
  });
}

describe("bulwark:host -> HardenedServer user data", () => {
  test("every server boots with the bundle for its OS and role; tier ports mirror the security groups", async () => {
    const cfg = parseStackConfig({ ...smallConfig(), "bulwark:host": HOST });
    const r = await record(() =>
      buildEstate(cfg, {
        userData: inlineUserData(cfg.host!, {
          sshFromSite: true,
          webPorts: cfg.authorizedWebPorts,
          appPort: APP_PORT,
          dbPort: DB_PORT,
        }),
      }),
    );
    const instances = r.ofType(T.instance);
    expect(instances).toHaveLength(4);
    for (const i of instances) {
      const tags = i.inputs.tags as Record<string, string>;
      expect(i.inputs.userData).toBeUndefined();
      const files = bundleFiles(String(i.inputs.userDataBase64));
      expect(files.get("bundle.env")).toContain("BULWARK_OS='ubuntu-24.04'");
      const nft = files.get("files/etc/nftables.conf")!;
      const site = tags["bulwark:site"] === "hq" ? "10.10.0.0/16" : "10.20.0.0/20";
      expect(nft).toContain(`elements = { ${site} }`); // management SSH from the site by default
      const role = tags["bulwark:role"];
      const port = role === "web" ? 443 : role === "app" ? APP_PORT : DB_PORT;
      expect(nft).toContain(`ip saddr { ${site} } tcp dport ${port} accept`);
      expect(JSON.parse(files.get("files/etc/bulwark/bundle.json")!)).toMatchObject({ os: "ubuntu-24.04", role });
    }
  });

  test("Session Manager only: no SSH into servers (empty management set), sshd still hardened", async () => {
    const cfg = parseStackConfig({ ...smallConfig(), "bulwark:host": HOST });
    const r = await record(() =>
      buildEstate(cfg, {
        userData: inlineUserData(cfg.host!, {
          sshFromSite: false,
          webPorts: [443],
          appPort: APP_PORT,
          dbPort: DB_PORT,
        }),
      }),
    );
    for (const i of r.ofType(T.instance)) {
      const files = bundleFiles(String(i.inputs.userDataBase64));
      const nft = files.get("files/etc/nftables.conf")!;
      expect(nft).toMatch(/set mgmt_v4 \{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n\t\}/);
      expect(nft).not.toMatch(/elements = \{ 10\./);
      expect(files.get("files/etc/ssh/sshd_config")).toContain("PasswordAuthentication no");
    }
  });

  test("host opt-outs become pack waivers (tag form round-trips)", () => {
    const w = {
      reason: "branch hosts report to the regional SOC",
      approver: "ciso@example.com",
      expires: "2099-06-30",
    };
    const cfg = parseStackConfig({
      ...smallConfig(),
      "bulwark:host": { ...HOST, ids: { kind: "none", waiver: w }, patch: { automatic: false, waiver: w } },
    });
    const waivers = hostWaivers(cfg.host!);
    expect(waivers.map((x) => x.policy)).toEqual([
      "ec2-instance-require-host-ids",
      "ec2-instance-require-automatic-patching",
    ]);
    expect(waiversFromTags(waiverTags(waivers))).toEqual({ waivers, problems: [] });
    expect(hostWaivers(parseStackConfig({ ...smallConfig(), "bulwark:host": HOST }).host!)).toEqual([]);
  });

  test("no host section is a config error naming the IDS target and how to set it (never a stock image)", () => {
    const raw = smallConfig();
    delete raw["bulwark:host"];
    const err = configError(raw);
    expect(err.issues).toEqual([
      expect.objectContaining({ path: "bulwark:host.ids", value: "nothing", problem: "required" }),
    ]);
    expect(err.message).toMatch(
      new RegExp(
        /bulwark:host\.ids: got nothing: required\. Fix: .*Wazuh.*manager.*enrolmentSecretParameter.*/.source +
          /kind: none, waiver: \{reason, approver, expires\}/.source,
      ),
    );
  });

  test(
    "only the IDS target is needed: Session Manager " +
      "defaults are no SSH admins, CloudWatch logs, automatic updates",
    () => {
      const cfg = parseStackConfig(smallConfig());
      expect(cfg.host).toMatchObject({
        admins: [],
        logs: { kind: "cloudwatch" },
        patch: { automatic: true, securityOnly: true },
      });
      expect(cfg.host.managementSources).toBeUndefined(); // Session Manager: no SSH source at all
    },
  );

  test("invalid host sections: IDS off without a waiver, SSH open with no admin, an unknown key", () => {
    const ids = configError({ ...smallConfig(), "bulwark:host": { ids: { kind: "none" } } });
    expect(ids.message).toMatch(/bulwark:host\.ids\.waiver: got nothing: required/);
    const bastion = configError({
      ...smallConfig(),
      "bulwark:adminAccess": { mode: "bastion", bastion: { allowedCidrs: ["192.168.50.0/24"] } },
    });
    expect(bastion.issues).toEqual([expect.objectContaining({ path: "bulwark:host.admins", value: "[]" })]);
    expect(bastion.message).toMatch(/no admin can log in: add host\.admins/);
    const mgmt = configError({
      ...smallConfig(),
      "bulwark:host": { ...HOST, admins: [], managementSources: ["10.10.0.0/16"] },
    });
    expect(mgmt.message).toMatch(
      /bulwark:host\.admins: got \[\].*host SSH is open from 10\.10\.0\.0\/16 \(host\.managementSources\)/,
    );
    const sources = configError({
      ...smallConfig(),
      "bulwark:host": { ...HOST, managementSources: ["0.0.0.0/0", "not-a-cidr"] },
    });
    expect(sources.issues).toEqual([
      expect.objectContaining({
        path: "bulwark:host.managementSources[0]",
        value: '"0.0.0.0/0"',
        fix: expect.stringMatching(/SSH from the internet is refused/),
      }),
      expect.objectContaining({ path: "bulwark:host.managementSources[1]", value: '"not-a-cidr"' }),
    ]);
    const typo = configError({ ...smallConfig(), "bulwark:host": { ...HOST, fail2ban: false } });
    expect(typo.message).toMatch(/bulwark:host\.fail2ban: got an unknown key: not a Bulwark setting/);
  });

  test("buildEstate hardens by default: no renderer given, every server still boots the bundle", async () => {
    const cfg = parseStackConfig(smallConfig());
    const r = await record(() => buildEstate(cfg));
    const instances = r.ofType(T.instance);
    expect(instances).toHaveLength(4);
    for (const i of instances) {
      const files = bundleFiles(String(i.inputs.userDataBase64), r.resources);
      expect(files.get("files/etc/nftables.conf")).toContain("table inet bulwark");
      expect(hostBundleOf(i.inputs)).toMatchObject({ role: (i.inputs.tags as Record<string, string>)["bulwark:role"] });
    }
  });

  test(
    "bastion mode: the bastion's host firewall takes SSH from " +
      "adminAccess.bastion.allowedCidrs, servers from the site",
    async () => {
      const raw = smallConfig();
      raw["bulwark:adminAccess"] = { mode: "bastion", bastion: { allowedCidrs: ["192.168.50.0/24"] } };
      raw["bulwark:host"] = HOST;
      const r = await record(() => buildEstate(parseStackConfig(raw)));
      const instances = r.ofType(T.instance);
      expect(instances).toHaveLength(6);
      for (const i of instances) {
        const tags = i.inputs.tags as Record<string, string>;
        const nft = bundleFiles(String(i.inputs.userDataBase64), r.resources).get("files/etc/nftables.conf")!;
        const site = tags["bulwark:site"] === "hq" ? "10.10.0.0/16" : "10.20.0.0/20";
        expect(nft).toContain(`elements = { ${tags["bulwark:role"] === "bastion" ? "192.168.50.0/24" : site} }`);
      }
    },
  );

  test("host opt-outs reach every server as waiver tags; a server's own waiver for the same policy wins", async () => {
    const w = {
      reason: "branch hosts report to the regional SOC",
      approver: "ciso@example.com",
      expires: "2099-06-30",
    };
    const own = {
      policy: "ec2-instance-require-host-ids",
      reason: "vendor appliance ships its own agent",
      approver: "sec@example.com",
      expires: "2099-01-31",
    };
    const raw = smallConfig();
    raw["bulwark:host"] = { ...HOST, ids: { kind: "none", waiver: w }, patch: { automatic: false, waiver: w } };
    (raw["bulwark:sites"] as { servers: { waivers?: unknown[] }[] }[])[0].servers[0].waivers = [own];
    const cfg = parseStackConfig(raw);
    const r = await record(() => buildEstate(cfg));
    const instances = r.ofType(T.instance);
    expect(instances).toHaveLength(4);
    for (const i of instances) {
      const { waivers, problems } = waiversFromTags(i.inputs.tags as Record<string, string>);
      expect(problems).toEqual([]);
      const ids = waivers.filter((x) => x.policy === "ec2-instance-require-host-ids");
      expect(ids).toHaveLength(1);
      expect(ids[0]).toMatchObject(i.name === "hq-web-1" ? own : w);
      expect(waivers).toContainEqual({ policy: "ec2-instance-require-automatic-patching", ...w });
      // IDS off: no Wazuh hook in the bundle.
      expect(
        [...bundleFiles(String(i.inputs.userDataBase64), r.resources).keys()].some((k) => k.includes("wazuh")),
      ).toBe(false);
    }
    // Without opt-outs, no host waiver tag.
    const clean = await record(() => buildEstate(parseStackConfig(smallConfig())));
    for (const i of clean.ofType(T.instance))
      expect(waiversFromTags(i.inputs.tags as Record<string, string>).waivers).toEqual([]);
  });

  test("hostBundleOf: only a cloud-config that writes AND runs apply and verify counts as the bundle", () => {
    const cfg = parseStackConfig(smallConfig());
    const b64 = inlineUserData(cfg.host, estateTiers(cfg))(
      { name: "hq", cidr: "10.10.0.0/16" },
      { name: "web-1", role: "web", os: "debian-12" },
    );
    expect(hostBundleOf({ userDataBase64: b64.base64 })).toEqual({
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      os: "debian-12",
      role: "web",
    });
    const text = gunzipSync(Buffer.from(b64.base64, "base64")).toString();
    expect(hostBundleOf({ userData: text })).toBeDefined();
    expect(hostBundleOf({ userData: text.replace(/- - \/opt\/bulwark\/bundle\/verify\n/, "") })).toBeUndefined();
    expect(hostBundleOf({ userData: "#!/bin/sh\necho hi\n" })).toBeUndefined();
    expect(hostBundleOf({})).toBeUndefined();
    // The loader form: the bundle named in the header, and the object the loader pins (serverHardening checks it).
    const b = renderBundle(
      serverHostModel(
        cfg.host,
        { name: "hq", cidr: "10.10.0.0/16" },
        { name: "web-1", role: "web", os: "debian-12" },
        estateTiers(cfg),
      ),
      "debian-12",
    );
    const target = loaderTarget(bundleObject(b), "host-bundles-1", "eu-west-1");
    const loader = renderLoaderUserData(target);
    expect(hostBundleOf({ userDataBase64: loader })).toEqual({
      hash: b.hash,
      os: "debian-12",
      role: "web",
      object: { key: target.key, sha256: target.sha256 },
    });
    const loaderText = gunzipSync(Buffer.from(loader, "base64")).toString();
    // A loader that is not Bulwark's, or that runs nothing, is no bundle.
    expect(hostBundleOf({ userData: loaderText.replace("refusing to run it", "running it anyway") })).toBeUndefined();
    expect(hostBundleOf({ userData: loaderText.replace(/\nruncmd:[\s\S]*$/, "\n") })).toBeUndefined();
  });

  test("a bad host section is a config error naming field, value and fix", () => {
    let msg = "";
    try {
      parseStackConfig({ ...smallConfig(), "bulwark:host": { ...HOST, admins: [{ name: "root", sshKeys: [KEY] }] } });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/host\.admins\[0\]\.name|host\.admins\.0\.name/);
    expect(msg).toMatch(/root cannot log in over SSH/);
  });
});

describe("Pulumi.prod.yaml: every server boots the host bundle", () => {
  const prod = parseStackConfig(readStackFile(path.join(__dirname, "../../Pulumi.prod.yaml")).config);
  let instances: PlannedResource[];
  let resources: PlannedResource[];
  // The estate as index.ts builds it from the stack file: the run's shared offline plan of prod.
  beforeAll(async () => {
    resources = (await prodPlan()).resources;
    instances = resources.filter((r) => r.type === T.instance && r.custom);
  }, 120000);

  test("the prod host section is Session Manager only, Wazuh, CloudWatch, automatic security updates", () => {
    expect(prod.adminAccess.mode).toBe("session-manager");
    expect(prod.host).toMatchObject({
      admins: [],
      managementSources: [],
      ids: { kind: "wazuh", manager: "wazuh.corp.example.com" },
      logs: { kind: "cloudwatch" },
      patch: { automatic: true },
    });
  });

  test(
    "all 25 servers: the loader (under 4 KiB gzipped) pinned to a " +
      "stored bundle that applies and verifies, nftables drops SSH",
    () => {
      const expected = prod.sites.flatMap((s) =>
        s.servers.map((v) => ({ name: `${s.name}-${v.name}`, os: v.os, role: v.role })),
      );
      expect(instances.map((i) => i.name).sort()).toEqual(expected.map((e) => e.name).sort());
      expect(instances).toHaveLength(25);
      for (const i of instances) {
        const want = expected.find((e) => e.name === i.name)!;
        const gz = Buffer.from(String(i.inputs.userDataBase64), "base64");
        expect(gz.length).toBeLessThan(LOADER_USER_DATA_MAX_GZIP);
        const doc = YAML.parse(gunzipSync(gz).toString()) as { runcmd: string[][] };
        expect(doc.runcmd).toEqual([["python3", LOADER_ON_HOST, expect.any(String)]]);
        const files = bundleFiles(String(i.inputs.userDataBase64), resources);
        expect(JSON.parse(files.get("files/etc/bulwark/bundle.json")!)).toMatchObject({ os: want.os, role: want.role });
        expect(files.get("apply")).toMatch(/^#!\/usr\/bin\/env bash/);
        expect(files.get("verify")).toMatch(/^#!\/usr\/bin\/env bash/);
        const nft = files.get(
          want.os === "amazonlinux-2023" ? "files/etc/sysconfig/nftables.conf" : "files/etc/nftables.conf",
        )!;
        expect(nft).toContain("table inet bulwark");
        expect(nft).toMatch(/policy drop;/);
        // No management SSH source: the management sets are empty, so 22 is closed on the host too.
        expect(nft).toMatch(/set mgmt_v4 \{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n\t\}/);
        expect(nft).toMatch(/set mgmt_v6 \{\n\t\ttype ipv6_addr\n\t\tflags interval\n\t\tauto-merge\n\t\}/);
        expect(files.get("files/etc/ssh/sshd_config")).toContain("PasswordAuthentication no");
        expect([...files.keys()].filter((k) => k.startsWith("files/etc/ssh/authorized_keys/"))).toEqual([]);
        expect(files.get("files/etc/audit/rules.d/99-bulwark-finalize.rules")).toContain("-e 2");
        expect(files.get("bundle.env")).toContain("wazuh.corp.example.com");
        // Session Manager's run-as user (SSM does not create it) is created by the host, with no password or key.
        expect(files.get("bundle.env")).toContain("SESSION_USER='bulwark-admin'");
      }
    },
  );

  test(
    "no secret in user data or in the bundle objects: the Wazuh " +
      "enrolment password is fetched on the host by its SSM parameter name",
    () => {
      for (const i of instances) {
        // User data is plaintext in state and on the instance (IMDS), so nothing in it may be secret.
        expect(i.secretPaths ?? []).not.toContain("userDataBase64");
        const text = gunzipSync(Buffer.from(String(i.inputs.userDataBase64), "base64")).toString();
        expect(text).not.toMatch(/PRIVATE KEY|AKIA[0-9A-Z]{16}|aws_secret_access_key/i);
        const files = bundleFiles(String(i.inputs.userDataBase64), resources);
        const all = [...files.values()].join("\n");
        expect(all).toContain("/bulwark/prod/wazuh/enrolment");
        expect(all).not.toMatch(/PRIVATE KEY|AKIA[0-9A-Z]{16}|aws_secret_access_key|authd\.pass\b[^\n]*<</i);
        expect([...files.keys()].filter((k) => /authd\.pass|\.password$|\.key$/.test(k))).toEqual([]);
      }
    },
  );

  /** Every OS and role the estate can build, at the head office: its bundle archive and the loader user data. */
  function* everyServerBundle(host: typeof prod.host) {
    const tiers = estateTiers(prod);
    for (const os of OPERATING_SYSTEMS) {
      for (const role of ["web", "app", "db", "bastion"] as const) {
        const site = { name: "head-office", cidr: "10.10.0.0/16" };
        const b = renderBundle(serverHostModel(host, site, { name: `${role}-1`, role, os }, tiers), os);
        const o = bundleObject(b);
        yield {
          archive: o.content,
          userData: renderLoaderUserData(loaderTarget(o, "host-bundles-0a1b2c3d", "eu-west-1")),
        };
      }
    }
  }

  test(
    "every OS and role the estate can build: the loader " + "user data stays under 4 KiB, whatever the bundle's size",
    () => {
      for (const { userData } of everyServerBundle(prod.host)) {
        // The inline bundle no longer fits EC2's 16 KiB; the loader does, with room to grow.
        expect(Buffer.from(userData, "base64").length).toBeLessThan(LOADER_USER_DATA_MAX_GZIP);
      }
    },
  );

  test(
    "logs over TLS to a collector with its CA certificate: the " +
      "certificate travels in the object, the loader stays small",
    () => {
      const body = randomBytes(1000)
        .toString("base64")
        .replace(/(.{64})/g, "$1\n");
      const caPem = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
      const host = parseStackConfig({
        ...smallConfig(),
        "bulwark:host": {
          ...(readStackFile(path.join(__dirname, "../../Pulumi.prod.yaml")).config["bulwark:host"] as object),
          logs: { kind: "rsyslog-tls", target: "logs.corp.example.com", caPem },
        },
      }).host;
      for (const { archive, userData } of everyServerBundle(host)) {
        expect([...archiveEntries(archive).values()].join("\n")).toContain(body.split("\n")[0]);
        expect(Buffer.from(userData, "base64").length).toBeLessThan(LOADER_USER_DATA_MAX_GZIP);
      }
    },
  );
});
