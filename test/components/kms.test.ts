import { EncryptedBucket } from "../../components/storage/encrypted-bucket";
import { EncryptionKey } from "../../components/security/encryption-key";
import { T, record } from "./harness";

describe("EncryptionKey", () => {
  test(
    "rotation on, 30-day deletion window, alias, and a policy scoped to this account's log, trail and alert " +
      "services",
    async () => {
      const r = await record(() => new EncryptionKey("estate"));
      const key = r.one("aws:kms/key:Key");
      expect(key.inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
      expect(r.one("aws:kms/alias:Alias").inputs.name).toBe("alias/bulwark/estate");
      const policy = JSON.parse(String(key.inputs.policy));
      const sids = policy.Statement.map((s: { Sid: string }) => s.Sid);
      expect(sids).toEqual(["AccountAdmin", "CloudWatchLogs", "CloudTrail", "AlertPublishers"]);
      expect(policy.Statement[0].Principal.AWS).toBe("arn:aws:iam::123456789012:root");
      expect(policy.Statement[1].Principal.Service).toBe("logs.eu-west-1.amazonaws.com");
      expect(policy.Statement[1].Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).toBe(
        "arn:aws:logs:eu-west-1:123456789012:*",
      );
      for (const s of policy.Statement.slice(2))
        expect(s.Condition.StringEquals["aws:SourceAccount"]).toBe("123456789012");
    },
  );

  test("options: description, deletion window, tags", async () => {
    const r = await record(
      () => new EncryptionKey("logs", { description: "log key", deletionWindowInDays: 7, tags: { team: "sec" } }),
    );
    expect(r.one("aws:kms/key:Key").inputs).toMatchObject({
      description: "log key",
      deletionWindowInDays: 7,
      tags: expect.objectContaining({ team: "sec" }),
    });
  });

  test("bad args name the field and create nothing", async () => {
    const r = await record(() => {
      expect(() => new EncryptionKey("a", { deletionWindowInDays: 3 })).toThrow(
        /args\.deletionWindowInDays: got 3.*7 to 30 days/,
      );
      expect(() => new EncryptedBucket("b", { kmsKeyArn: "" })).toThrow(/EncryptedBucket "b" args.*args\.kmsKeyArn/s);
    });
    expect(r.resources).toHaveLength(0);
  });

  test("EncryptedBucket adds caller statements after TLS-only", async () => {
    const r = await record(
      () =>
        new EncryptedBucket("logs", {
          kmsKeyArn: "arn:aws:kms:eu-west-1:1:key/k",
          policyStatements: (arn) => [
            {
              Sid: "Extra",
              Effect: "Allow",
              Principal: { Service: "x.amazonaws.com" },
              Action: "s3:PutObject",
              Resource: `${arn}/*`,
            },
          ],
        }),
    );
    const policy = JSON.parse(String(r.one(T.bucketPolicy).inputs.policy));
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(["DenyInsecureTransport", "Extra"]);
    expect(policy.Statement[1].Resource).toMatch(/^arn:aws:s3:::logs-.*\/\*$/);
    expect(r.one("aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration).toEqual({
      status: "Enabled",
    });
    expect(r.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule).toEqual({
      objectOwnership: "BucketOwnerEnforced",
    });
  });
});
