import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ArgsError } from "../../components/config";
import { IMDS, INSTANCE_MANAGED_POLICIES } from "../../components/controls";
import { HardenedServer, type HardenedServerArgs, KEY_PAIR_POLICY } from "../../components/compute/hardened-server";
import { InstanceIdentity } from "../../components/compute/instance-identity";
import { PolicyNames } from "../../policies/src/names";
import { waiversFromTags } from "../../policies/src/waiver";
import { T, record, settle } from "./harness";

const base = (over: Partial<HardenedServerArgs> = {}): HardenedServerArgs => ({
  role: "web",
  site: "hq",
  environment: "prod",
  ami: "ami-0123456789abcdef0",
  subnetId: "subnet-1",
  securityGroupIds: ["sg-1"],
  ...over,
});

describe("HardenedServer", () => {
  test(
    "safe defaults: IMDSv2 hop 1, encrypted gp3, no public IP, " + "no key pair, monitoring, prod protection, tags",
    async () => {
      const r = await record(() => new HardenedServer("web-1", base()));
      const i = r.one(T.instance).inputs;
      expect(i.metadataOptions).toMatchObject({
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        httpEndpoint: "enabled",
      });
      expect(IMDS.httpPutResponseHopLimit).toBe(1);
      expect(i.rootBlockDevice).toMatchObject({
        volumeType: "gp3",
        encrypted: true,
        volumeSize: 30,
        deleteOnTermination: true,
      });
      expect((i.rootBlockDevice as Record<string, unknown>).kmsKeyId).toBeUndefined();
      expect(i.associatePublicIpAddress).toBe(false);
      expect(i.keyName).toBeUndefined();
      expect(i.monitoring).toBe(true);
      expect(i.disableApiTermination).toBe(true);
      expect(i.tags).toMatchObject({
        "bulwark:role": "web",
        "bulwark:site": "hq",
        "bulwark:environment": "prod",
        Name: "web-1",
      });
      expect(i.vpcSecurityGroupIds).toEqual(["sg-1"]);
      expect(i.userData).toBeUndefined();
    },
  );

  test("its own instance profile holds only the SSM core and CloudWatch agent policies", async () => {
    const r = await record(() => new HardenedServer("app-1", base({ role: "app" })));
    const role = r.one(T.role);
    expect(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const attached = r
      .ofType(T.attachment)
      .map((a) => a.inputs.policyArn)
      .sort();
    expect(attached).toEqual(Object.values(INSTANCE_MANAGED_POLICIES).sort());
    expect(r.ofType(T.rolePolicy)).toHaveLength(0);
    const profile = r.one(T.profile);
    expect(r.one(T.instance).propertyDependencies.iamInstanceProfile).toEqual([profile.urn]);
  });

  test("a shared profile is used as given; termination protection off outside prod; CMK root", async () => {
    const r = await record(
      () =>
        new HardenedServer(
          "db-1",
          base({
            role: "db",
            environment: "dev",
            instanceProfileName: "shared",
            rootVolume: { sizeGiB: 100, kmsKeyArn: "arn:aws:kms:eu-west-1:1:key/k" },
          }),
        ),
    );
    const i = r.one(T.instance).inputs;
    expect(i.iamInstanceProfile).toBe("shared");
    expect(r.ofType(T.profile)).toHaveLength(0);
    // Outside prod the unset switch leaves AWS's default (advisory in the pack), never an unwaived explicit off.
    expect(i.disableApiTermination).toBeUndefined();
    expect(i.rootBlockDevice).toMatchObject({
      kmsKeyId: "arn:aws:kms:eu-west-1:1:key/k",
      volumeSize: 100,
      encrypted: true,
    });
  });

  test("the given bundle reaches the instance, and a change to it replaces the instance", async () => {
    const a = await record(
      () => new HardenedServer("web-1", base({ userData: "#cloud-config\nruncmd: [bundle-v1]\n" })),
    );
    const b = await record(
      () => new HardenedServer("web-1", base({ userData: pulumi.output("#cloud-config\nruncmd: [bundle-v2]\n") })),
    );
    const ia = a.one(T.instance);
    const ib = b.one(T.instance);
    expect(ia.inputs.userData).toBe("#cloud-config\nruncmd: [bundle-v1]\n");
    expect(ib.inputs.userData).toBe("#cloud-config\nruncmd: [bundle-v2]\n");
    // Same logical resource, different user data: both the provider flag and the engine option force a replace.
    expect(ia.urn).toBe(ib.urn);
    for (const i of [ia, ib]) {
      expect(i.inputs.userDataReplaceOnChange).toBe(true);
      expect(i.replaceOnChanges).toEqual(["userData", "userDataBase64"]);
    }
  });

  test("a base64 bundle (gzipped cloud-config) takes the same seam; giving both forms is refused", async () => {
    const b64 = Buffer.from("#cloud-config\nruncmd: [bundle]\n").toString("base64");
    const r = await record(() => new HardenedServer("web-1", base({ userDataBase64: b64 })));
    const i = r.one(T.instance);
    expect(i.inputs.userDataBase64).toBe(b64);
    expect(i.inputs.userData).toBeUndefined();
    expect(i.replaceOnChanges).toContain("userDataBase64");
    await record(() => {
      expect(() => new HardenedServer("both", base({ userData: "x", userDataBase64: b64 }))).toThrow(
        /args\.userDataBase64.*not both/,
      );
    });
  });

  test("a secret bundle stays secret: masked in the plan and secret on the instance's output", async () => {
    const secretBundle = "#cloud-config\nwrite_files: [{content: s3cr3t-token}]\n";
    const r = await record(() => new HardenedServer("web-1", base({ userData: pulumi.secret(secretBundle) })));
    const inst = r.one(T.instance);
    expect(inst.secretPaths).toEqual(["userData"]);
    expect(inst.inputs.userData).toBe("[secret]");
    expect(JSON.stringify(r.resources)).not.toContain("s3cr3t-token");
    const out = await settle(r.value.instance.userData);
    expect(out.secret).toBe(true);
    expect(out.value).toBe(secretBundle);
    expect(await pulumi.isSecret(r.value.instanceId)).toBe(false);
  });

  test("public IP and key pair only with waivers, written as tags", async () => {
    const w = { reason: "Legacy vendor appliance pending move", approver: "ciso@example.com", expires: "2099-01-31" };
    const r = await record(
      () => new HardenedServer("legacy", base({ publicIp: { waiver: w }, keyPair: { name: "vendor", waiver: w } })),
    );
    const i = r.one(T.instance).inputs;
    expect(i.associatePublicIpAddress).toBe(true);
    expect(i.keyName).toBe("vendor");
    const policies = waiversFromTags(i.tags)
      .waivers.map((x) => x.policy)
      .sort();
    expect(policies).toEqual([KEY_PAIR_POLICY, PolicyNames.instancePublicIp].sort());
  });

  test("options: monitoring off, explicit protection, gp3 performance, patch group and caller tags", async () => {
    const r = await record(
      () =>
        new HardenedServer(
          "db-1",
          base({
            role: "db",
            environment: "dev",
            detailedMonitoring: {
              enabled: false,
              waiver: {
                reason: "batch host: the CloudWatch agent covers it",
                approver: "security@example.com",
                expires: "2999-12-31",
              },
            },
            terminationProtection: true,
            rootVolume: { sizeGiB: 50, iops: 6000, throughput: 250 },
            patchGroup: "bulwark-dev",
            tags: { team: "data" },
            instanceType: "r6i.large",
          }),
        ),
    );
    const i = r.one(T.instance).inputs;
    expect(i).toMatchObject({ monitoring: false, disableApiTermination: true, instanceType: "r6i.large" });
    expect(i.rootBlockDevice).toMatchObject({ volumeSize: 50, iops: 6000, throughput: 250, encrypted: true });
    expect(i.tags).toMatchObject({ "Patch Group": "bulwark-dev", team: "data", "bulwark:role": "db" });
    // Monitoring switched off with a waiver: the pack sees it as a waiver tag.
    expect(waiversFromTags(i.tags).waivers.map((w) => w.policy)).toEqual([PolicyNames.instanceDetailedMonitoring]);
  });

  test("bad args name the field and create nothing", async () => {
    const r = await record(() => {
      expect(() => new HardenedServer("a", base({ securityGroupIds: [] }))).toThrow(
        /args\.securityGroupIds.*at least one Firewall/,
      );
      expect(() => new HardenedServer("b", base({ role: "mail" as "web" }))).toThrow(ArgsError);
      expect(() => new HardenedServer("c", base({ instanceType: "huge" }))).toThrow(/args\.instanceType: got "huge"/);
      expect(() => new HardenedServer("d", base({ rootVolume: { sizeGiB: 4 } }))).toThrow(/args\.rootVolume\.sizeGiB/);
      expect(
        () =>
          new HardenedServer(
            "e",
            base({ publicIp: { waiver: { reason: "x", approver: "me@x.com", expires: "2099-01-01" } } }),
          ),
      ).toThrow(/args\.publicIp\.waiver\.reason/);
      expect(() => new HardenedServer("f", base({ ami: undefined as unknown as string }))).toThrow(/args\.ami/);
    });
    expect(r.resources).toHaveLength(0);
  });

  test("provider and parent pass through to every child", async () => {
    const r = await record(() => {
      const provider = new aws.Provider("frankfurt", { region: "eu-central-1" });
      const parent = new pulumi.ComponentResource("test:index:Parent", "p");
      new HardenedServer("web-1", base(), { parent, providers: [provider] });
      return provider;
    });
    const provider = r.one("pulumi:providers:aws", "frankfurt");
    const inst = r.one(T.instance);
    expect(inst.provider).toMatch(new RegExp(`^${provider.urn.replace(/[$]/g, "\\$")}::`));
    expect(r.one(T.role).provider).toBe(inst.provider);
    const server = r.resources.find((x) => x.type === "bulwark:compute:HardenedServer")!;
    expect(server.parent).toMatch(/test:index:Parent::p$/);
    expect(inst.parent).toBe(server.urn);
  });
});

describe("InstanceIdentity", () => {
  test("session logging permissions are scoped to the given key, log group and bucket prefix", async () => {
    const r = await record(
      () =>
        new InstanceIdentity("srv", {
          sessionKmsKeyArn: "arn:aws:kms:eu-west-1:1:key/k",
          sessionLogGroupArn: "arn:aws:logs:eu-west-1:1:log-group:/s",
          sessionLogBucketArn: "arn:aws:s3:::sessions",
        }),
    );
    const doc = JSON.parse(String(r.one(T.rolePolicy).inputs.policy));
    const resources = doc.Statement.flatMap((s: { Resource: string | string[] }) => [s.Resource].flat());
    expect(resources).toEqual(
      expect.arrayContaining(["arn:aws:kms:eu-west-1:1:key/k", "arn:aws:s3:::sessions/sessions/*"]),
    );
    expect(doc.Statement.find((s: { Action: string[] }) => [s.Action].flat().includes("s3:PutObject")).Resource).toBe(
      "arn:aws:s3:::sessions/sessions/*",
    );
  });
});
