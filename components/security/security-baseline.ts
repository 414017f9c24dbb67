/**
 * SecurityBaseline: the once-per-account-and-region detective controls. GuardDuty (EC2 runtime monitoring, malware
 * protection), Inspector2 continuous EC2 scanning (the outdated web server), Security Hub with FSBP, a multi-region
 * validated KMS-encrypted CloudTrail into CloudWatch, EBS encryption by default, CIS metric filters + alarms, and
 * EventBridge routing of high GuardDuty/Inspector findings, all to one encrypted SNS topic.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseArgs } from "../config";
import { CIS_METRIC_FILTERS, FSBP_STANDARD, HIGH_FINDING_EVENT_PATTERNS, LOG_RETENTION_DAYS } from "../controls";
import { input, invokeOpts, mergeTags, tagsField } from "../common";
import { EncryptedBucket } from "../storage/encrypted-bucket";

const baselineArgsSchema = z
  .object({
    kmsKeyArn: input<string>("a KMS key ARN for trail, logs and alerts"),
    alertEmails: z.array(z.email("use an e-mail address")).default([]),
    logRetentionDays: z
      .number()
      .refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), "use a CloudWatch retention value")
      .default(365),
    runtimeMonitoring: z.boolean().default(true),
    malwareProtection: z.boolean().default(true),
    /** KMS key for EBS encryption by default (the AWS-managed key when omitted). */
    ebsKmsKeyArn: input<string>("a KMS key ARN").optional(),
    tags: tagsField,
  })
  .strict();

export type SecurityBaselineArgs = z.input<typeof baselineArgsSchema>;

export class SecurityBaseline extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly topicArn: pulumi.Output<string>;
  readonly trail: aws.cloudtrail.Trail;
  readonly detector: aws.guardduty.Detector;
  readonly trailLogGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: SecurityBaselineArgs, opts?: pulumi.ComponentResourceOptions) {
    const a = parseArgs(baselineArgsSchema, args, "SecurityBaseline", name);
    super("bulwark:security:SecurityBaseline", name, {}, opts);
    const tags = (n: string) => mergeTags("SecurityBaseline", { Name: n, ...a.tags });
    const account = aws.getCallerIdentityOutput({}, invokeOpts(this)).accountId;
    const region = aws.getRegionOutput({}, invokeOpts(this)).region;
    const partition = aws.getPartitionOutput({}, invokeOpts(this)).partition;

    // Alerts: one encrypted topic that only this account's EventBridge and CloudWatch may publish to.
    this.topic = new aws.sns.Topic(
      `${name}-alerts`,
      { kmsMasterKeyId: a.kmsKeyArn, tags: tags(`${name}-alerts`) },
      { parent: this },
    );
    this.topicArn = this.topic.arn;
    new aws.sns.TopicPolicy(
      `${name}-alerts`,
      {
        arn: this.topic.arn,
        policy: pulumi.all([this.topic.arn, account]).apply(([arn, acct]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "AlertPublishers",
                Effect: "Allow",
                Principal: { Service: ["events.amazonaws.com", "cloudwatch.amazonaws.com"] },
                Action: "sns:Publish",
                Resource: arn,
                Condition: { StringEquals: { "aws:SourceAccount": acct } },
              },
            ],
          }),
        ),
      },
      { parent: this },
    );
    a.alertEmails.forEach((email, i) => {
      new aws.sns.TopicSubscription(
        `${name}-alerts-${i}`,
        { topic: this.topic.arn, protocol: "email", endpoint: email },
        { parent: this },
      );
    });

    // GuardDuty with runtime monitoring (agent managed) and malware protection (GuardDuty.1, .6, .11).
    this.detector = new aws.guardduty.Detector(
      name,
      { enable: true, findingPublishingFrequency: "FIFTEEN_MINUTES", tags: tags(name) },
      { parent: this },
    );
    if (a.runtimeMonitoring) {
      new aws.guardduty.DetectorFeature(
        `${name}-runtime`,
        {
          detectorId: this.detector.id,
          name: "RUNTIME_MONITORING",
          status: "ENABLED",
          additionalConfigurations: [{ name: "EC2_AGENT_MANAGEMENT", status: "ENABLED" }],
        },
        { parent: this },
      );
    }
    if (a.malwareProtection) {
      new aws.guardduty.DetectorFeature(
        `${name}-malware`,
        { detectorId: this.detector.id, name: "EBS_MALWARE_PROTECTION", status: "ENABLED" },
        { parent: this },
      );
    }

    // Inspector2: continuous EC2 vulnerability scanning (Inspector.1).
    new aws.inspector2.Enabler(name, { accountIds: [account], resourceTypes: ["EC2"] }, { parent: this });

    // Security Hub with FSBP (SecurityHub.1).
    const hub = new aws.securityhub.Account(
      name,
      { enableDefaultStandards: false, autoEnableControls: true, controlFindingGenerator: "SECURITY_CONTROL" },
      { parent: this },
    );
    new aws.securityhub.StandardsSubscription(
      `${name}-fsbp`,
      {
        standardsArn: pulumi.interpolate`arn:${partition}:securityhub:${region}::standards/${FSBP_STANDARD}`,
      },
      { parent: this, dependsOn: [hub] },
    );

    // EBS encryption by default (EC2.7).
    new aws.ebs.EncryptionByDefault(name, { enabled: true }, { parent: this });
    if (a.ebsKmsKeyArn) new aws.ebs.DefaultKmsKey(name, { keyArn: a.ebsKmsKeyArn }, { parent: this });

    // CloudTrail: multi-region, validated, KMS-encrypted, into CloudWatch (CloudTrail.1, .2, .4, .5).
    const trailName = `${name}-trail`;
    const trailBucket = new EncryptedBucket(
      `${name}-trail`,
      {
        kmsKeyArn: a.kmsKeyArn,
        tags: a.tags,
        // Only this trail may write (confused-deputy guard: any account's CloudTrail is the same service principal).
        sourceArn: pulumi.interpolate`arn:${partition}:cloudtrail:${region}:${account}:trail/${trailName}`,
        policyStatements: (arn: string, trailArn: string) => [
          {
            Sid: "CloudTrailAclCheck",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "s3:GetBucketAcl",
            Resource: arn,
            Condition: { StringEquals: { "aws:SourceArn": trailArn } },
          },
          {
            Sid: "CloudTrailWrite",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${arn}/AWSLogs/*`,
            Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trailArn } },
          },
        ],
      },
      { parent: this },
    );
    this.trailLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-trail`,
      {
        name: `/bulwark/cloudtrail/${name}`,
        retentionInDays: a.logRetentionDays,
        kmsKeyId: a.kmsKeyArn,
        tags: tags(`${name}-trail`),
      },
      { parent: this },
    );
    const trailRole = new aws.iam.Role(
      `${name}-trail`,
      {
        // Only this account's CloudTrail may assume it (confused-deputy guard).
        assumeRolePolicy: account.apply((acct) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": acct } },
              },
            ],
          }),
        ),
        tags: tags(`${name}-trail`),
      },
      { parent: this },
    );
    const trailRolePolicy = new aws.iam.RolePolicy(
      `${name}-trail`,
      {
        role: trailRole.id,
        policy: this.trailLogGroup.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${arn}:*` },
            ],
          }),
        ),
      },
      { parent: this },
    );
    this.trail = new aws.cloudtrail.Trail(
      name,
      {
        name: trailName,
        s3BucketName: trailBucket.bucket.bucket,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        enableLogging: true,
        kmsKeyId: a.kmsKeyArn,
        cloudWatchLogsGroupArn: pulumi.interpolate`${this.trailLogGroup.arn}:*`,
        cloudWatchLogsRoleArn: trailRole.arn,
        tags: tags(name),
      },
      { parent: this, dependsOn: [trailBucket.policy, trailRolePolicy] },
    );

    // CIS metric filters and alarms on the trail's log group.
    for (const f of CIS_METRIC_FILTERS) {
      new aws.cloudwatch.LogMetricFilter(
        `${name}-${f.id}`,
        {
          name: f.name,
          logGroupName: this.trailLogGroup.name,
          pattern: f.pattern,
          metricTransformation: { name: f.name, namespace: "Bulwark/CIS", value: "1" },
        },
        { parent: this },
      );
      new aws.cloudwatch.MetricAlarm(
        `${name}-${f.id}`,
        {
          name: `bulwark-${f.id}`,
          alarmDescription: `${f.control}: ${f.name}`,
          namespace: "Bulwark/CIS",
          metricName: f.name,
          statistic: "Sum",
          period: 300,
          evaluationPeriods: 1,
          threshold: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          alarmActions: [this.topic.arn],
          tags: tags(`${name}-${f.id}`),
        },
        { parent: this },
      );
    }

    // High GuardDuty and Inspector findings to the topic.
    for (const [key, pattern] of Object.entries(HIGH_FINDING_EVENT_PATTERNS)) {
      const rule = new aws.cloudwatch.EventRule(
        `${name}-${key}-high`,
        {
          description: `High ${key} findings to the security topic`,
          eventPattern: JSON.stringify(pattern),
          tags: tags(`${name}-${key}-high`),
        },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(`${name}-${key}-high`, { rule: rule.name, arn: this.topic.arn }, { parent: this });
    }

    this.registerOutputs({ topicArn: this.topicArn, trailArn: this.trail.arn });
  }
}
