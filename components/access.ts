/**
 * RemoteAccess: how admins reach servers. Session Manager is the default: the account's Session Manager preferences
 * document encrypts sessions with KMS, logs them to CloudWatch and S3, and sets an idle timeout and run-as user.
 * Bastion mode adds, per network, a hardened bastion whose SSH comes only from allow-listed CIDRs; targets accept 22
 * only from the bastion's firewall. Port 22/3389 from the internet cannot be expressed: Firewall refuses it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseArgs } from "./config";
import { LOG_RETENTION_DAYS } from "./controls";
import { input, mergeTags, tagsField, waiversField } from "./common";
import { Firewall, FirewallError, Peer, Port } from "./firewall";
import { HardenedServer } from "./server";
import { switchField } from "./switch";
import { judgeIngress, parseCidr } from "./rules";

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

const bastionArgsSchema = z
  .object({
    vpcId: input<string>("the VPC id"),
    vpcCidr: z.string().superRefine((v, ctx) => {
      try {
        parseCidr(v, "ipv4");
      } catch (e) {
        ctx.addIssue({ code: "custom", message: (e as Error).message });
      }
    }),
    subnetId: input<string>("a private subnet id"),
    ami: input<string>("an AMI id"),
    allowedCidrs: z.array(z.string()).min(1, "list the CIDRs allowed to reach the bastion"),
    instanceProfileName: input<string>("an instance profile name"),
    site: z.string().min(1),
    environment: z.enum(["prod", "staging", "dev"]),
    instanceType: z.string().default("t3.micro"),
    rootKmsKeyArn: input<string>("a KMS key ARN").optional(),
    userData: input<string>("user data").optional(),
    userDataBase64: input<string>("base64 user data").optional(),
    patchGroup: z.string().optional(),
    /** The servers' switches, secure by default here too: off only as {enabled: false, waiver}. */
    detailedMonitoring: switchField("detailedMonitoring").prefault(true),
    terminationProtection: switchField("terminationProtection").prefault(true),
    waivers: waiversField,
    /** Declared internal ranges (site CIDRs, bulwark:internalCidrs) for the exposure model. */
    internalCidrs: z.array(z.string()).default([]),
    tags: tagsField,
  })
  .strict();

export type BastionArgs = z.input<typeof bastionArgsSchema>;

/** A hardened bastion: SSH in only from allow-listed CIDRs, SSH out only into its own VPC. */
export class Bastion extends pulumi.ComponentResource {
  readonly firewall: Firewall;
  readonly server: HardenedServer;

  constructor(name: string, args: BastionArgs, opts?: pulumi.ComponentResourceOptions) {
    const a = parseArgs(bastionArgsSchema, args, "Bastion", name);
    // Judge every allow-listed source before anything exists.
    const peers = a.allowedCidrs.map((cidr) => (cidr.includes(":") ? Peer.ipv6(cidr) : Peer.ipv4(cidr)));
    for (const peer of peers) {
      const v = judgeIngress(peer, Port.tcp(22), [], a.waivers, new Date(), [a.vpcCidr, ...a.internalCidrs]);
      if (!v.ok) throw new FirewallError(`${name}-bastion`, `from ${peer.label} tcp22`, v.message, v.fix);
    }
    super("bulwark:access:Bastion", name, {}, opts);
    this.firewall = new Firewall(
      `${name}-bastion`,
      {
        vpcId: a.vpcId,
        description: "Bastion: SSH from allow-listed CIDRs only",
        waivers: a.waivers,
        internalCidrs: [a.vpcCidr, ...a.internalCidrs],
        tags: a.tags,
      },
      { parent: this },
    );
    for (const peer of peers)
      this.firewall.allowFrom(
        peer,
        Port.tcp(22),
        `SSH from allow-listed ${peer.kind === "ipv4" || peer.kind === "ipv6" ? peer.cidr : peer.label}`,
      );
    this.firewall.allowTo(Peer.ipv4(a.vpcCidr), Port.tcp(22), "SSH to targets in this VPC");
    this.server = new HardenedServer(
      name,
      {
        role: "bastion",
        site: a.site,
        environment: a.environment,
        ami: a.ami,
        instanceType: a.instanceType,
        subnetId: a.subnetId,
        securityGroupIds: [this.firewall.securityGroupId],
        instanceProfileName: a.instanceProfileName,
        rootVolume: { sizeGiB: 16, kmsKeyArn: a.rootKmsKeyArn },
        userData: a.userData,
        userDataBase64: a.userDataBase64,
        patchGroup: a.patchGroup,
        detailedMonitoring: a.detailedMonitoring,
        terminationProtection: a.terminationProtection,
        waivers: a.waivers,
        tags: a.tags,
      },
      { parent: this },
    );
    this.registerOutputs({ instanceId: this.server.instanceId });
  }

  /** Lets a target firewall accept SSH from this bastion only. */
  grantSsh(target: Firewall): void {
    target.allowFrom(this.firewall, Port.tcp(22), "SSH from the bastion only");
  }
}
