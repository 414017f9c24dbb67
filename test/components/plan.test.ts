import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "../../components/config";
import { inProcess } from "../pipelines/run-cli";
import { groupByComponent, renderText, serverHardening } from "../../cli/plan";
import {
  type PlanResult,
  SECRET_MASK,
  readStackFile,
  runPlan,
  runProgram,
  startRecording,
} from "../../cli/plan-runner";
import { smallConfig } from "./fixtures/estate";
import { prodPlan } from "../setup/prod-plan";

const ROOT = path.join(__dirname, "../..");

describe("offline plan of Pulumi.prod.yaml", () => {
  let plan: PlanResult;
  beforeAll(async () => {
    plan = await prodPlan();
  }, 60000);

  test(
    "every configured server is planned with IMDSv2, an encrypted root, no public IP, SSM and no internet " +
      "admin port",
    () => {
      const cfg = parseStackConfig(readStackFile(path.join(ROOT, "Pulumi.prod.yaml")).config);
      const expected = cfg.sites.flatMap((s) => s.servers.map((v) => `${s.name}-${v.name}`)).sort();
      const servers = serverHardening(plan);
      expect(servers.map((s) => s.name).sort()).toEqual(expected);
      for (const s of servers) {
        expect(s).toMatchObject({
          imdsv2: true,
          imdsHopLimit: 1,
          rootEncrypted: true,
          rootKms: "cmk",
          publicIp: false,
          ssmManaged: true,
          internetAdminPorts: [],
          adminIngress: [],
          terminationProtection: true,
          replaceOnUserDataChange: true,
        });
        // The host bundle is read back from the planned user data: the loader, pinned to an object the plan stores.
        expect(s.hostBundle).toEqual({
          hash: expect.stringMatching(/^[0-9a-f]{64}$/),
          os: expect.any(String),
          role: s.role,
          object: {
            key: `bundles/${s.hostBundle!.os}/${s.role}/${s.hostBundle!.hash}.sh`,
            sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          },
        });
      }
    },
  );

  test("a loader counts as the host bundle only when the plan stores the very object it pins", () => {
    const objects = plan.resources.filter((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2");
    // Identical servers share one object: fewer objects than servers.
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.length).toBeLessThan(25);
    const tampered = {
      ...plan,
      resources: plan.resources.map((r) =>
        r === objects[0] ? { ...r, inputs: { ...r.inputs, content: `${String(r.inputs.content)}echo extra\n` } } : r,
      ),
    };
    const key = String(objects[0].inputs.key);
    const hit = serverHardening(tampered).filter((s) => !s.hostBundle);
    expect(hit.length).toBeGreaterThan(0);
    for (const s of serverHardening(plan))
      if (s.hostBundle!.object!.key === key) expect(hit.map((h) => h.name)).toContain(s.name);
    const missing = { ...plan, resources: plan.resources.filter((r) => r !== objects[0]) };
    expect(
      serverHardening(missing)
        .filter((s) => !s.hostBundle)
        .map((s) => s.name),
    ).toEqual(hit.map((h) => h.name));
  });

  test("the text plan shows the host bundle per server and in the summary", () => {
    const text = renderText(plan, "prod");
    const lines = text.split("\n").filter((l) => l.startsWith("  server "));
    expect(lines).toHaveLength(25);
    for (const l of lines)
      expect(l).toMatch(/host bundle yes \(sha256 [0-9a-f]{12}, (ubuntu-24\.04|debian-12), loaded from S3\)$/);
    expect(text).toContain("host bundle 25/25");
    expect(text).not.toContain("ATTENTION");
  });

  test("resources follow the contract shape: URNs, parents, property dependencies", () => {
    const stack = plan.resources.find((r) => r.type === "pulumi:pulumi:Stack")!;
    expect(stack.urn).toBe("urn:pulumi:prod::bulwark::pulumi:pulumi:Stack::bulwark-prod");
    const urns = new Set(plan.resources.map((r) => r.urn));
    for (const r of plan.resources) {
      expect(r.urn).toMatch(/^urn:pulumi:prod::bulwark::/);
      if (r.parent) expect(urns.has(r.parent)).toBe(true);
      for (const deps of Object.values(r.propertyDependencies)) for (const d of deps) expect(urns.has(d)).toBe(true);
    }
    const groups = groupByComponent(plan);
    expect([...groups.keys()]).toEqual(
      expect.arrayContaining([
        "bulwark:network:SecureNetwork head-office",
        "bulwark:security:SecurityBaseline account",
        "bulwark:access:RemoteAccess admin",
        "bulwark:patching:PatchManagement patching",
      ]),
    );
    expect(plan.resources.filter((r) => r.type === "bulwark:network:SecureNetwork")).toHaveLength(11);
  });

  test("outputs give instance ids, endpoints and topic ARNs", () => {
    const ids = plan.outputs.instanceIds as Record<string, string>;
    expect(ids["head-office/web-1"]).toMatch(/^i-[0-9a-f]{17}$/);
    expect(Object.keys(plan.outputs.endpoints as object)).toEqual(Object.keys(ids));
    expect(plan.outputs.alertTopicArn).toMatch(/^arn:aws:sns:eu-west-1:/);
  });
});

describe("runPlan", () => {
  test("bad config throws ConfigError naming path, value and fix, before any resource is registered", async () => {
    const cfg = smallConfig();
    cfg["bulwark:environment"] = "live";
    await expect(runPlan({ config: cfg })).rejects.toThrow(ConfigError);
    await expect(runPlan({ config: cfg })).rejects.toThrow(/bulwark:environment: got "live".*Fix: use one of "prod"/);
  });

  test("the program itself refuses bad config: only the stack resource is ever registered", async () => {
    const cfg = smallConfig();
    (cfg["bulwark:sites"] as { cidr: string }[])[0].cidr = "8.8.0.0/16";
    pulumi.runtime.setAllConfig(
      Object.fromEntries(Object.entries(cfg).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
    );
    const rec = await startRecording();
    const program = require("../../index") as () => Promise<unknown>;
    await expect(runProgram(program)).rejects.toThrow(/bulwark:sites\[0\]\.cidr: got "8.8.0.0\/16"/);
    const resources = await rec.finish();
    expect(resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });

  test("secrets are masked in inputs and outputs, with their paths listed", async () => {
    const plan = await runPlan({ config: smallConfig(), program: path.join(__dirname, "fixtures/secret-program.ts") });
    const param = plan.resources.find((r) => r.type === "aws:ssm/parameter:Parameter")!;
    expect(param.secretPaths).toEqual(["value"]);
    expect(param.inputs.value).toBe(SECRET_MASK);
    expect(plan.outputs.password).toBe(SECRET_MASK);
    expect(JSON.stringify(plan)).not.toContain("hunter2-correct-horse-battery");
  });

  test("secure config values are never read offline: they become a placeholder and the key is marked secret", () => {
    const file = path.join(os.tmpdir(), `bulwark-secure-${process.pid}.yaml`);
    fs.writeFileSync(
      file,
      "config:\n  bulwark:environment: dev\n  bulwark:token:\n    secure: v1:abc:def\n  bulwark:baseline:\n  " +
        "  enabled: false\n    other:\n      secure: v1:x:y\n",
    );
    const { config, secretKeys } = readStackFile(file);
    expect(secretKeys.sort()).toEqual(["bulwark:baseline", "bulwark:token"]);
    expect(JSON.stringify(config)).not.toContain("v1:abc:def");
    fs.unlinkSync(file);
  });

  test(
    "preview mode: ids and computed outputs are unknown (the engine's sentinel), " + "the hardening inputs are known",
    async () => {
      const plan = await runPlan({ config: smallConfig(), preview: true });
      const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
      const inst = plan.resources.find((r) => r.type === "aws:ec2/instance:Instance")!;
      expect(inst.inputs.subnetId).toBe(UNKNOWN);
      expect(inst.inputs.vpcSecurityGroupIds).toEqual([UNKNOWN]);
      expect(inst.inputs.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
      expect(inst.inputs.associatePublicIpAddress).toBe(false);
      expect(inst.propertyDependencies.subnetId).toHaveLength(1);
      for (const s of serverHardening(plan))
        expect(s).toMatchObject({
          imdsv2: true,
          rootEncrypted: true,
          publicIp: false,
          ssmManaged: true,
          internetAdminPorts: [],
        });
      expect(plan.outputs.alertTopicArn).toBe(UNKNOWN);
    },
    30000,
  );

  test("bastion mode: one bastion per site, targets accept SSH only from the bastion group", async () => {
    const cfg = smallConfig();
    cfg["bulwark:environment"] = "dev";
    cfg["bulwark:adminAccess"] = { mode: "bastion", bastion: { allowedCidrs: ["192.168.50.0/24"] } };
    cfg["bulwark:baseline"] = {
      enabled: false,
      waiver: {
        reason: "the dev account baseline is owned by the platform stack",
        approver: "security@example.com",
        expires: "2999-12-31",
      },
    };
    // SSH through a bastion needs someone to log in as.
    cfg["bulwark:host"] = {
      ...(cfg["bulwark:host"] as object),
      admins: [
        {
          name: "alice",
          sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0Bw5ZqZ0eZq6mD7m0Xo0vW2V0m7D1b3qj2cJ8ZkXg alice@laptop"],
        },
      ],
    };
    const plan = await runPlan({ config: cfg, stack: "dev" });
    const servers = serverHardening(plan);
    expect(
      servers
        .filter((s) => s.role === "bastion")
        .map((s) => s.site)
        .sort(),
    ).toEqual(["branch-a", "hq"]);
    for (const s of servers) {
      expect(s.internetAdminPorts).toEqual([]);
      // Servers follow the environment (off in dev); the bastion's switch is on by default everywhere.
      expect(s.terminationProtection).toBe(s.role === "bastion");
      if (s.role === "bastion") expect(s.adminIngress).toEqual(["22 from 192.168.50.0/24"]);
      else expect(s.adminIngress.every((a) => a.startsWith("22 from sg "))).toBe(true);
    }
    expect(plan.resources.some((r) => r.type === "aws:guardduty/detector:Detector")).toBe(false);
    expect(plan.outputs.alertTopicArn).toBeUndefined();
  }, 30000);
});

describe("bulwark plan CLI", () => {
  test("exit 2 with the zod message on a config error", async () => {
    const file = path.join(os.tmpdir(), `bulwark-bad-${process.pid}.yaml`);
    fs.writeFileSync(
      file,
      "config:\n  bulwark:environment: prod\n  bulwark:sites:\n    - {name: hq, kind: head-office, cidr: " +
        "10.0.0.0/16, servers: [{name: w, role: web, rootVolumeGiB: 2}]}\n",
    );
    const bad = await inProcess(["plan", "--config-file", file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bulwark:sites\[0\]\.servers\[0\]\.rootVolumeGiB: got 2.*at least 8 GiB/);
    expect((await inProcess(["plan", "--stack", "nosuchstack"])).code).toBe(2);
    expect((await inProcess(["plan", "--format", "xml"])).code).toBe(2);
    fs.unlinkSync(file);
  });
});
