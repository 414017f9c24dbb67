import { SecurityBaseline } from "../../components/security/security-baseline";
import { CIS_METRIC_FILTERS, FSBP_STANDARD } from "../../components/controls";
import { PatchManagement } from "../../components/patching/patch-management";
import { T, record } from "./harness";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/k";

describe("SecurityBaseline", () => {
  test(
    "GuardDuty with runtime monitoring and malware protection; Inspector EC2; Security Hub FSBP; EBS default " +
      "encryption",
    async () => {
      const r = await record(() => new SecurityBaseline("account", { kmsKeyArn: KEY, ebsKmsKeyArn: KEY }));
      const detector = r.one("aws:guardduty/detector:Detector");
      expect(detector.inputs.enable).toBe(true);
      const features = r.ofType("aws:guardduty/detectorFeature:DetectorFeature");
      expect(features.map((f) => [f.inputs.name, f.inputs.status]).sort()).toEqual([
        ["EBS_MALWARE_PROTECTION", "ENABLED"],
        ["RUNTIME_MONITORING", "ENABLED"],
      ]);
      expect(features.find((f) => f.inputs.name === "RUNTIME_MONITORING")?.inputs.additionalConfigurations).toEqual([
        { name: "EC2_AGENT_MANAGEMENT", status: "ENABLED" },
      ]);
      for (const f of features) expect(f.propertyDependencies.detectorId).toEqual([detector.urn]);
      expect(r.one("aws:inspector2/enabler:Enabler").inputs).toEqual({
        accountIds: ["123456789012"],
        resourceTypes: ["EC2"],
      });
      const std = r.one("aws:securityhub/standardsSubscription:StandardsSubscription");
      expect(std.inputs.standardsArn).toBe(`arn:aws:securityhub:eu-west-1::standards/${FSBP_STANDARD}`);
      expect(std.dependencies).toContain(r.one("aws:securityhub/account:Account").urn);
      expect(r.one("aws:ebs/encryptionByDefault:EncryptionByDefault").inputs.enabled).toBe(true);
      expect(r.one("aws:ebs/defaultKmsKey:DefaultKmsKey").inputs.keyArn).toBe(KEY);
    },
  );

  test("CloudTrail is multi-region, validated, KMS-encrypted and sends to CloudWatch", async () => {
    const r = await record(() => new SecurityBaseline("account", { kmsKeyArn: KEY }));
    const trail = r.one("aws:cloudtrail/trail:Trail");
    expect(trail.inputs).toMatchObject({
      isMultiRegionTrail: true,
      enableLogFileValidation: true,
      includeGlobalServiceEvents: true,
      kmsKeyId: KEY,
    });
    const lg = r.one(T.logGroup);
    expect(lg.inputs).toMatchObject({ name: "/bulwark/cloudtrail/account", kmsKeyId: KEY });
    expect(trail.inputs.cloudWatchLogsGroupArn).toBe(
      "arn:aws:logs:eu-west-1:123456789012:log-group:/bulwark/cloudtrail/account:*",
    );
    expect(trail.propertyDependencies.cloudWatchLogsRoleArn).toHaveLength(1);
    expect(trail.dependencies).toContain(r.one(T.bucketPolicy).urn);
    const policy = JSON.parse(String(r.one(T.bucketPolicy).inputs.policy));
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      "DenyInsecureTransport",
      "CloudTrailAclCheck",
      "CloudTrailWrite",
    ]);
    // Only this account's trail may write: another account's CloudTrail is the same service principal.
    for (const st of policy.Statement.slice(1)) {
      expect(st.Condition.StringEquals["aws:SourceArn"]).toBe(
        "arn:aws:cloudtrail:eu-west-1:123456789012:trail/account-trail",
      );
    }
    expect(trail.inputs.name).toBe("account-trail");
    expect(r.ofType(T.ingress)).toHaveLength(0);
  });

  test("CIS metric filters each alarm to the KMS-encrypted topic; high findings are routed there too", async () => {
    const r = await record(() => new SecurityBaseline("account", { kmsKeyArn: KEY, alertEmails: ["sec@example.com"] }));
    const topic = r.one("aws:sns/topic:Topic");
    expect(topic.inputs.kmsMasterKeyId).toBe(KEY);
    const filters = r.ofType("aws:cloudwatch/logMetricFilter:LogMetricFilter");
    const alarms = r.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(filters.map((f) => f.inputs.pattern)).toEqual(CIS_METRIC_FILTERS.map((f) => f.pattern));
    expect(alarms).toHaveLength(CIS_METRIC_FILTERS.length);
    for (const a of alarms) {
      expect(a.propertyDependencies.alarmActions).toEqual([topic.urn]);
      expect(a.inputs).toMatchObject({ threshold: 1, comparisonOperator: "GreaterThanOrEqualToThreshold" });
    }
    expect(filters.map((f) => f.inputs.name)).toEqual(
      expect.arrayContaining([
        "RootAccountUsage",
        "ConsoleSigninWithoutMfa",
        "SecurityGroupChanges",
        "NetworkAclChanges",
        "IamPolicyChanges",
        "UnauthorizedApiCalls",
      ]),
    );
    const rules = r.ofType("aws:cloudwatch/eventRule:EventRule").map((x) => JSON.parse(String(x.inputs.eventPattern)));
    expect(rules).toEqual([
      expect.objectContaining({ source: ["aws.guardduty"], detail: { severity: [{ numeric: [">=", 7] }] } }),
      expect.objectContaining({ source: ["aws.inspector2"], detail: { severity: ["HIGH", "CRITICAL"] } }),
    ]);
    for (const t of r.ofType("aws:cloudwatch/eventTarget:EventTarget"))
      expect(t.propertyDependencies.arn).toEqual([topic.urn]);
    expect(r.one("aws:sns/topicSubscription:TopicSubscription").inputs).toMatchObject({
      protocol: "email",
      endpoint: "sec@example.com",
    });
    const tp = JSON.parse(String(r.one("aws:sns/topicPolicy:TopicPolicy").inputs.policy));
    expect(tp.Statement[0].Principal.Service).toEqual(["events.amazonaws.com", "cloudwatch.amazonaws.com"]);
  });

  test(
    "options: runtime monitoring and malware protection can be left to another stack; no EBS CMK means the AWS " +
      "key",
    async () => {
      const r = await record(
        () => new SecurityBaseline("account", { kmsKeyArn: KEY, runtimeMonitoring: false, malwareProtection: false }),
      );
      expect(r.ofType("aws:guardduty/detectorFeature:DetectorFeature")).toHaveLength(0);
      expect(r.one("aws:guardduty/detector:Detector").inputs.enable).toBe(true);
      expect(r.ofType("aws:ebs/defaultKmsKey:DefaultKmsKey")).toHaveLength(0);
      expect(r.one("aws:ebs/encryptionByDefault:EncryptionByDefault").inputs.enabled).toBe(true);
      expect(r.ofType("aws:sns/topicSubscription:TopicSubscription")).toHaveLength(0);
    },
  );

  test("bad args name the field and create nothing", async () => {
    const r = await record(() => {
      expect(() => new SecurityBaseline("a", { kmsKeyArn: KEY, alertEmails: ["not-an-email"] })).toThrow(
        /args\.alertEmails\[0\]: got "not-an-email"/,
      );
      expect(() => new SecurityBaseline("b", { kmsKeyArn: KEY, logRetentionDays: 42 })).toThrow(
        /args\.logRetentionDays/,
      );
    });
    expect(r.resources).toHaveLength(0);
  });
});

describe("PatchManagement", () => {
  test(
    "security baselines per OS, a window that installs, " + "a daily scan association targeting the patch-group tag",
    async () => {
      const r = await record(
        () =>
          new PatchManagement("patching", {
            patchGroup: "bulwark-prod",
            operatingSystems: ["UBUNTU", "AMAZON_LINUX_2023"],
            approveAfterDays: 5,
          }),
      );
      const baselines = r.ofType("aws:ssm/patchBaseline:PatchBaseline");
      expect(baselines.map((b) => b.inputs.operatingSystem).sort()).toEqual(["AMAZON_LINUX_2023", "UBUNTU"]);
      const al = baselines.find((b) => b.inputs.operatingSystem === "AMAZON_LINUX_2023")!;
      expect(al.inputs.approvalRules).toEqual([
        expect.objectContaining({
          approveAfterDays: 5,
          patchFilters: expect.arrayContaining([{ key: "CLASSIFICATION", values: ["Security"] }]),
        }),
      ]);
      expect(r.ofType("aws:ssm/patchGroup:PatchGroup").map((g) => g.inputs.patchGroup)).toEqual([
        "bulwark-prod",
        "bulwark-prod",
      ]);
      const target = [{ key: "tag:Patch Group", values: ["bulwark-prod"] }];
      expect(r.one("aws:ssm/maintenanceWindowTarget:MaintenanceWindowTarget").inputs.targets).toEqual(target);
      const task = r.one("aws:ssm/maintenanceWindowTask:MaintenanceWindowTask");
      expect(task.inputs).toMatchObject({ taskArn: "AWS-RunPatchBaseline", taskType: "RUN_COMMAND" });
      expect(JSON.stringify(task.inputs.taskInvocationParameters)).toContain("Install");
      const assoc = r.one("aws:ssm/association:Association");
      expect(assoc.inputs).toMatchObject({
        name: "AWS-RunPatchBaseline",
        parameters: { Operation: "Scan" },
        targets: target,
        scheduleExpression: "rate(1 day)",
      });
      expect(r.one("aws:ssm/maintenanceWindow:MaintenanceWindow").inputs).toMatchObject({
        schedule: "cron(0 3 ? * SUN *)",
        duration: 3,
        cutoff: 1,
        allowUnassociatedTargets: false,
      });
    },
  );

  test("options: Debian, time zone, schedules", async () => {
    const r = await record(
      () =>
        new PatchManagement("p", {
          patchGroup: "g",
          operatingSystems: ["DEBIAN", "DEBIAN"],
          schedule: "cron(0 1 ? * SAT *)",
          scheduleTimezone: "Europe/London",
          durationHours: 5,
          cutoffHours: 2,
          scanSchedule: "rate(12 hours)",
        }),
    );
    const b = r.one("aws:ssm/patchBaseline:PatchBaseline");
    expect(b.inputs.operatingSystem).toBe("DEBIAN");
    expect((b.inputs.approvalRules as Record<string, unknown>[])[0].approveAfterDays).toBeUndefined();
    expect(r.one("aws:ssm/maintenanceWindow:MaintenanceWindow").inputs).toMatchObject({
      schedule: "cron(0 1 ? * SAT *)",
      scheduleTimezone: "Europe/London",
      duration: 5,
      cutoff: 2,
    });
    expect(r.one("aws:ssm/association:Association").inputs.scheduleExpression).toBe("rate(12 hours)");
  });

  test("bad args name the field and create nothing", async () => {
    const r = await record(() => {
      expect(() => new PatchManagement("a", { patchGroup: "g", operatingSystems: [] })).toThrow(
        /args\.operatingSystems/,
      );
      expect(
        () =>
          new PatchManagement("b", { patchGroup: "g", operatingSystems: ["UBUNTU"], durationHours: 2, cutoffHours: 2 }),
      ).toThrow(/args\.cutoffHours.*shorter/);
      expect(
        () => new PatchManagement("c", { patchGroup: "g", operatingSystems: ["UBUNTU"], schedule: "every sunday" }),
      ).toThrow(/args\.schedule: got "every sunday"/);
      expect(() => new PatchManagement("d", { patchGroup: "g", operatingSystems: ["WINDOWS" as "UBUNTU"] })).toThrow(
        /args\.operatingSystems\[0\]/,
      );
    });
    expect(r.resources).toHaveLength(0);
  });
});
