/** EncryptedBucket: the estate's one shape of S3 bucket (session logs, CloudTrail, host bundles). */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseArgs } from "../config";
import { input, mergeTags, tagsField } from "../common";

const bucketArgsSchema = z
  .object({
    kmsKeyArn: input<string>("a KMS key ARN"),
    /** Extra bucket-policy statements (e.g. CloudTrail's); TLS-only is always added. */
    policyStatements: z
      .custom<(bucketArn: string, sourceArn: string) => Record<string, unknown>[]>((v) => typeof v === "function")
      .optional(),
    /** The one resource (e.g. the trail) the extra statements admit, for their aws:SourceArn condition. */
    sourceArn: input<string>("the writing resource's ARN").optional(),
    tags: tagsField,
  })
  .strict();

/** A private, versioned, SSE-KMS bucket that refuses plain HTTP (FSBP S3.1/S3.4/S3.5/S3.8). */
export class EncryptedBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly policy: aws.s3.BucketPolicy;

  constructor(name: string, args: z.input<typeof bucketArgsSchema>, opts?: pulumi.ComponentResourceOptions) {
    const a = parseArgs(bucketArgsSchema, args, "EncryptedBucket", name);
    super("bulwark:storage:EncryptedBucket", name, {}, opts);
    this.bucket = new aws.s3.Bucket(
      name,
      { forceDestroy: false, tags: mergeTags("EncryptedBucket", { Name: name, ...a.tags }) },
      { parent: this },
    );
    new aws.s3.BucketPublicAccessBlock(
      name,
      {
        bucket: this.bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parent: this },
    );
    new aws.s3.BucketOwnershipControls(
      name,
      { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      { parent: this },
    );
    new aws.s3.BucketVersioning(
      name,
      { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      name,
      {
        bucket: this.bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: a.kmsKeyArn },
            bucketKeyEnabled: true,
          },
        ],
      },
      { parent: this },
    );
    const extra = a.policyStatements;
    this.policy = new aws.s3.BucketPolicy(
      name,
      {
        bucket: this.bucket.id,
        policy: pulumi.all([this.bucket.arn, a.sourceArn ?? ""]).apply(([arn, sourceArn]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
              ...(extra ? extra(arn, sourceArn) : []),
            ],
          }),
        ),
      },
      { parent: this },
    );
    this.registerOutputs({ bucket: this.bucket.bucket });
  }
}
