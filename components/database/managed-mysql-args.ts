/**
 * The plain (non-Output) part of ManagedMySql's args, as one zod schema: used by the component and by the stack
 * config's `databases` key, so a bad value fails the same way in code and in config. Pure: zod only.
 */
import { z } from "zod";
import { appGrantFields, accountHostSchema, checkGrant, checkUniqueAppNames } from "./mysql-sql";
import { LOG_RETENTION_DAYS } from "../controls";

/** RDS's current certificate authorities (rds-ca-2019 expired in 2024). */
export const RDS_CURRENT_CAS = ["rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"] as const;
export const RDS_MONITORING_INTERVALS = [1, 5, 10, 15, 30, 60] as const;
export const MYSQL_DEFAULT_PORT = 3306;
/** Master user names scanners and attackers try first. */
export const GUESSABLE_ADMIN_NAMES = [
  "admin",
  "root",
  "mysql",
  "master",
  "administrator",
  "dbadmin",
  "sa",
  "user",
  "test",
  "rdsadmin",
];

const arn = (service: string, what: string) =>
  z
    .string()
    .regex(
      new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`),
      `use the ${what} ARN (arn:aws:${service}:<region>:<account>:...)`,
    );

/** RDS IAM authentication: the app signs a 15-minute token with rds-db:connect; the server stores no password. */
const iamAuthSchema = z.object({ type: z.literal("iam") }).strict();

/** A generated password (Pulumi secret) in Secrets Manager, rotated by the given function at most every 30 days. */
const passwordAuthSchema = z
  .object({
    type: z.literal("password"),
    rotationLambdaArn: arn("lambda", "rotation Lambda function"),
    rotationDays: z
      .number()
      .int("use a whole number of days")
      .min(1, "rotate every 1 to 30 days")
      .max(30, "rotate at least every 30 days (1-30)")
      .default(30),
    length: z
      .number()
      .int()
      .min(32, "use a password length of at least 32")
      .max(128, "use a password length of at most 128")
      .default(40),
  })
  .strict();

export const managedAppSchema = z
  .object({
    ...appGrantFields,
    /** Where the app connects from. `%` is fine on RDS: the security group and TLS/IAM are the boundary. */
    host: accountHostSchema.default("%"),
    auth: z.discriminatedUnion("type", [iamAuthSchema, passwordAuthSchema]).default({ type: "iam" }),
  })
  .strict()
  .superRefine(checkGrant);

export type ManagedApp = z.output<typeof managedAppSchema>;

export const managedMysqlSettingsShape = {
  environment: z.enum(["prod", "staging", "dev"]),
  /** RDS MySQL, or Aurora MySQL 3 (MySQL 8.0 compatible). */
  engine: z.enum(["mysql", "aurora-mysql"]).default("mysql"),
  engineVersion: z.enum(["8.0", "8.4"]).default("8.0"),
  instanceClass: z
    .string()
    .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "use an RDS instance class such as db.t4g.medium or db.r6g.large")
    .default("db.t4g.medium"),
  allocatedStorageGiB: z
    .number()
    .int("use whole GiB")
    .min(20, "gp3 needs at least 20 GiB")
    .max(65536, "RDS allows at most 65536 GiB")
    .default(50),
  maxAllocatedStorageGiB: z.number().int().max(65536, "RDS allows at most 65536 GiB").optional(),
  /** Non-default and not guessable (no admin/root). */
  adminUsername: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,15}$/, "use 1-16 characters: a lowercase letter, then lowercase letters, digits or _")
    .refine(
      (u) => !GUESSABLE_ADMIN_NAMES.includes(u),
      `must not be a guessable name (${GUESSABLE_ADMIN_NAMES.join(", ")})`,
    )
    .default("bulwark_dba"),
  port: z
    .number()
    .int()
    .min(1150, "RDS MySQL ports are 1150-65535")
    .max(65535, "RDS MySQL ports are 1150-65535")
    .refine((p) => p !== MYSQL_DEFAULT_PORT, "use a non-default port (not 3306), e.g. 3307")
    .default(3307),
  /** Prod defaults to 14 days, others to 7; never fewer than 7. */
  backupRetentionDays: z
    .number()
    .int()
    .min(7, "keep backups at least 7 days")
    .max(35, "RDS keeps backups at most 35 days")
    .optional(),
  /** Prod defaults to true. */
  multiAz: z.boolean().optional(),
  monitoringIntervalSeconds: z
    .number()
    .refine(
      (n) => (RDS_MONITORING_INTERVALS as readonly number[]).includes(n),
      `use one of ${RDS_MONITORING_INTERVALS.join(", ")} (0 would turn enhanced monitoring off)`,
    )
    .default(15),
  caCertIdentifier: z.enum(RDS_CURRENT_CAS).default("rds-ca-rsa2048-g1"),
  /** Performance Insights under the database key (not available on the smallest classes). */
  performanceInsights: z.boolean().default(true),
  /** How often RDS rotates the master password it manages (Secrets Manager managed rotation). */
  masterRotationDays: z
    .number()
    .int()
    .min(1, "rotate every 1 to 30 days")
    .max(30, "rotate the master password at least every 30 days")
    .default(7),
  tlsVersions: z
    .array(z.enum(["TLSv1.2", "TLSv1.3"]))
    .min(1, "allow TLSv1.2 and/or TLSv1.3")
    .default(["TLSv1.2", "TLSv1.3"]),
  /** The audit/error/slow-query log groups: only values CloudWatch Logs accepts (else `up` fails mid-way). */
  logRetentionDays: z
    .number()
    .refine(
      (n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n),
      `use a CloudWatch retention value: ${LOG_RETENTION_DAYS.join(", ")}`,
    )
    .default(365),
  slowQuerySeconds: z.number().min(0.1).max(60).default(2),
  apps: z.array(managedAppSchema).max(64, "declare at most 64 application users").default([]),
};

type SettingsOut = Omit<z.output<z.ZodObject<typeof managedMysqlSettingsShape>>, "environment"> & {
  environment?: string;
};

/** Cross-field rules (also applied by ManagedMySql's full args schema and the `databases` config key). */
export function checkSettings(s: SettingsOut, ctx: z.RefinementCtx): void {
  if (s.maxAllocatedStorageGiB !== undefined && s.maxAllocatedStorageGiB <= s.allocatedStorageGiB) {
    ctx.addIssue({
      code: "custom",
      path: ["maxAllocatedStorageGiB"],
      message: `must be above allocatedStorageGiB (${s.allocatedStorageGiB}) for storage autoscaling, or omit it`,
      input: s.maxAllocatedStorageGiB,
    });
  }
  if (s.engine === "aurora-mysql" && s.engineVersion !== "8.0") {
    ctx.addIssue({
      code: "custom",
      path: ["engineVersion"],
      message: "Aurora MySQL 3 is MySQL 8.0 compatible: use engineVersion 8.0 or engine mysql",
      input: s.engineVersion,
    });
  }
  if (s.environment === "prod" && s.multiAz === false) {
    ctx.addIssue({
      code: "custom",
      path: ["multiAz"],
      message: "prod databases run Multi-AZ: remove multiAz: false",
      input: false,
    });
  }
  s.apps.forEach((a, i) => {
    if (a.name === s.adminUsername)
      ctx.addIssue({
        code: "custom",
        path: ["apps", i, "name"],
        message: "must differ from adminUsername",
        input: a.name,
      });
  });
  checkUniqueAppNames(s.apps, ctx);
}

export const managedMysqlSettingsSchema = z.object(managedMysqlSettingsShape).strict().superRefine(checkSettings);

export type ManagedMysqlSettingsInput = z.input<typeof managedMysqlSettingsSchema>;
export type ManagedMysqlSettings = z.output<typeof managedMysqlSettingsSchema>;

/** The defaults that depend on the environment. */
export function effectiveDefaults(s: ManagedMysqlSettings): { backupRetentionDays: number; multiAz: boolean } {
  return {
    backupRetentionDays: s.backupRetentionDays ?? (s.environment === "prod" ? 14 : 7),
    multiAz: s.multiAz ?? s.environment === "prod",
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The `databases` stack config key: ManagedMySql settings plus where the database lives in the estate.

const { environment: _environment, ...settingsWithoutEnvironment } = managedMysqlSettingsShape;
void _environment;

export const CLIENT_ROLES = ["web", "app", "db"] as const;

export const databaseConfigSchema = z
  .object({
    /** The RDS identifier. */
    name: z
      .string()
      .regex(
        /^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$/,
        "use 2-63 characters: lowercase letters, digits and single hyphens, starting with a letter",
      ),
    /** The site whose VPC and private subnets hold the database. */
    site: z.string().min(1, "name the site (sites[].name) the database lives in"),
    /** Roles in that site whose firewall may reach the database port. */
    clients: z.array(z.enum(CLIENT_ROLES)).min(1, "name at least one client role, e.g. [app]").default(["app"]),
    /** Other security groups that may reach it (e.g. the rotation Lambda's), by id, each with a label. */
    extraClients: z
      .array(
        z
          .object({
            label: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, "use a short lowercase label such as rotation-lambda"),
            securityGroupId: z
              .string()
              .regex(/^sg-[0-9a-f]{8,17}$/, "use a security group id such as sg-0123456789abcdef0"),
          })
          .strict(),
      )
      .default([]),
    /** A server in that site (of a client role) that SSM port-forwards through to apply application users. */
    applyVia: z.string().optional(),
    ...settingsWithoutEnvironment,
  })
  .strict()
  .superRefine(checkSettings);

export type DatabaseConfig = z.output<typeof databaseConfigSchema>;

/** Checks against the rest of the stack config; `add(path, message, value)` reports at a config path. */
export function databaseCrossChecks(
  cfg: {
    environment: string;
    sites: readonly { name: string; servers: readonly { name: string; role: string }[] }[];
    databases: readonly DatabaseConfig[];
  },
  add: (path: (string | number)[], message: string, input: unknown) => void,
): void {
  const seen = new Set<string>();
  cfg.databases.forEach((d, i) => {
    const at = ["databases", i];
    if (seen.has(d.name)) add([...at, "name"], "database name repeats: use a unique name", d.name);
    seen.add(d.name);
    if (cfg.environment === "prod" && d.multiAz === false)
      add([...at, "multiAz"], "prod databases run Multi-AZ: remove multiAz: false", false);
    const site = cfg.sites.find((s) => s.name === d.site);
    if (!site) {
      add([...at, "site"], `no site named ${d.site}: use one of ${cfg.sites.map((s) => s.name).join(", ")}`, d.site);
      return;
    }
    if (d.applyVia === undefined) {
      if (d.apps.length > 0)
        add(
          [...at, "applyVia"],
          "application users need an apply path: name a server of a client role in this site",
          undefined,
        );
      return;
    }
    const server = site.servers.find((s) => s.name === d.applyVia);
    if (!server)
      add(
        [...at, "applyVia"],
        `no server ${d.applyVia} in site ${d.site}: ` +
          `name one of ${site.servers.map((s) => s.name).join(", ") || "(none)"}`,
        d.applyVia,
      );
    else if (!(d.clients as readonly string[]).includes(server.role)) {
      add(
        [...at, "applyVia"],
        `server ${d.applyVia} is a ${server.role} server, not a client (${d.clients.join(", ")}): ` +
          "it could not reach the database",
        d.applyVia,
      );
    }
  });
}
