/**
 * RemoteAccess: how admins reach servers. Session Manager is the default: the account's Session Manager preferences
 * document encrypts sessions with KMS, logs them to CloudWatch and S3, and sets an idle timeout and run-as user.
 * Bastion mode adds, per network, a hardened bastion whose SSH comes only from allow-listed CIDRs; targets accept 22
 * only from the bastion's firewall. Port 22/3389 from the internet cannot be expressed: Firewall refuses it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseArgs } from "../config";
import { LOG_RETENTION_DAYS } from "../controls";
import { input, mergeTags, tagsField } from "../common";
import { EncryptedBucket } from "../storage/encrypted-bucket";

/** The document name Session Manager reads its account-wide preferences from. */
export const SESSION_PREFERENCES_DOCUMENT = "SSM-SessionManagerRunShell";

const accessArgsSchema = z
  .object({
    mode: z.enum(["session-manager", "bastion"]).default("session-manager"),
    kmsKeyArn: input<string>("a KMS key ARN for session encryption"),
    idleTimeoutMinutes: z.number().int().min(1, "use 1 to 60 minutes").max(60, "use 1 to 60 minutes").default(20),
    maxSessionMinutes: z.number().int().min(1).max(1440).default(240),
    runAsUser: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "use a Linux user name")
      .refine((u) => u !== "root", "never run sessions as root")
      .default("bulwark-admin"),
    logRetentionDays: z
      .number()
      .refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), "use a CloudWatch retention value")
      .default(365),
    tags: tagsField,
  })
  .strict();

export type RemoteAccessArgs = z.input<typeof accessArgsSchema>;

export class RemoteAccess extends pulumi.ComponentResource {
  readonly mode: "session-manager" | "bastion";
  readonly document: aws.ssm.Document;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly logBucket: aws.s3.Bucket;

  constructor(name: string, args: RemoteAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    const a = parseArgs(accessArgsSchema, args, "RemoteAccess", name);
    super("bulwark:access:RemoteAccess", name, {}, opts);
    this.mode = a.mode;
    const tags = (n: string) => mergeTags("RemoteAccess", { Name: n, ...a.tags });

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-sessions`,
      {
        name: `/bulwark/sessions/${name}`,
        retentionInDays: a.logRetentionDays,
        kmsKeyId: a.kmsKeyArn,
        tags: tags(`${name}-sessions`),
      },
      { parent: this },
    );
    this.logBucket = new EncryptedBucket(
      `${name}-sessions`,
      { kmsKeyArn: a.kmsKeyArn, tags: a.tags },
      { parent: this },
    ).bucket;

    const content = pulumi.all([this.logBucket.bucket, this.logGroup.name, a.kmsKeyArn]).apply(([bucket, group, key]) =>
      JSON.stringify({
        schemaVersion: "1.0",
        description: "Bulwark Session Manager preferences: encrypted, logged, time-limited, unprivileged",
        sessionType: "Standard_Stream",
        inputs: {
          s3BucketName: bucket,
          s3KeyPrefix: "sessions/",
          s3EncryptionEnabled: true,
          cloudWatchLogGroupName: group,
          cloudWatchEncryptionEnabled: true,
          cloudWatchStreamingEnabled: true,
          kmsKeyId: key,
          runAsEnabled: true,
          runAsDefaultUser: a.runAsUser,
          idleSessionTimeout: String(a.idleTimeoutMinutes),
          maxSessionDuration: String(a.maxSessionMinutes),
          shellProfile: { linux: "exec /bin/bash -l", windows: "" },
        },
      }),
    );
    this.document = new aws.ssm.Document(
      name,
      {
        name: SESSION_PREFERENCES_DOCUMENT,
        documentType: "Session",
        documentFormat: "JSON",
        content,
        tags: tags(name),
      },
      { parent: this },
    );
    this.registerOutputs({
      documentName: this.document.name,
      logGroupName: this.logGroup.name,
      logBucket: this.logBucket.bucket,
    });
  }
}
