/**
 * EncryptionKey: a customer-managed KMS key with yearly rotation whose policy lets the AWS services Bulwark logs
 * through (CloudWatch Logs, CloudTrail, SNS publishers, Session Manager) use it in this account only.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseArgs } from "../config";
import { invokeOpts, mergeTags, tagsField } from "../common";

const keyArgsSchema = z
  .object({
    description: z.string().min(1).default("Bulwark estate key: logs, trail, sessions, alerts, volumes"),
    deletionWindowInDays: z.number().int().min(7, "use 7 to 30 days").max(30, "use 7 to 30 days").default(30),
    tags: tagsField,
  })
  .strict();

export type EncryptionKeyArgs = z.input<typeof keyArgsSchema>;

export class EncryptionKey extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly arn: pulumi.Output<string>;
  readonly keyId: pulumi.Output<string>;

  constructor(name: string, args: EncryptionKeyArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    const a = parseArgs(keyArgsSchema, args, "EncryptionKey", name);
    super("bulwark:security:EncryptionKey", name, {}, opts);
    const account = aws.getCallerIdentityOutput({}, invokeOpts(this)).accountId;
    const region = aws.getRegionOutput({}, invokeOpts(this)).region;
    const partition = aws.getPartitionOutput({}, invokeOpts(this)).partition;

    const policy = pulumi.all([account, region, partition]).apply(([acct, reg, part]) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountAdmin",
            Effect: "Allow",
            Principal: { AWS: `arn:${part}:iam::${acct}:root` },
            Action: "kms:*",
            Resource: "*",
          },
          {
            Sid: "CloudWatchLogs",
            Effect: "Allow",
            Principal: { Service: `logs.${reg}.amazonaws.com` },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${part}:logs:${reg}:${acct}:*` } },
          },
          {
            Sid: "CloudTrail",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: ["kms:GenerateDataKey*", "kms:DescribeKey"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": acct } },
          },
          {
            Sid: "AlertPublishers",
            Effect: "Allow",
            Principal: { Service: ["events.amazonaws.com", "cloudwatch.amazonaws.com"] },
            Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": acct } },
          },
        ],
      }),
    );

    this.key = new aws.kms.Key(
      name,
      {
        description: a.description,
        enableKeyRotation: true,
        deletionWindowInDays: a.deletionWindowInDays,
        policy,
        tags: mergeTags("EncryptionKey", { Name: name, ...a.tags }),
      },
      { parent: this },
    );
    new aws.kms.Alias(name, { name: `alias/bulwark/${name}`, targetKeyId: this.key.keyId }, { parent: this });
    this.arn = this.key.arn;
    this.keyId = this.key.keyId;
    this.registerOutputs({ arn: this.arn });
  }
}
