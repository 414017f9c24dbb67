import { Bastion } from "../../components/access/bastion";
import { RemoteAccess, SESSION_PREFERENCES_DOCUMENT } from "../../components/access/remote-access";
import { Firewall } from "../../components/network/firewall";
import { PolicyNames } from "../../policies/src/names";
import { BASTION_ARGS } from "./fixtures/bastion";
import { T, record, waiver } from "./harness";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/k";

describe("RemoteAccess (Session Manager)", () => {
  test(
    "the preferences document encrypts with KMS, logs to CloudWatch and S3, times out idle sessions, runs as a " +
      "named user",
    async () => {
      const r = await record(
        () => new RemoteAccess("admin", { kmsKeyArn: KEY, idleTimeoutMinutes: 15, runAsUser: "ops" }),
      );
      const doc = r.one(T.document);
      expect(doc.inputs).toMatchObject({
        name: SESSION_PREFERENCES_DOCUMENT,
        documentType: "Session",
        documentFormat: "JSON",
      });
      const inputs = JSON.parse(String(doc.inputs.content)).inputs;
      const lg = r.one(T.logGroup);
      const bucket = r.one(T.bucket);
      expect(inputs).toMatchObject({
        kmsKeyId: KEY,
        cloudWatchLogGroupName: lg.inputs.name,
        cloudWatchEncryptionEnabled: true,
        s3EncryptionEnabled: true,
        runAsEnabled: true,
        runAsDefaultUser: "ops",
        idleSessionTimeout: "15",
      });
      expect(inputs.s3BucketName).toMatch(/^admin-sessions-/);
      expect(doc.propertyDependencies.content).toEqual(expect.arrayContaining([lg.urn, bucket.urn]));
      expect(lg.inputs).toMatchObject({ kmsKeyId: KEY, retentionInDays: 365 });
    },
  );

  test("the transcript bucket is private, versioned, KMS-encrypted and TLS-only", async () => {
    const r = await record(() => new RemoteAccess("admin", { kmsKeyArn: KEY }));
    expect(r.one(T.pab).inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(r.one(T.sse).inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY }, bucketKeyEnabled: true },
    ]);
    const policy = JSON.parse(String(r.one(T.bucketPolicy).inputs.policy));
    expect(policy.Statement[0]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  test("options: session length and log retention", async () => {
    const r = await record(
      () =>
        new RemoteAccess("admin", { kmsKeyArn: KEY, maxSessionMinutes: 60, logRetentionDays: 731, mode: "bastion" }),
    );
    expect(JSON.parse(String(r.one(T.document).inputs.content)).inputs.maxSessionDuration).toBe("60");
    expect(r.one(T.logGroup).inputs.retentionInDays).toBe(731);
    expect(r.value.mode).toBe("bastion");
  });

  test("bad args: root run-as, idle timeout out of range, no key", async () => {
    const r = await record(() => {
      expect(() => new RemoteAccess("a", { kmsKeyArn: KEY, runAsUser: "root" })).toThrow(
        /args\.runAsUser.*never run sessions as root/,
      );
      expect(() => new RemoteAccess("b", { kmsKeyArn: KEY, idleTimeoutMinutes: 120 })).toThrow(
        /args\.idleTimeoutMinutes: got 120/,
      );
      expect(() => new RemoteAccess("c", {} as never)).toThrow(/args\.kmsKeyArn/);
    });
    expect(r.resources).toHaveLength(0);
  });
});

describe("Bastion", () => {
  const args = { ...BASTION_ARGS, environment: "prod" as const };

  test("SSH only from allow-listed CIDRs; targets accept 22 only from the bastion's group", async () => {
    const r = await record(() => {
      const b = new Bastion("hq", { ...args, allowedCidrs: ["192.168.50.0/24"] });
      const target = new Firewall("hq-app", { vpcId: "vpc-1" });
      b.grantSsh(target);
    });
    const ssh = r.ofType(T.ingress).filter((x) => x.inputs.fromPort === 22);
    expect(ssh).toHaveLength(2);
    const bastionSg = r.one(T.sg, "hq-bastion");
    expect(ssh.find((x) => x.inputs.cidrIpv4 === "192.168.50.0/24")?.propertyDependencies.securityGroupId).toEqual([
      bastionSg.urn,
    ]);
    const toTarget = ssh.find((x) => x.name.startsWith("hq-app"))!;
    expect(toTarget.inputs.cidrIpv4).toBeUndefined();
    expect(toTarget.propertyDependencies.referencedSecurityGroupId).toEqual([bastionSg.urn]);
    const inst = r.one(T.instance);
    expect(inst.inputs).toMatchObject({ associatePublicIpAddress: false, metadataOptions: { httpTokens: "required" } });
    expect((inst.inputs.tags as Record<string, string>)["bulwark:role"]).toBe("bastion");
  });

  test("SSH from the internet is never possible; a public office range needs the admin waiver", async () => {
    const r = await record(() => {
      expect(() => new Bastion("a", { ...args, allowedCidrs: ["0.0.0.0/0"] })).toThrow(/never allowed/);
      expect(() => new Bastion("b", { ...args, allowedCidrs: ["198.51.100.0/24"] })).toThrow(
        PolicyNames.sgInternetAdminIngress,
      );
      new Bastion("c", {
        ...args,
        allowedCidrs: ["198.51.100.0/24"],
        waivers: [waiver(PolicyNames.sgInternetAdminIngress)],
      });
    });
    expect(r.ofType(T.instance).map((i) => i.name)).toEqual(["c"]);
    // Refused bastions created nothing at all.
    expect(r.resources.filter((x) => /^(a|b)(-|$)/.test(x.name))).toEqual([]);
  });
});
