/** MySQL/RDS, Secrets Manager, detection (GuardDuty, CloudTrail), KMS and stack-level governance controls. */
import type { Ctx, PolicyDef, Res } from "../framework";
import { PolicyNames } from "../names";
import { arr, bool, get, isSet, num, str, strs } from "../values";

const R = {
  instance: "aws:rds/instance:Instance",
  cluster: "aws:rds/cluster:Cluster",
  clusterInstance: "aws:rds/clusterInstance:ClusterInstance",
  pg: "aws:rds/parameterGroup:ParameterGroup",
  cpg: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
  secret: "aws:secretsmanager/secret:Secret",
  rotation: "aws:secretsmanager/secretRotation:SecretRotation",
} as const;
const DB = [R.instance, R.cluster];

type EngineFamily = "mysql" | "postgres" | "sqlserver" | "other" | "unknown";

function engineFamily(r: Res): EngineFamily {
  const e = str(r.props.engine);
  if (e === "unknown") return "unknown";
  const s = (e ?? (r.type === R.cluster ? "aurora" : "")).toLowerCase();
  if (s === "") return "unknown";
  if (s === "mysql" || s === "mariadb" || s === "aurora" || s === "aurora-mysql") return "mysql";
  if (s === "postgres" || s === "aurora-postgresql") return "postgres";
  if (s.startsWith("sqlserver")) return "sqlserver";
  return "other";
}

const isReplica = (r: Res) => isSet(r.props.replicateSourceDb) && r.props.replicateSourceDb !== "";

/** TLS parameters by engine family (values that enforce). */
const TLS_PARAM: Record<string, { name: string; on: RegExp }> = {
  mysql: { name: "require_secure_transport", on: /^(1|on|true)$/i },
  postgres: { name: "rds.force_ssl", on: /^1$/ },
  sqlserver: { name: "rds.force_ssl", on: /^1$/ },
};

function boolPolicy(
  meta: Omit<PolicyDef, "check" | "types"> & { types: readonly string[] },
  prop: string,
  want: boolean,
  label: string,
  skip?: (r: Res) => boolean,
): PolicyDef {
  return {
    ...meta,
    check(r, _ctx, emit) {
      if (skip?.(r)) return;
      const v = bool(r.props[prop]);
      if (v === "unknown") emit.unknown(`${prop} is unknown during preview`);
      else if (v !== want) emit.fail(`${prop} is ${v === undefined ? "not set" : String(v)}: ${label}`);
    },
  };
}

function rotationDays(ctx: Ctx): Map<string, number> {
  return ctx.idx.memo("secretRotation", () => {
    const m = new Map<string, number>();
    for (const rot of ctx.idx.ofType(R.rotation)) {
      const days = rotationInterval(get(rot.props, "rotationRules"));
      const l = ctx.idx.resolve(rot, "secretId", rot.props.secretId, [R.secret]);
      if (l.status === "found") for (const s of l.res) m.set(s.urn, Math.min(m.get(s.urn) ?? Infinity, days));
    }
    return m;
  });
}

/** Days between rotations from rotationRules (automaticallyAfterDays or a rate()/cron() schedule). */
export function rotationInterval(rules: unknown): number {
  const d = num(get(rules, "automaticallyAfterDays"));
  if (typeof d === "number") return d;
  const sched = str(get(rules, "scheduleExpression")) ?? "";
  const rate = sched.match(/^rate\(\s*(\d+)\s+(hour|hours|day|days)\s*\)$/i);
  if (rate) return /hour/i.test(rate[2]) ? Number(rate[1]) / 24 : Number(rate[1]);
  if (/^cron\(/i.test(sched)) return 31; // cron schedules rotate at least monthly in practice; AWS caps at 1000 days
  return d === "unknown" || sched ? 0 : Infinity;
}

const SERVER_TYPES = ["aws:ec2/instance:Instance", "aws:ec2/spotInstanceRequest:SpotInstanceRequest", "aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/launchConfiguration:LaunchConfiguration", "aws:autoscaling/group:Group"];
export const SECURITY_BASELINE_TYPE = "bulwark:security:SecurityBaseline";

export const dataPolicies: PolicyDef[] = [
  {
    name: PolicyNames.rdsPublic,
    description: "RDS instances (and cluster members) must not be publicly accessible.",
    severity: "critical",
    enforcement: "mandatory",
    family: "database",
    securityHub: ["RDS.2"],
    cis: ["2.3.3"],
    remediation: "Set publiclyAccessible: false and place the database in private subnets.",
    unknowns: "An unknown flag is advisory in preview.",
    types: [R.instance, R.clusterInstance],
    check(r, _ctx, emit) {
      const v = bool(r.props.publiclyAccessible);
      if (v === true) emit.fail("publiclyAccessible is true");
      else if (v === "unknown") emit.unknown("publiclyAccessible is unknown during preview");
    },
  },
  boolPolicy(
    {
      name: "rds-database-require-storage-encryption",
      description: "RDS instances and clusters must encrypt storage.",
      severity: "high",
      enforcement: "mandatory",
      family: "database",
      securityHub: ["RDS.3", "RDS.27"],
      cis: ["2.3.1"],
      remediation: "Set storageEncrypted: true (with a customer-managed kmsKeyId).",
      unknowns: "An unknown flag is advisory in preview.",
      types: DB,
    },
    "storageEncrypted",
    true,
    "storage is not encrypted",
    (r) => isReplica(r),
  ),
  {
    name: PolicyNames.rdsIamAuth,
    description: "MySQL, MariaDB and PostgreSQL databases (RDS and Aurora) must enable IAM database authentication.",
    severity: "medium",
    enforcement: "mandatory",
    family: "database",
    securityHub: ["RDS.10", "RDS.12"],
    cis: [],
    remediation: "Set iamDatabaseAuthenticationEnabled: true and connect with IAM tokens.",
    unknowns: "An unknown flag or engine is advisory in preview.",
    types: DB,
    check(r, _ctx, emit) {
      const fam = engineFamily(r);
      if (fam !== "mysql" && fam !== "postgres") return;
      const v = bool(r.props.iamDatabaseAuthenticationEnabled);
      if (v === "unknown") emit.unknown("iamDatabaseAuthenticationEnabled is unknown during preview");
      else if (v !== true) emit.fail("IAM database authentication is off");
    },
  },
  {
    name: PolicyNames.rdsManagedPassword,
    description: "The master password must be managed by Secrets Manager (manageMasterUserPassword), never given as a plain password.",
    severity: "critical",
    enforcement: "mandatory",
    family: "database",
    securityHub: [],
    cis: [],
    remediation: "Remove password/masterPassword and set manageMasterUserPassword: true (RDS creates and rotates the secret).",
    unknowns: "A password that is unknown in preview is still a password: it fails.",
    types: DB,
    check(r, _ctx, emit) {
      if (isReplica(r)) return;
      for (const k of ["password", "passwordWo", "masterPassword", "masterPasswordWo"]) {
        if (isSet(r.props[k]) && r.props[k] !== "") emit.fail(`${k} is given in the program: the master password is plaintext in state`);
      }
      const m = bool(r.props.manageMasterUserPassword);
      if (m === "unknown") emit.unknown("manageMasterUserPassword is unknown during preview");
      else if (m !== true) emit.fail("manageMasterUserPassword is not true");
    },
  },
  {
    name: "rds-database-require-tls",
    description: "Databases must enforce TLS through their parameter group (require_secure_transport / rds.force_ssl); no parameter group counts as not enforced.",
    severity: "high",
    enforcement: "mandatory",
    family: "database",
    securityHub: [],
    cis: [],
    remediation: "Attach a parameter group (cluster parameter group for Aurora) that sets require_secure_transport=1 (MySQL/MariaDB) or rds.force_ssl=1 (PostgreSQL/SQL Server).",
    unknowns: "In preview the group is followed through propertyDependencies; a group outside the stack (not default.*) is advisory.",
    types: DB,
    check(r, ctx, emit) {
      const fam = engineFamily(r);
      const want = TLS_PARAM[fam];
      if (!want) return;
      // Aurora members take TLS from the cluster parameter group.
      if (r.type === R.instance && isSet(r.props.dbClusterIdentifier)) return;
      const prop = r.type === R.cluster ? "dbClusterParameterGroupName" : "parameterGroupName";
      const types = r.type === R.cluster ? [R.cpg] : [R.pg];
      const ref = r.props[prop];
      const name = str(ref);
      if ((!isSet(ref) || ref === "") && !(r.propertyDependencies[prop] ?? []).length) return emit.fail(`no ${prop}: the default parameter group does not enforce TLS`);
      if (name && name !== "unknown" && /^default\./.test(name)) return emit.fail(`${prop} is ${name}, which does not enforce TLS`);
      const l = ctx.idx.resolve(r, prop, ref, types);
      if (l.status !== "found") return emit.unknown(`parameter group ${name && name !== "unknown" ? name + " " : ""}is not in this stack; TLS enforcement not verified`);
      const params = arr(l.res[0].props.parameters);
      if (params === "unknown") return emit.unknown("parameter group parameters are unknown during preview");
      const p = (params ?? []).find((x) => str(get(x, "name"))?.toLowerCase() === want.name);
      const v = str(get(p, "value"));
      if (v === "unknown") emit.unknown(`${want.name} is unknown during preview`);
      else if (!v || !want.on.test(v.trim())) emit.fail(`parameter group ${l.res[0].name} does not set ${want.name}=1${v ? ` (it is ${v})` : ""}`);
    },
  },
  boolPolicy(
    {
      name: "rds-database-require-deletion-protection",
      description: "Databases must have deletion protection.",
      severity: "medium",
      enforcement: "mandatory",
      family: "database",
      securityHub: ["RDS.7", "RDS.8"],
      cis: [],
      remediation: "Set deletionProtection: true.",
      unknowns: "An unknown flag is advisory in preview.",
      types: DB,
    },
    "deletionProtection",
    true,
    "the database can be deleted by one call",
  ),
  {
    name: "rds-database-require-backup-retention",
    description: "Databases must keep automated backups for at least the configured days (default 7).",
    severity: "medium",
    enforcement: "mandatory",
    family: "database",
    securityHub: ["RDS.11", "RDS.26"],
    cis: [],
    remediation: "Set backupRetentionPeriod to 7 days or more.",
    unknowns: "An unknown value is advisory in preview.",
    types: DB,
    check(r, ctx, emit) {
      if (isReplica(r)) return;
      const v = num(r.props.backupRetentionPeriod);
      if (v === "unknown") emit.unknown("backupRetentionPeriod is unknown during preview");
      else if (v === undefined || v < ctx.cfg.backupDays) emit.fail(`backupRetentionPeriod is ${v ?? "not set"} (minimum ${ctx.cfg.backupDays} days)`);
    },
  },
  {
    name: "rds-database-require-log-exports",
    description: "Databases must export their logs to CloudWatch.",
    severity: "medium",
    enforcement: "mandatory",
    family: "database",
    securityHub: ["RDS.9", "RDS.34"],
    cis: [],
    remediation: "Set enabledCloudwatchLogsExports (MySQL/MariaDB: error, general/audit, slowquery; PostgreSQL: postgresql).",
    unknowns: "An unknown list is advisory in preview.",
    types: DB,
    check(r, _ctx, emit) {
      const l = strs(r.props.enabledCloudwatchLogsExports);
      if (l === "unknown") emit.unknown("enabledCloudwatchLogsExports is unknown during preview");
      else if (!l.length) emit.fail("no log exports (enabledCloudwatchLogsExports is empty)");
    },
  },
  {
    name: "rds-database-disallow-disabled-minor-upgrades",
    description: "Automatic minor version upgrades must not be turned off.",
    severity: "medium",
    enforcement: "mandatory",
    family: "database",
    securityHub: ["RDS.13", "RDS.35"],
    cis: ["2.3.2"],
    remediation: "Remove autoMinorVersionUpgrade: false.",
    unknowns: "An unknown flag is not reported.",
    types: [R.instance, R.cluster, R.clusterInstance],
    check(r, _ctx, emit) {
      if (bool(r.props.autoMinorVersionUpgrade) === false) emit.fail("autoMinorVersionUpgrade is false");
    },
    // Safe: minor versions are compatible and apply in the maintenance window.
    remediate: (_type, props) => (bool(props.autoMinorVersionUpgrade) === false ? { ...props, autoMinorVersionUpgrade: true } : undefined),
  },
  boolPolicy(
    {
      name: "rds-instance-require-multi-az",
      description: "RDS instances should run Multi-AZ.",
      severity: "low",
      enforcement: "advisory",
      family: "database",
      securityHub: ["RDS.5"],
      cis: [],
      remediation: "Set multiAz: true (a synchronous standby in a second zone).",
      unknowns: "An unknown flag is advisory.",
      types: [R.instance],
    },
    "multiAz",
    true,
    "a zone outage stops the database",
    (r) => isReplica(r),
  ),
  boolPolicy(
    {
      name: "rds-database-require-performance-insights",
      description: "Databases should have Performance Insights.",
      severity: "low",
      enforcement: "advisory",
      family: "database",
      securityHub: [],
      cis: [],
      remediation: "Set performanceInsightsEnabled: true with a customer-managed performanceInsightsKmsKeyId.",
      unknowns: "An unknown flag is advisory.",
      types: [R.instance, R.clusterInstance],
    },
    "performanceInsightsEnabled",
    true,
    "no query-level performance data",
  ),
  {
    name: "rds-database-require-enhanced-monitoring",
    description: "Databases should have enhanced monitoring.",
    severity: "low",
    enforcement: "advisory",
    family: "database",
    securityHub: ["RDS.6"],
    cis: [],
    remediation: "Set monitoringInterval (e.g. 60) and monitoringRoleArn.",
    unknowns: "An unknown interval is not reported.",
    types: [R.instance, R.clusterInstance],
    check(r, _ctx, emit) {
      const v = num(r.props.monitoringInterval);
      if (v !== "unknown" && !(typeof v === "number" && v > 0)) emit.fail("monitoringInterval is not set");
    },
  },
  {
    name: "kms-encryption-require-customer-managed-key",
    description: "Databases, volumes and secrets should use customer-managed KMS keys.",
    severity: "low",
    enforcement: "advisory",
    family: "secrets",
    securityHub: [],
    cis: [],
    remediation: "Pass kmsKeyId of a customer-managed key with rotation on (Bulwark's EncryptionKey).",
    unknowns: "An unknown key id counts as customer-managed.",
    types: [R.instance, R.cluster, "aws:ebs/volume:Volume", R.secret],
    check(r, _ctx, emit) {
      const k = str(r.props.kmsKeyId);
      if (k === "unknown") return;
      if (!k) emit.fail("no kmsKeyId: the AWS-managed key is used");
      else if (/alias\/aws\//.test(k)) emit.fail(`kmsKeyId ${k} is AWS-managed`);
    },
  },
  {
    name: PolicyNames.secretRotation,
    description: "Every Secrets Manager secret must rotate within the configured days (default 90), unless RDS manages it.",
    severity: "medium",
    enforcement: "mandatory",
    family: "secrets",
    securityHub: ["SecretsManager.1", "SecretsManager.4"],
    cis: [],
    remediation: "Add an aws.secretsmanager.SecretRotation for the secret with rotationRules.automaticallyAfterDays ≤ 90 (or let RDS manage the master password).",
    unknowns: "In preview the rotation is linked through propertyDependencies; an unknown schedule counts as rotating.",
    types: [R.secret],
    check(r, ctx, emit) {
      const name = str(r.props.name) ?? "";
      const tags = get(r.props, "tags");
      if (name.startsWith("rds!") || str(get(tags, "aws:secretsmanager:owningService")) === "rds") return;
      let days = rotationDays(ctx).get(r.urn);
      if (days === undefined && isSet(r.props.rotationRules)) days = rotationInterval(r.props.rotationRules);
      if (days === undefined) emit.fail("no rotation: no SecretRotation in this stack targets this secret");
      else if (days > ctx.cfg.rotationDays) emit.fail(`rotates every ${days} days (maximum ${ctx.cfg.rotationDays})`);
    },
  },
  {
    name: "guardduty-detector-require-enabled",
    description: "A declared GuardDuty detector must be enabled.",
    severity: "high",
    enforcement: "mandatory",
    family: "detection",
    securityHub: ["GuardDuty.1"],
    cis: [],
    remediation: "Set enable: true (Bulwark's SecurityBaseline does).",
    unknowns: "An unknown flag is advisory in preview.",
    types: ["aws:guardduty/detector:Detector"],
    check(r, _ctx, emit) {
      const v = bool(r.props.enable);
      if (v === false) emit.fail("the detector is disabled (enable: false)");
      else if (v === "unknown") emit.unknown("enable is unknown during preview");
    },
    // Safe: turning detection on changes no workload.
    remediate: (_type, props) => (bool(props.enable) === false ? { ...props, enable: true } : undefined),
  },
  {
    name: "cloudtrail-trail-require-secure-configuration",
    description: "CloudTrail trails must be multi-region, validated, KMS-encrypted, sent to CloudWatch Logs and logging.",
    severity: "high",
    enforcement: "mandatory",
    family: "detection",
    securityHub: ["CloudTrail.1", "CloudTrail.2", "CloudTrail.4", "CloudTrail.5"],
    cis: ["3.1", "3.2", "3.5"],
    remediation: "Set isMultiRegionTrail, enableLogFileValidation, kmsKeyId, cloudWatchLogsGroupArn (+ role) and keep enableLogging on.",
    unknowns: "Unknown values are advisory in preview (an unknown key or log group ARN counts as set).",
    types: ["aws:cloudtrail/trail:Trail"],
    check(r, _ctx, emit) {
      const need = (prop: string, label: string, dflt: boolean) => {
        const v = bool(r.props[prop]);
        if (v === "unknown") emit.unknown(`${prop} is unknown during preview`);
        else if ((v ?? dflt) !== true) emit.fail(`${label} (${prop})`);
      };
      need("isMultiRegionTrail", "the trail is not multi-region", false);
      need("enableLogFileValidation", "log file validation is off", false);
      need("enableLogging", "the trail is not logging", true);
      for (const [prop, label] of [["kmsKeyId", "logs are not KMS-encrypted"], ["cloudWatchLogsGroupArn", "events are not sent to CloudWatch Logs"]]) {
        const v = r.props[prop];
        if (!isSet(v) || v === "") emit.fail(`${label} (${prop})`);
      }
    },
  },
  {
    name: "bulwark-stack-require-security-baseline",
    description: "A stack with servers should deploy Bulwark's SecurityBaseline (GuardDuty intrusion detection, Inspector, CloudTrail, Security Hub).",
    severity: "high",
    enforcement: "advisory",
    family: "governance",
    securityHub: ["GuardDuty.1", "Inspector.1", "CloudTrail.1"],
    cis: ["3.1", "4.16"],
    remediation: "Add `new SecurityBaseline(...)` once per account and region (or set this policy to mandatory to require it).",
    unknowns: "Decided on resource types only; never unknown.",
    types: [],
    stack(ctx, emit) {
      const servers = ctx.idx.ofType(...SERVER_TYPES);
      if (!servers.length || ctx.idx.ofType(SECURITY_BASELINE_TYPE).length) return;
      const hasDetector = ctx.idx.ofType("aws:guardduty/detector:Detector").length > 0;
      emit(
        undefined,
        `${servers.length} server resource(s) but no SecurityBaseline: no intrusion detection${hasDetector ? "" : " (no GuardDuty detector)"}, no vulnerability scanning, no CIS alarms`,
      );
    },
  },
];

