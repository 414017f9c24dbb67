/** The host bundle wired into the estate: `bulwark:host` -> each HardenedServer's user data (gzipped cloud-config). */
import { gunzipSync } from "zlib";
import * as YAML from "yaml";
import { ConfigError, parseStackConfig } from "../../components/config";
import { APP_PORT, DB_PORT, buildEstate } from "../../components/estate";
import { hostUserData, hostWaivers } from "../../components/host/stack";
import { waiverTags, waiversFromTags } from "../../policies/src/waiver";
import { smallConfig } from "../components/fixtures/estate";
import { T, record } from "../components/harness";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0Bw5ZqZ0eZq6mD7m0Xo0vW2V0m7D1b3qj2cJ8ZkXg alice@laptop";
const HOST = {
  admins: [{ name: "alice", sshKeys: [KEY] }],
  ids: { manager: "wazuh.corp.internal", enrolmentSecretParameter: "/bulwark/wazuh/enrolment" },
  logs: { kind: "cloudwatch" },
};

function bundleFiles(userDataBase64: string): Map<string, string> {
  const doc = YAML.parse(gunzipSync(Buffer.from(userDataBase64, "base64")).toString()) as { write_files: { path: string; content: string }[] };
  return new Map(doc.write_files.map((f) => [f.path.replace("/opt/bulwark/bundle/", ""), f.content]));
}

describe("bulwark:host -> HardenedServer user data", () => {
  test("every server boots with the bundle for its OS and role; tier ports mirror the security groups", async () => {
    const cfg = parseStackConfig({ ...smallConfig(), "bulwark:host": HOST });
    const r = await record(() => buildEstate(cfg, { userData: hostUserData(cfg.host!, { sshFromSite: true, webPorts: cfg.authorizedWebPorts, appPort: APP_PORT, dbPort: DB_PORT }) }));
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
      expect(files.get("apply")).toContain(`role ${role}.`);
    }
  });

  test("Session Manager only: no SSH into servers (empty management set), sshd still hardened", async () => {
    const cfg = parseStackConfig({ ...smallConfig(), "bulwark:host": HOST });
    const r = await record(() => buildEstate(cfg, { userData: hostUserData(cfg.host!, { sshFromSite: false, webPorts: [443], appPort: APP_PORT, dbPort: DB_PORT }) }));
    for (const i of r.ofType(T.instance)) {
      const files = bundleFiles(String(i.inputs.userDataBase64));
      const nft = files.get("files/etc/nftables.conf")!;
      expect(nft).toMatch(/set mgmt_v4 \{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n\t\}/);
      expect(nft).not.toMatch(/elements = \{ 10\./);
      expect(files.get("files/etc/ssh/sshd_config")).toContain("PasswordAuthentication no");
    }
  });

  test("host opt-outs become pack waivers (tag form round-trips)", () => {
    const w = { reason: "branch hosts report to the regional SOC", approver: "ciso@example.com", expires: "2099-06-30" };
    const cfg = parseStackConfig({ ...smallConfig(), "bulwark:host": { ...HOST, ids: { kind: "none", waiver: w }, patch: { automatic: false, waiver: w } } });
    const waivers = hostWaivers(cfg.host!);
    expect(waivers.map((x) => x.policy)).toEqual(["ec2-instance-require-host-ids", "ec2-instance-require-automatic-patching"]);
    expect(waiversFromTags(waiverTags(waivers))).toEqual({ waivers, problems: [] });
    expect(hostWaivers(parseStackConfig({ ...smallConfig(), "bulwark:host": HOST }).host!)).toEqual([]);
  });

  test("no host section: servers boot the stock image (seam unchanged)", async () => {
    const cfg = parseStackConfig(smallConfig());
    expect(cfg.host).toBeUndefined();
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
