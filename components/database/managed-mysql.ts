/**
 * ManagedMySql: RDS MySQL (or Aurora MySQL) where no human holds a password.
 *  - master password generated, stored and rotated by RDS in Secrets Manager under a customer-managed key;
 *  - IAM database authentication on; application users default to it (no stored password);
 *  - TLS forced by the parameter group, audit plugin in the option group (Aurora: advanced auditing in the cluster
 *    parameter group), logs exported to CloudWatch;
 *  - private subnets only, one security group admitting the DB port from named client groups only.
 * Application users are applied over an SSM port-forward by components/database/mysql-apply.ts (see README "mysql").
 */
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "node:crypto";
import { z } from "zod";
import { PolicyNames } from "../../policies/src/names";
import type { Waiver } from "../../policies/src/waiver";
import { input, mergeTags, tagsField } from "../common";
import { parseArgs } from "../config";
import {
  checkSettings,
  effectiveDefaults,
  managedMysqlSettingsShape,
  type DatabaseConfig,
  type ManagedApp,
} from "./managed-mysql-args";
import type { Estate } from "../estate";
import { Firewall, Peer, Port } from "../network/firewall";
import { passwordEnvVar, renderApplyScript } from "./mysql-apply";
import { MYSQL_PRIVILEGE_WAIVER_POLICY } from "./mysql-sql";

/** A client allowed to reach the database port: a Bulwark Firewall (ingress + its egress) or a named group id. */
export type MysqlClient =
  { label: string; firewall: Firewall } | { label: string; securityGroupId: pulumi.Input<string> };

const rdsIdentifier = z
  .string()
  .regex(
    /^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$/,
    "use 2-63 characters: lowercase letters, digits and single hyphens, starting with a letter",
  );

const managedMysqlArgsSchema = z
  .object({
    ...managedMysqlSettingsShape,
    vpcId: input<string>("the VPC id"),
    /** Private subnets (at least two AZs, as RDS requires). */
    privateSubnetIds: z
      .array(input<string>("a private subnet id"))
      .min(2, "give at least two private subnets in different AZs"),
    clients: z
      .array(
        z.custom<MysqlClient>(
          (v) =>
            typeof v === "object" &&
            v !== null &&
            typeof (v as { label?: unknown }).label === "string" &&
            ((v as { firewall?: unknown }).firewall instanceof Firewall || "securityGroupId" in v),
          "give {label, firewall} or {label, securityGroupId}",
        ),
      )
      .min(1, "name at least one client security group (the app tier); nothing else can reach the database"),
    /** Key for the CloudWatch log groups (its policy must admit CloudWatch Logs); the DB's own key is not. */
    logKmsKeyArn: input<string>("a KMS key ARN").optional(),
    /** How application users are applied: port-forward through this SSM-managed instance (a client of the DB). */
    apply: z
      .object({
        ssmTargetInstanceId: input<string>("an SSM-managed instance id"),
        caBundlePath: z
          .string()
          .regex(/^\/[A-Za-z0-9._/-]+$/, "use an absolute path to the RDS CA bundle")
          .optional(),
      })
      .strict()
      .optional(),
    tags: tagsField,
  })
  .strict()
  .superRefine((v, ctx) => {
    checkSettings(v, ctx);
    if (v.apps.length > 0 && !v.apply) {
      ctx.addIssue({
        code: "custom",
        path: ["apply"],
        message: "application users need an apply path: set apply.ssmTargetInstanceId (an SSM-managed client instance)",
        input: undefined,
      });
    }
  });

export type ManagedMysqlArgs = z.input<typeof managedMysqlArgsSchema>;

export class ManagedMySql extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  /** RDS MySQL (engine mysql). */
  readonly instance?: aws.rds.Instance;
  /** Aurora MySQL (engine aurora-mysql): the cluster and its instances (two, in different AZs, when Multi-AZ). */
  readonly cluster?: aws.rds.Cluster;
  readonly clusterInstances: aws.rds.ClusterInstance[] = [];
  readonly clusterParameterGroup?: aws.rds.ClusterParameterGroup;
  readonly firewall: Firewall;
  readonly parameterGroup: aws.rds.ParameterGroup;
  /** The MariaDB audit plugin (RDS MySQL; Aurora audits through its cluster parameter group). */
  readonly optionGroup?: aws.rds.OptionGroup;
  readonly address: pulumi.Output<string>;
  readonly port: number;
  /** The RDS-managed master secret (readers need secretsmanager:GetSecretValue and kms:Decrypt on `key`). */
  readonly masterUserSecretArn: pulumi.Output<string>;
  /** Password-auth apps: their Secrets Manager secret. */
  readonly appSecretArns: Record<string, pulumi.Output<string>> = {};
  /** Password-auth apps: the generated initial password (a Pulumi secret; rotation takes over after the first run). */
  readonly appPasswords: Record<string, pulumi.Output<string>> = {};
  /** IAM-auth apps: the `rds-db:connect` resource to grant the app's role. */
  readonly iamConnectArns: Record<string, pulumi.Output<string>> = {};
  readonly apply?: command.local.Command;
  /** The SQL the apply path runs (no secrets in it). */
  readonly sql: string;

  constructor(name: string, args: ManagedMysqlArgs, opts?: pulumi.ComponentResourceOptions) {
    parseArgs(z.object({ name: rdsIdentifier }), { name }, "ManagedMySql", name);
    const a = parseArgs(managedMysqlArgsSchema, args, "ManagedMySql", name);
    super("bulwark:database:ManagedMySql", name, {}, opts);
    const parent = { parent: this };
    const { backupRetentionDays, multiAz } = effectiveDefaults(a);
    const family = `mysql${a.engineVersion}`;
    const waivers = privilegeWaivers(a.apps);
    const tags = mergeTags("ManagedMySql", { Name: name, "bulwark:environment": a.environment, ...a.tags }, waivers);

    this.key = new aws.kms.Key(
      `${name}-db`,
      {
        description: `Bulwark ${name}: RDS storage, master secret, application secrets`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags,
      },
      parent,
    );
    new aws.kms.Alias(`${name}-db`, { name: `alias/bulwark/${name}-db`, targetKeyId: this.key.keyId }, parent);

    this.firewall = new Firewall(
      `${name}-mysql`,
      { vpcId: a.vpcId, description: `${name} MySQL: clients only`, egress: "none", tags: a.tags },
      parent,
    );
    this.port = a.port;
    for (const c of a.clients) {
      if ("firewall" in c) {
        this.firewall.allowFrom(c.firewall, Port.tcp(a.port), `MySQL from ${c.label}`);
        c.firewall.allowTo(this.firewall, Port.tcp(a.port), `MySQL to ${name}`);
      } else {
        this.firewall.allowFrom(
          Peer.securityGroup(c.securityGroupId, c.label),
          Port.tcp(a.port),
          `MySQL from ${c.label}`,
        );
      }
    }

    const subnets = new aws.rds.SubnetGroup(
      `${name}-db`,
      { subnetIds: a.privateSubnetIds, description: `${name}: private subnets only`, tags },
      parent,
    );

    const monitoringRole = new aws.iam.Role(
      `${name}-db-monitoring`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "monitoring.rds.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
        tags,
      },
      parent,
    );
    const monitoringPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-db-monitoring`,
      {
        role: monitoringRole.name,
        policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
      },
      parent,
    );

    const aurora = a.engine === "aurora-mysql";
    // Created first so RDS never makes them itself (unencrypted, kept forever).
    const logExports = ["audit", "error", "slowquery"];
    const logGroups = logExports.map(
      (log) =>
        new aws.cloudwatch.LogGroup(
          `${name}-db-${log}`,
          {
            name: `/aws/rds/${aurora ? "cluster" : "instance"}/${name}/${log}`,
            retentionInDays: a.logRetentionDays,
            kmsKeyId: a.logKmsKeyArn,
            tags,
          },
          parent,
        ),
    );
    const tlsParams = [
      { name: "require_secure_transport", value: "1" },
      { name: "tls_version", value: a.tlsVersions.join(","), applyMethod: "pending-reboot" },
    ];
    const fileParams = [
      { name: "local_infile", value: "0" },
      { name: "slow_query_log", value: "1" },
      { name: "long_query_time", value: String(a.slowQuerySeconds) },
    ];
    // What every DB instance (RDS, or each Aurora member) carries.
    const instanceBase = {
      instanceClass: a.instanceClass,
      publiclyAccessible: false,
      monitoringInterval: a.monitoringIntervalSeconds,
      monitoringRoleArn: monitoringRole.arn,
      autoMinorVersionUpgrade: true,
      caCertIdentifier: a.caCertIdentifier,
      performanceInsightsEnabled: a.performanceInsights,
      performanceInsightsKmsKeyId: a.performanceInsights ? this.key.arn : undefined,
      performanceInsightsRetentionPeriod: a.performanceInsights ? 7 : undefined,
      copyTagsToSnapshot: true,
      tags,
    };
    let masterSecrets: pulumi.Output<{ secretArn: string }[]>;
    let resourceId: pulumi.Output<string>;

    if (aurora) {
      // Aurora MySQL 3 (8.0): TLS and the built-in advanced auditing in the cluster parameter group.
      this.clusterParameterGroup = new aws.rds.ClusterParameterGroup(
        `${name}-db`,
        {
          family: "aurora-mysql8.0",
          description: `${name}: TLS only, advanced auditing`,
          parameters: [
            ...tlsParams,
            { name: "server_audit_logging", value: "1" },
            { name: "server_audit_events", value: "CONNECT,QUERY_DCL,QUERY_DDL" },
            { name: "server_audit_excl_users", value: "rdsadmin" },
          ],
          tags,
        },
        parent,
      );
      this.parameterGroup = new aws.rds.ParameterGroup(
        `${name}-db`,
        { family: "aurora-mysql8.0", description: `${name}: no LOCAL INFILE, slow log`, parameters: fileParams, tags },
        parent,
      );
      this.cluster = new aws.rds.Cluster(
        `${name}-db`,
        {
          clusterIdentifier: name,
          engine: "aurora-mysql",
          masterUsername: a.adminUsername,
          manageMasterUserPassword: true,
          masterUserSecretKmsKeyId: this.key.arn,
          iamDatabaseAuthenticationEnabled: true,
          storageEncrypted: true,
          kmsKeyId: this.key.arn,
          port: a.port,
          dbSubnetGroupName: subnets.name,
          vpcSecurityGroupIds: [this.firewall.securityGroupId],
          dbClusterParameterGroupName: this.clusterParameterGroup.name,
          enabledCloudwatchLogsExports: logExports,
          backupRetentionPeriod: backupRetentionDays,
          copyTagsToSnapshot: true,
          deletionProtection: true,
          skipFinalSnapshot: false,
          finalSnapshotIdentifier: `${name}-final`,
          tags,
        },
        { parent: this, dependsOn: logGroups },
      );
      const cluster = this.cluster;
      // Multi-AZ for Aurora is a second instance (a reader in another AZ that takes over).
      for (let i = 1; i <= (multiAz ? 2 : 1); i++) {
        this.clusterInstances.push(
          new aws.rds.ClusterInstance(
            `${name}-db-${i}`,
            {
              ...instanceBase,
              identifier: `${name}-${i}`,
              clusterIdentifier: cluster.id,
              engine: "aurora-mysql",
              dbParameterGroupName: this.parameterGroup.name,
            },
            { parent: this, dependsOn: [monitoringPolicy] },
          ),
        );
      }
      this.address = cluster.endpoint;
      masterSecrets = cluster.masterUserSecrets;
      resourceId = cluster.clusterResourceId;
    } else {
      this.parameterGroup = new aws.rds.ParameterGroup(
        `${name}-db`,
        {
          family,
          description: `${name}: TLS only, no LOCAL INFILE`,
          parameters: [...tlsParams, ...fileParams, { name: "log_output", value: "FILE" }],
          tags,
        },
        parent,
      );
      this.optionGroup = new aws.rds.OptionGroup(
        `${name}-db`,
        {
          engineName: "mysql",
          majorEngineVersion: a.engineVersion,
          optionGroupDescription: `${name}: MariaDB audit plugin (connections, DDL, DCL)`,
          options: [
            {
              optionName: "MARIADB_AUDIT_PLUGIN",
              optionSettings: [
                { name: "SERVER_AUDIT_EVENTS", value: "CONNECT,QUERY_DDL,QUERY_DCL" },
                { name: "SERVER_AUDIT_EXCL_USERS", value: "rdsadmin" },
              ],
            },
          ],
          tags,
        },
        parent,
      );
      this.instance = new aws.rds.Instance(
        `${name}-db`,
        {
          ...instanceBase,
          identifier: name,
          engine: "mysql",
          engineVersion: a.engineVersion,
          allocatedStorage: a.allocatedStorageGiB,
          maxAllocatedStorage: a.maxAllocatedStorageGiB,
          storageType: "gp3",
          storageEncrypted: true,
          kmsKeyId: this.key.arn,
          username: a.adminUsername,
          manageMasterUserPassword: true,
          masterUserSecretKmsKeyId: this.key.arn,
          iamDatabaseAuthenticationEnabled: true,
          port: a.port,
          dbSubnetGroupName: subnets.name,
          vpcSecurityGroupIds: [this.firewall.securityGroupId],
          multiAz,
          parameterGroupName: this.parameterGroup.name,
          optionGroupName: this.optionGroup.name,
          enabledCloudwatchLogsExports: logExports,
          backupRetentionPeriod: backupRetentionDays,
          deletionProtection: true,
          skipFinalSnapshot: false,
          finalSnapshotIdentifier: `${name}-final`,
        },
        { parent: this, dependsOn: [...logGroups, monitoringPolicy] },
      );
      this.address = this.instance.address;
      masterSecrets = this.instance.masterUserSecrets;
      resourceId = this.instance.resourceId;
    }
    this.masterUserSecretArn = masterSecrets.apply((s) => s?.[0]?.secretArn ?? "");
    // RDS rotates its managed secret itself; this sets how often.
    new aws.secretsmanager.SecretRotation(
      `${name}-db-master`,
      {
        secretId: this.masterUserSecretArn,
        rotationRules: { automaticallyAfterDays: a.masterRotationDays },
      },
      parent,
    );

    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const region = aws.getRegionOutput({}, parent).region;
    const env: Record<string, pulumi.Input<string>> = {};
    for (const app of a.apps) {
      if (app.auth.type === "iam") {
        this.iamConnectArns[app.name] =
          pulumi.interpolate`arn:aws:rds-db:${region}:${account}:dbuser:${resourceId}/${app.name}`;
        continue;
      }
      const pw = new random.RandomPassword(
        `${name}-${app.name}`,
        {
          length: app.auth.length,
          special: true,
          // Rotation-function safe: no quotes, backslash, slash, @ or space.
          overrideSpecial: "-_.~!#%^*()+=[]{}:,?",
          minUpper: 1,
          minLower: 1,
          minNumeric: 1,
          minSpecial: 1,
        },
        parent,
      );
      const password = pulumi.secret(pw.result);
      this.appPasswords[app.name] = password;
      const secret = new aws.secretsmanager.Secret(
        `${name}-${app.name}`,
        {
          name: `bulwark/${name}/${app.name}`,
          description: `${name}: MySQL user ${app.name} (rotated every ${app.auth.rotationDays} days)`,
          kmsKeyId: this.key.arn,
          tags: mergeTags(
            "ManagedMySql",
            { Name: `${name}-${app.name}`, ...a.tags },
            app.waiver ? [{ policy: MYSQL_PRIVILEGE_WAIVER_POLICY, ...app.waiver }] : [],
          ),
        },
        parent,
      );
      // The rotation function owns the value after the first rotation; Pulumi keeps only the initial version.
      new aws.secretsmanager.SecretVersion(
        `${name}-${app.name}`,
        {
          secretId: secret.id,
          secretString: pulumi.secret(
            pulumi.jsonStringify({
              engine: "mysql",
              host: this.address,
              port: a.port,
              username: app.name,
              password,
              dbname: app.database,
            }),
          ),
        },
        { parent: this, ignoreChanges: ["secretString"] },
      );
      new aws.secretsmanager.SecretRotation(
        `${name}-${app.name}`,
        {
          secretId: secret.id,
          rotationLambdaArn: app.auth.rotationLambdaArn,
          rotationRules: { automaticallyAfterDays: app.auth.rotationDays },
        },
        parent,
      );
      this.appSecretArns[app.name] = secret.arn;
      env[passwordEnvVar(app.name)] = password;
    }

    const rendered = renderApplyScript({
      users: a.apps.map((app) => ({
        name: app.name,
        host: app.host,
        database: app.database,
        privileges: app.privileges,
        scope: app.scope,
        auth: { kind: app.auth.type },
      })),
    });
    this.sql = rendered.sql;
    if (a.apps.length > 0 && a.apply) {
      this.apply = new command.local.Command(
        `${name}-users`,
        {
          create: rendered.script,
          interpreter: ["/bin/bash", "-c"],
          environment: {
            DB_HOST: this.address,
            DB_PORT: String(a.port),
            AWS_REGION: region,
            MASTER_SECRET_ARN: this.masterUserSecretArn,
            SSM_TARGET: a.apply.ssmTargetInstanceId,
            ...(a.apply.caBundlePath ? { CA_BUNDLE: a.apply.caBundlePath } : {}),
            ...env,
          },
          // Output could echo server errors: never keep it.
          logging: "none",
          triggers: [createHash("sha256").update(rendered.sql).digest("hex")],
        },
        {
          parent: this,
          dependsOn: [...(this.instance ? [this.instance] : []), ...this.clusterInstances],
          additionalSecretOutputs: ["environment", "stdout", "stderr"],
        },
      );
    }

    this.registerOutputs({
      address: this.address,
      port: this.port,
      masterUserSecretArn: this.masterUserSecretArn,
      appSecretArns: this.appSecretArns,
      iamConnectArns: this.iamConnectArns,
    });
  }
}

/** Escalated app privileges, recorded on the resources as one waiver the policy pack can read. */
function privilegeWaivers(apps: readonly ManagedApp[]): Waiver[] {
  const waived = apps.filter((a) => a.waiver);
  if (waived.length === 0) return [];
  const first = [...waived].sort((x, y) => (x.waiver!.expires < y.waiver!.expires ? -1 : 1))[0]!;
  const reason = waived
    .map((a) => `${a.name}: ${a.waiver!.reason}`)
    .join(" / ")
    .replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, " ")
    .slice(0, 256);
  return [
    { policy: MYSQL_PRIVILEGE_WAIVER_POLICY, reason, approver: first.waiver!.approver, expires: first.waiver!.expires },
  ];
}

// Referenced so readers find the policy names this component satisfies by construction.
export const MANAGED_MYSQL_POLICIES = [
  PolicyNames.rdsPublic,
  PolicyNames.rdsIamAuth,
  PolicyNames.rdsManagedPassword,
  PolicyNames.secretRotation,
] as const;

/**
 * The stack config's `databases`: one ManagedMySql per entry, in its site's private subnets, reachable from the
 * named role firewalls, users applied through the named server. Returns the stack outputs (no secrets).
 */
export function buildDatabases(
  cfg: { environment: "prod" | "staging" | "dev"; databases: readonly DatabaseConfig[] },
  estate: Pick<Estate, "sites" | "kmsKeyArn">,
  opts: pulumi.ComponentResourceOptions = {},
): { databases: Record<string, ManagedMySql>; outputs: Record<string, pulumi.Input<unknown>> } {
  const databases: Record<string, ManagedMySql> = {};
  const outputs: Record<string, pulumi.Input<unknown>> = {};
  for (const d of cfg.databases) {
    const site = estate.sites[d.site];
    if (!site) throw new Error(`databases ${d.name}: no site ${d.site} (the config layer checks this first)`);
    const { name, site: siteName, clients, extraClients, applyVia, ...settings } = d;
    const via = applyVia ? site.servers[applyVia] : undefined;
    const db = new ManagedMySql(
      name,
      {
        ...settings,
        environment: cfg.environment,
        vpcId: site.network.vpcId,
        privateSubnetIds: site.network.privateSubnetIds,
        clients: [
          ...clients.map((role) => ({ label: `${siteName}-${role}`, firewall: site.firewalls[role] })),
          ...extraClients.map((c) => ({ label: c.label, securityGroupId: c.securityGroupId })),
        ],
        logKmsKeyArn: estate.kmsKeyArn,
        apply: via ? { ssmTargetInstanceId: via.instanceId } : undefined,
        tags: { "bulwark:site": siteName },
      },
      opts,
    );
    databases[name] = db;
    outputs[name] = {
      address: db.address,
      port: db.port,
      masterUserSecretArn: db.masterUserSecretArn,
      iamConnectArns: db.iamConnectArns,
      appSecretArns: db.appSecretArns,
    };
  }
  return { databases, outputs };
}
