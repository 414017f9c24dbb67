/** `bulwark:hosts`: validation (field, value, fix; nothing created), the secret key, one HardenedHost each, the
 * plan. */
import * as path from "path";
import { ConfigError, parseStackConfig } from "../../components/config";
import { isInternetAddress } from "../../components/host/hosts-config";
import { renderText } from "../../cli/plan";
import { readStackFile, type PlanResult } from "../../cli/plan-runner";
import { targetsFromStack } from "../../cli/fleet/targets";
import { prodPlan } from "../setup/prod-plan";

const ROOT = path.join(__dirname, "../..");
const prod = () => readStackFile(path.join(ROOT, "Pulumi.prod.yaml"));
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIfUhTDGCZYK2mGwqS58u/thX1YS8UX0jj/SJZXQ+bST bulwark-ops";
const PRIVATE =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-plaintext-test-only\n-----END OPENSSH " +
  "PRIVATE KEY-----\n";

type Hosts = Record<string, unknown>[];
function withHosts(edit: (hosts: Hosts) => void, secretKeys?: string[]) {
  const { config, secretKeys: sk } = prod();
  const hosts = JSON.parse(JSON.stringify(config["bulwark:hosts"])) as Hosts;
  edit(hosts);
  return () => parseStackConfig({ ...config, "bulwark:hosts": hosts }, { secretKeys: secretKeys ?? sk });
}
function issues(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("bulwark:hosts config", () => {
  test("Pulumi.prod.yaml declares branch servers, one behind the Leeds jump host", () => {
    const { config, secretKeys } = prod();
    expect(secretKeys).toContain("bulwark:hostsSshKey");
    const cfg = parseStackConfig(config, { secretKeys });
    expect(cfg.hosts.map((h) => [h.name, h.via ?? null])).toEqual([
      ["leeds-jump", null],
      ["leeds-files", "leeds-jump"],
      ["bristol-pos", null],
      ["glasgow-erp", null],
    ]);
  });

  test("a plaintext SSH key is refused and never echoed", () => {
    const { config } = prod();
    const msg = issues(() => parseStackConfig({ ...config, "bulwark:hostsSshKey": PRIVATE }, { secretKeys: [] }));
    expect(msg).toMatch(
      /bulwark:hostsSshKey: got \[masked: a plaintext value\]: the SSH private key must be a Pulumi secret/,
    );
    expect(msg).toMatch(/pulumi config set --secret bulwark:hostsSshKey/);
    expect(msg).not.toContain("plaintext-test-only");
  });

  test("hosts without the key are refused", () => {
    const { config, secretKeys } = prod();
    const rest = Object.fromEntries(Object.entries(config).filter(([k]) => k !== "bulwark:hostsSshKey"));
    expect(issues(() => parseStackConfig(rest, { secretKeys }))).toMatch(
      /bulwark:hostsSshKey: got \[secret\]: required\. Fix: existing hosts need the SSH private key/,
    );
  });

  test("every bad field is named with its value and fix, in one pass", () => {
    const msg = issues(
      withHosts((h) => {
        h[1].address = "8.8.8.8";
        h[2].via = "bristol-pos";
        h[3].site = "paris";
        h[3].ssh = { user: "bob", hostKey: KEY };
        h[0].ssh = { user: "bulwark-ops" };
        h.push({ ...h[2], via: "nowhere" });
      }),
    );
    expect(msg).toMatch(
      /bulwark:hosts\[1\]\.address: got "8\.8\.8\.8": invalid\. Fix: SSH to a server over the internet is refused/,
    );
    expect(msg).toMatch(/bulwark:hosts\[0\]\.ssh\.hostKey: got nothing: required/);
    expect(msg).toMatch(/bulwark:hosts\[3\]\.site: got "paris": .*declare the site in bulwark:sites/);
    expect(msg).toMatch(
      /bulwark:hosts\[3\]\.ssh\.user: got "bob": .*add bob with the public half of bulwark:hostsSshKey/,
    );
    expect(msg).toMatch(/bulwark:hosts\[4\]\.via: got "nowhere": .*name a bastion declared in bulwark:hosts/);
    expect(msg).toMatch(/bulwark:hosts\[4\]\.name: got "bristol-pos": .*repeats hosts\[2\]/);
  });

  test(
    "a jump host must be a bastion of one hop; a host needs a management source; overrides are checked by the " +
      "host schema",
    () => {
      const msg = issues(
        withHosts((h) => {
          h[2].via = "glasgow-erp";
          (h[3].host as Record<string, unknown>).managementSources = [];
          (h[0].host as Record<string, unknown>).managementSources = ["0.0.0.0/0"];
          h[1].ssh = { user: "root", hostKey: KEY };
        }),
      );
      expect(msg).toMatch(/bulwark:hosts\[2\]\.via: got "glasgow-erp": .*a jump host needs role bastion/);
      expect(msg).toMatch(/bulwark:hosts\[3\]\.host\.managementSources: got \[\]: .*list the network it connects from/);
      expect(msg).toMatch(
        /bulwark:hosts\[0\]\.host\.managementSources\[0\]: got "0\.0\.0\.0\/0": .*SSH from the internet is refused/,
      );
      expect(msg).toMatch(/bulwark:hosts\[1\]\.ssh\.user: got "root": .*root cannot log in on a hardened host/);
    },
  );

  test(
    "the exposure model decides: private, loopback, link-local and ULA are internal; public, CGNAT and " +
      "documentation ranges are the internet",
    () => {
      for (const a of ["10.1.2.3", "192.168.20.10", "172.16.0.1", "127.0.0.1", "fd00::1", "169.254.1.1"])
        expect([a, isInternetAddress(a)]).toEqual([a, false]);
      for (const a of ["8.8.8.8", "81.2.69.1", "203.0.114.1", "100.64.1.1", "198.51.100.7", "2a00:1450::1"])
        expect([a, isInternetAddress(a)]).toEqual([a, true]);
    },
  );
});

describe("offline plan with bulwark:hosts", () => {
  let plan: PlanResult;
  beforeAll(async () => {
    plan = await prodPlan();
  }, 90_000);

  test("one HardenedHost per entry; the key is a secret on every command, the bastion is its proxy", () => {
    const hh = plan.resources.filter((r) => r.type === "bulwark:host:HardenedHost");
    expect(hh.map((r) => r.name).sort()).toEqual([
      "host-bristol-pos",
      "host-glasgow-erp",
      "host-leeds-files",
      "host-leeds-jump",
    ]);
    const cmds = plan.resources.filter((r) => r.type.startsWith("command:remote:"));
    expect(cmds).toHaveLength(12);
    for (const c of cmds) expect(c.secretPaths).toContain("connection");
    expect(JSON.stringify(plan)).not.toContain("offline-secret-placeholder");
  });

  test("bulwark plan lists each host with address, OS, role, bundle hash and bastion", () => {
    const text = renderText(plan, "prod");
    expect(text).toContain("Existing hosts (hardened over SSH): 4");
    expect(text).toMatch(
      new RegExp(
        /host leeds-files \[app @ leeds\]: 192\.168\.20\.10:22, ubuntu-22\.04, bundle sha256 [0-9a-f]{12}, /.source +
          /bastion leeds-jump \(bulwark-ops@192\.168\.20\.2:22\)/.source,
      ),
    );
    expect(text).toMatch(
      new RegExp(
        /host bristol-pos \[app @ bristol\]: 192\.168\.21\.10:22, ubuntu-24\.04, bundle sha256 [0-9a-f]{12}, /.source +
          /bastion none \(direct\)/.source,
      ),
    );
    const hashes = plan.resources
      .filter((r) => r.type === "command:remote:Command" && r.name.endsWith("-apply"))
      .map((r) => (r.inputs.triggers as string[])[0]);
    const listed = Object.values(plan.outputs.existingHosts as Record<string, { bundleHash: string }>).map(
      (h) => h.bundleHash,
    );
    expect(listed.sort()).toEqual(hashes.sort());
  });

  test(
    "host verify --stack reads the same hosts, " + "with the bundle hash the plan declares and the bastion hop",
    async () => {
      const targets = await targetsFromStack("prod");
      const planned = plan.outputs.existingHosts as Record<string, { bundleHash: string; address: string }>;
      expect(targets.map((t) => [t.name, t.address, t.expectedBundleHash])).toEqual(
        Object.keys(planned).length
          ? targets.map((t) => [t.name, planned[t.name].address, planned[t.name].bundleHash])
          : [],
      );
      expect(targets.find((t) => t.name === "leeds-files")!.bastion).toMatchObject({
        name: "leeds-jump",
        address: "192.168.20.2",
        user: "bulwark-ops",
      });
      expect(targets.find((t) => t.name === "bristol-pos")!.bastion).toBeUndefined();
    },
  );
});
