/** Database controls (policies/src/rules/database): RDS/Aurora exposure, encryption, TLS, passwords, backups. */
import { evaluate } from "../../../policies/src/engine";
import { PolicyNames } from "../../../policies/src/names";
import { baseline, T } from "../fixtures";
import { mandatory, mutationSuite, names, type Mutation } from "../helpers";

const m: Mutation[] = [
  {
    what: "public database",
    type: T.db,
    name: "app",
    change: (p) => (p.publiclyAccessible = true),
    expect: [PolicyNames.rdsPublic],
  },
  {
    what: "unencrypted database",
    type: T.db,
    name: "app",
    change: (p) => (p.storageEncrypted = false),
    expect: ["rds-database-require-storage-encryption"],
  },
  {
    what: "no IAM auth (MariaDB)",
    type: T.db,
    name: "app",
    change: (p) => Object.assign(p, { engine: "mariadb", iamDatabaseAuthenticationEnabled: false }),
    expect: [PolicyNames.rdsIamAuth],
  },
  {
    what: "plain master password",
    type: T.db,
    name: "app",
    change: (p) => Object.assign(p, { password: "hunter22", manageMasterUserPassword: undefined }),
    expect: [PolicyNames.rdsManagedPassword],
  },
  {
    what: "no parameter group",
    type: T.db,
    name: "app",
    change: (p) => delete p.parameterGroupName,
    expect: ["rds-database-require-tls"],
  },
  {
    what: "parameter group without TLS",
    type: T.pg,
    name: "mysql-tls",
    change: (p) => (p.parameters = [{ name: "require_secure_transport", value: "0" }]),
    expect: ["rds-database-require-tls"],
    on: [T.db, "app"],
  },
  {
    what: "no deletion protection",
    type: T.db,
    name: "app",
    change: (p) => (p.deletionProtection = false),
    expect: ["rds-database-require-deletion-protection"],
  },
  {
    what: "backups kept 3 days",
    type: T.db,
    name: "app",
    change: (p) => (p.backupRetentionPeriod = 3),
    expect: ["rds-database-require-backup-retention"],
  },
  {
    what: "no log exports",
    type: T.db,
    name: "app",
    change: (p) => (p.enabledCloudwatchLogsExports = []),
    expect: ["rds-database-require-log-exports"],
  },
  {
    what: "minor upgrades off",
    type: T.db,
    name: "app",
    change: (p) => (p.autoMinorVersionUpgrade = false),
    expect: ["rds-database-disallow-disabled-minor-upgrades"],
  },
];

mutationSuite(m);

describe("RDS TLS parameter group", () => {
  it("an empty parameterGroupName is the default group: TLS not enforced", () => {
    const s = baseline();
    const db = s.find((x) => x.type === "aws:rds/instance:Instance");
    if (!db) throw new Error("baseline has no RDS instance");
    expect(names(mandatory(evaluate(s)))).toEqual([]);
    db.props.parameterGroupName = "";
    expect(names(mandatory(evaluate(s)))).toEqual([PolicyNames.rdsTls]);
  });
});
