/**
 * InstanceIdentity: the IAM role and instance profile every Bulwark server uses (SSM core + CloudWatch agent,
 * session-log writes), and the read grant on the estate's host bundles (grantBundleRead).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseArgs } from "../config";
import { INSTANCE_MANAGED_POLICIES } from "../controls";
import { input, mergeTags, tagsField } from "../common";

const identityArgsSchema = z
  .object({
    /** Session Manager encryption key: instances must decrypt session data keys. */
    sessionKmsKeyArn: input<string>("a KMS key ARN").optional(),
    sessionLogGroupArn: input<string>("a log group ARN").optional(),
    sessionLogBucketArn: input<string>("an S3 bucket ARN").optional(),
    tags: tagsField,
  })
  .strict();

export type InstanceIdentityArgs = z.input<typeof identityArgsSchema>;

/** The instance profile every Bulwark server uses: SSM core + CloudWatch agent, plus session-log writes. */
export class InstanceIdentity extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly profile: aws.iam.InstanceProfile;
  readonly profileName: pulumi.Output<string>;

  constructor(name: string, args: InstanceIdentityArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    const a = parseArgs(identityArgsSchema, args, "InstanceIdentity", name);
    super("bulwark:compute:InstanceIdentity", name, {}, opts);
    const tags = mergeTags("InstanceIdentity", { Name: name, ...a.tags });
    this.role = new aws.iam.Role(
      name,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        description: "Bulwark server: SSM management and CloudWatch agent only",
        tags,
      },
      { parent: this },
    );
    for (const [key, arn] of Object.entries(INSTANCE_MANAGED_POLICIES)) {
      new aws.iam.RolePolicyAttachment(`${name}-${key}`, { role: this.role.name, policyArn: arn }, { parent: this });
    }
    if (a.sessionKmsKeyArn || a.sessionLogGroupArn || a.sessionLogBucketArn) {
      const policy = pulumi
        .all([a.sessionKmsKeyArn ?? "", a.sessionLogGroupArn ?? "", a.sessionLogBucketArn ?? ""])
        .apply(([key, group, bucket]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              ...(key
                ? [
                    {
                      Sid: "SessionKey",
                      Effect: "Allow",
                      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                      Resource: key,
                    },
                  ]
                : []),
              ...(group
                ? [
                    {
                      Sid: "SessionLogs",
                      Effect: "Allow",
                      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                      Resource: [group, `${group}:*`],
                    },
                    { Sid: "SessionLogGroups", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
                  ]
                : []),
              ...(bucket
                ? [
                    {
                      Sid: "SessionTranscripts",
                      Effect: "Allow",
                      Action: "s3:PutObject",
                      Resource: `${bucket}/sessions/*`,
                    },
                    {
                      Sid: "SessionBucketEncryption",
                      Effect: "Allow",
                      Action: "s3:GetEncryptionConfiguration",
                      Resource: bucket,
                    },
                  ]
                : []),
            ],
          }),
        );
      new aws.iam.RolePolicy(`${name}-session-logging`, { role: this.role.id, policy }, { parent: this });
    }
    this.profile = new aws.iam.InstanceProfile(name, { role: this.role.name, tags }, { parent: this });
    this.profileName = this.profile.name;
    this.name = name;
    this.registerOutputs({ profileName: this.profileName });
  }

  private readonly name: string;

  /**
   * Lets the servers read their host bundles at first boot: s3:GetObject on exactly the given objects (or, past
   * BUNDLE_GRANT_MAX_OBJECTS, on the bundles/ prefix, so the policy stays under IAM's size limit), and kms:Decrypt
   * on the bucket's key only through S3, only for that bucket.
   */
  grantBundleRead(args: {
    bucketArn: pulumi.Input<string>;
    objectArns: pulumi.Input<string>[];
    kmsKeyArn: pulumi.Input<string>;
    region: pulumi.Input<string>;
  }): aws.iam.RolePolicy {
    const policy = pulumi
      .all([args.bucketArn, pulumi.all(args.objectArns), args.kmsKeyArn, args.region])
      .apply(([bucket, objects, key, region]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "HostBundles",
              Effect: "Allow",
              Action: "s3:GetObject",
              Resource:
                objects.length > BUNDLE_GRANT_MAX_OBJECTS ? `${bucket}/bundles/*` : [...new Set(objects)].sort(),
            },
            {
              Sid: "HostBundleKey",
              Effect: "Allow",
              Action: "kms:Decrypt",
              Resource: key,
              Condition: {
                StringEquals: {
                  "kms:ViaService": `s3.${region}.amazonaws.com`,
                  "kms:EncryptionContext:aws:s3:arn": bucket,
                },
              },
            },
          ],
        }),
      );
    return new aws.iam.RolePolicy(`${this.name}-host-bundles`, { role: this.role.id, policy }, { parent: this });
  }
}

/** Exact object ARNs up to this many (about 120 characters each; IAM inline policies are limited to 10,240). */
export const BUNDLE_GRANT_MAX_OBJECTS = 40;
