/**
 * ManagedMySql under Pulumi mocks: every default as recorded resource inputs, secretness of every credential, a
 * plaintext scan of the recorded inputs and the mocked state, and bad args that fail with field/value/fix and
 * register nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { planMocks, startRecording, type PlannedResource } from "../../cli/plan-runner";
import { ArgsError } from "../../components/config";
import { ManagedMySql, type ManagedMysqlArgs } from "../../components/database/managed-mysql";
import { Firewall } from "../../components/network/firewall";
import { renderMysqlHardening } from "../../components/host/mysql";
import { renderBundle, renderCloudInit } from "../../components/host/render";
import { MYSQL_PRIVILEGE_WAIVER_POLICY } from "../../components/database/mysql-sql";
import { waiversFromTags } from "../../policies/src/waiver";

const MOCK_PASSWORD = "Mock-Pa55word-for-the-scan-0123456789abcdefXYZ";
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const ROTATION = "arn:aws:lambda:eu-west-1:123456789012:function:SecretsManagerRDSMySQLRotationSingleUser";

const T = {
  instance: "aws:rds/instance:Instance",
  params: "aws:rds/parameterGroup:ParameterGroup",
  options: "aws:rds/optionGroup:OptionGroup",
  subnets: "aws:rds/subnetGroup:SubnetGroup",
  key: "aws:kms/key:Key",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  rotation: "aws:secretsmanager/secretRotation:SecretRotation",
  secret: "aws:secretsmanager/secret:Secret",
  version: "aws:secretsmanager/secretVersion:SecretVersion",
  password: "random:index/randomPassword:RandomPassword",
  command: "command:local:Command",
};

/** planMocks plus the computed outputs this component reads (RDS address, managed secret, random result). */
function mocks(): pulumi.runtime.Mocks {
  const base = planMocks();
  return {
    call: base.call,
    newResource(args) {
      const r = base.newResource(args) as pulumi.runtime.MockResourceResult; // planMocks is synchronous
      if (args.type === T.instance) {
        Object.assign(r.state, {
          address: `${args.inputs.identifier}.abc.eu-west-1.rds.amazonaws.com`,
          resourceId: "db-ABCDEFGHIJKLMNOP",
          masterUserSecrets: [
            {
              secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234`,
              kmsKeyId: "k",
              secretStatus: "active",
            },
          ],
        });
      }
      if (args.type === "aws:rds/cluster:Cluster") {
        Object.assign(r.state, {
          endpoint: `${args.inputs.clusterIdentifier}.cluster-abc.eu-west-1.rds.amazonaws.com`,
          clusterResourceId: "cluster-QRSTUVWXYZ",
          masterUserSecrets: [
            {
              secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1234`,
              kmsKeyId: "k",
              secretStatus: "active",
            },
          ],
        });
      }
      if (args.type === T.password) return { id: r.id, state: { ...args.inputs, result: MOCK_PASSWORD } };
      return r;
    },
  };
}

interface Run {
  resources: PlannedResource[];
  ofType(t: string): PlannedResource[];
  one(t: string, name?: string): PlannedResource;
  /** The mock monitor's stored state of every resource (serialized, secrets still wrapped). */
  state: unknown[];
}

async function record(build: () => void): Promise<Run> {
  const rec = await startRecording({ stack: "prod", mocks: mocks() });
  build();
  const resources = await rec.finish();

  const settings = require("@pulumi/pulumi/runtime/settings") as {
    getMonitor(): { resources: Map<string, { state: unknown }> };
  };
  const state = [...settings.getMonitor().resources.values()].map((r) => r.state);
  const ofType = (t: string) => resources.filter((r) => r.type === t);
  return {
    resources,
    ofType,
    state,
    one(t, name) {
      const found = ofType(t).filter((r) => name === undefined || r.name === name);
      if (found.length !== 1) throw new Error(`expected one ${t}${name ? ` ${name}` : ""}, found ${found.length}`);
      return found[0]!;
    },
  };
}

/** Every plaintext occurrence of `needle` outside a secret wrapper, as JSON paths. */
function plaintext(value: unknown, needle: string, at = "$"): string[] {
  if (typeof value === "string") return value.includes(needle) ? [at] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => plaintext(v, needle, `${at}[${i}]`));
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o[SECRET_SIG_KEY] === SECRET_SIG) return [];
    return Object.entries(o).flatMap(([k, v]) => plaintext(v, needle, `${at}.${k}`));
  }
  return [];
}

/** Every secret-wrapped value that contains `needle` (proves the scan looks where the password is). */
function wrapped(value: unknown, needle: string): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + wrapped(v, needle), 0);
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o[SECRET_SIG_KEY] === SECRET_SIG) return JSON.stringify(o.value ?? o).includes(needle) ? 1 : 0;
    return Object.values(o).reduce((n: number, v) => n + wrapped(v, needle), 0);
  }
  return 0;
}

function outputOf<T>(o: pulumi.Output<T>): Promise<{ value: T; secret: boolean }> {
  return new Promise((resolve) => {
    o.apply((value) => {
      void pulumi.isSecret(o).then((secret) => resolve({ value, secret }));
      return value;
    });
  });
}

const baseArgs = (over: Partial<ManagedMysqlArgs> = {}): ManagedMysqlArgs =>
  ({
    environment: "prod",
    vpcId: "vpc-1",
    privateSubnetIds: ["subnet-a", "subnet-b"],
    clients: [{ label: "app-tier", securityGroupId: "sg-app" }],
    apply: { ssmTargetInstanceId: "i-0123456789abcdef0" },
    apps: [{ name: "shop", database: "shop", privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"] }],
    ...over,
  }) as ManagedMysqlArgs;

describe("ManagedMySql defaults", () => {
  let run: Run;
  let db: ManagedMySql;
  beforeAll(async () => {
    run = await record(() => {
      db = new ManagedMySql("orders", baseArgs());
    });
  });

  test("the instance: managed master password, IAM auth, private, encrypted, protected, monitored, current CA", () => {
    const i = run.one(T.instance).inputs;
    expect(i).toMatchObject({
      identifier: "orders",
      engine: "mysql",
      engineVersion: "8.0",
      instanceClass: "db.t4g.medium",
      allocatedStorage: 50,
      storageType: "gp3",
      storageEncrypted: true,
      manageMasterUserPassword: true,
      iamDatabaseAuthenticationEnabled: true,
      publiclyAccessible: false,
      multiAz: true,
      backupRetentionPeriod: 14,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: "orders-final",
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      caCertIdentifier: "rds-ca-rsa2048-g1",
      monitoringInterval: 15,
      port: 3307,
      username: "bulwark_dba",
      enabledCloudwatchLogsExports: ["audit", "error", "slowquery"],
    });
    expect(i.password).toBeUndefined(); // no password ever in config or state
    const key = run.one(T.key);
    expect(key.inputs.enableKeyRotation).toBe(true);
    expect(i.kmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(i.masterUserSecretKmsKeyId).toBe(i.kmsKeyId); // customer-managed, not aws/secretsmanager
    expect(i.monitoringRoleArn).toBe(
      `arn:aws:iam::123456789012:role/${run.one(T.role).inputs.name ?? "orders-db-monitoring"}`,
    );
    expect(run.one(T.attachment).inputs.policyArn).toBe(
      "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
    );
    expect(JSON.parse(run.one(T.role).inputs.assumeRolePolicy as string).Statement[0].Principal.Service).toBe(
      "monitoring.rds.amazonaws.com",
    );
  });

  test("non-prod: single-AZ and 7-day backups by default", async () => {
    const r = await record(() => new ManagedMySql("staging-db", baseArgs({ environment: "dev" })));
    expect(r.one(T.instance).inputs).toMatchObject({ multiAz: false, backupRetentionPeriod: 7 });
  });

  test("parameter group forces TLS (1.2+) and turns LOCAL INFILE off", () => {
    const p = run.one(T.params).inputs;
    expect(p.family).toBe("mysql8.0");
    const params = Object.fromEntries(
      (p.parameters as { name: string; value: string }[]).map((x) => [x.name, x.value]),
    );
    expect(params).toMatchObject({ require_secure_transport: "1", tls_version: "TLSv1.2,TLSv1.3", local_infile: "0" });
    expect(run.one(T.instance).propertyDependencies.parameterGroupName).toEqual([run.one(T.params).urn]);
  });

  test("option group loads the MariaDB audit plugin", () => {
    const o = run.one(T.options).inputs;
    expect(o).toMatchObject({ engineName: "mysql", majorEngineVersion: "8.0" });
    const [opt] = o.options as { optionName: string; optionSettings: { name: string; value: string }[] }[];
    expect(opt!.optionName).toBe("MARIADB_AUDIT_PLUGIN");
    expect(opt!.optionSettings).toContainEqual({ name: "SERVER_AUDIT_EVENTS", value: "CONNECT,QUERY_DDL,QUERY_DCL" });
  });

  test("log groups exist before the instance, with retention", () => {
    const groups = run.ofType(T.logGroup).map((g) => g.inputs);
    expect(groups.map((g) => g.name).sort()).toEqual([
      "/aws/rds/instance/orders/audit",
      "/aws/rds/instance/orders/error",
      "/aws/rds/instance/orders/slowquery",
    ]);
    for (const g of groups) expect(g.retentionInDays).toBe(365);
    const deps = run.one(T.instance).dependencies;
    for (const g of run.ofType(T.logGroup)) expect(deps).toContain(g.urn);
  });

  test("network: private subnet group; DB port only from the named client group; no egress", () => {
    expect(run.one(T.subnets).inputs.subnetIds).toEqual(["subnet-a", "subnet-b"]);
    const rules = run.ofType(T.ingress).map((r) => r.inputs);
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      ipProtocol: "tcp",
      fromPort: 3307,
      toPort: 3307,
      referencedSecurityGroupId: "sg-app",
    });
    expect(rules[0]!.cidrIpv4).toBeUndefined();
    expect(run.ofType(T.egress)).toHaveLength(0);
    const sg = run.one(T.sg);
    expect(run.one(T.instance).propertyDependencies.vpcSecurityGroupIds).toEqual([sg.urn]);
    expect(run.one(T.instance).inputs.vpcSecurityGroupIds).toHaveLength(1);
  });

  test("a Firewall client gets the matching egress rule", async () => {
    const r = await record(() => {
      const app = new Firewall("app", { vpcId: "vpc-1", egress: "none" });
      new ManagedMySql("crm", baseArgs({ clients: [{ label: "app", firewall: app }] }));
    });
    const egress = r.ofType(T.egress).map((e) => e.inputs);
    expect(egress).toHaveLength(1);
    expect(egress[0]).toMatchObject({ ipProtocol: "tcp", fromPort: 3307, toPort: 3307 });
  });

  test("master secret rotation is scheduled (RDS-managed, no Lambda)", () => {
    const rot = run.ofType(T.rotation).find((r) => r.name === "orders-db-master")!;
    expect(rot.inputs).toMatchObject({ rotationRules: { automaticallyAfterDays: 7 } });
    expect(rot.inputs.rotationLambdaArn).toBeUndefined();
  });

  test("default app auth is IAM: no password resource, no secret, an rds-db:connect ARN", async () => {
    expect(run.ofType(T.password)).toHaveLength(0);
    expect(run.ofType(T.secret)).toHaveLength(0);
    expect(db.sql).toContain(
      "CREATE USER IF NOT EXISTS 'shop'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' REQUIRE SSL;",
    );
    expect(db.sql).toContain("GRANT SELECT, INSERT, UPDATE, DELETE ON `shop`.* TO 'shop'@'%';");
    expect((await outputOf(db.iamConnectArns.shop!)).value).toBe(
      "arn:aws:rds-db:eu-west-1:123456789012:dbuser:db-ABCDEFGHIJKLMNOP/shop",
    );
  });

  test("the apply path: a local command with logging off, connection details in env, SQL hash as trigger", () => {
    const c = run.one(T.command).inputs;
    expect(c.logging).toBe("none");
    expect(c.create).toContain("AWS-StartPortForwardingSessionToRemoteHost");
    expect(c.create).toContain("--defaults-extra-file=");
    expect(c.create).not.toMatch(/--password|-p\$|MYSQL_PWD/);
    expect(c.environment).toMatchObject({
      DB_PORT: "3307",
      SSM_TARGET: "i-0123456789abcdef0",
      MASTER_SECRET_ARN: expect.stringMatching(/^arn:aws:secretsmanager:/),
    });
    expect(c.triggers).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
  });

  test("tags mark the component and carry no waiver by default", () => {
    const tags = run.one(T.instance).inputs.tags as Record<string, string>;
    expect(tags).toMatchObject({ "bulwark:component": "ManagedMySql", "bulwark:environment": "prod" });
    expect(waiversFromTags(tags).waivers).toEqual([]);
  });
});

describe("password-auth apps", () => {
  let run: Run;
  let db: ManagedMySql;
  beforeAll(async () => {
    run = await record(() => {
      db = new ManagedMySql(
        "legacy",
        baseArgs({
          apps: [
            {
              name: "erp",
              database: "erp",
              privileges: ["SELECT", "INSERT"],
              auth: { type: "password", rotationLambdaArn: ROTATION },
            },
          ],
        }),
      );
    });
  });

  test(
    "random password >= 32 with every class; Secrets Manager " +
      "under the DB key; rotation <= 30 days via the given Lambda",
    () => {
      expect(run.one(T.password).inputs).toMatchObject({
        length: 40,
        special: true,
        minUpper: 1,
        minLower: 1,
        minNumeric: 1,
        minSpecial: 1,
      });
      expect(run.one(T.password).inputs.overrideSpecial).not.toMatch(/["'\\/@ ]/);
      expect(run.one(T.secret).inputs).toMatchObject({
        name: "bulwark/legacy/erp",
        kmsKeyId: run.one(T.instance).inputs.kmsKeyId,
      });
      const rot = run.ofType(T.rotation).find((r) => r.name === "legacy-erp")!;
      expect(rot.inputs).toMatchObject({ rotationLambdaArn: ROTATION, rotationRules: { automaticallyAfterDays: 30 } });
    },
  );

  test("isSecret on every credential output and input", async () => {
    expect((await outputOf(db.appPasswords.erp!)).secret).toBe(true);
    expect((await outputOf(db.appPasswords.erp!)).value).toBe(MOCK_PASSWORD);
    expect(run.one(T.version).secretPaths).toEqual(["secretString"]);
    expect(run.one(T.command).secretPaths).toContain("environment.BULWARK_PW_ERP");
    expect((await outputOf(db.masterUserSecretArn)).secret).toBe(false); // an ARN, not a credential
  });

  test("no plaintext password anywhere in recorded inputs, mocked state, the SQL or the script", () => {
    // The scan can see the password: it is there, wrapped as a secret, in the mocked state.
    expect(run.state.reduce((n: number, s) => n + wrapped(s, MOCK_PASSWORD), 0)).toBeGreaterThanOrEqual(2);
    expect(
      plaintext(
        run.resources.map((r) => r.inputs),
        MOCK_PASSWORD,
      ),
    ).toEqual([]);
    const leaks = run.state
      .flatMap((s, i) => plaintext(s, MOCK_PASSWORD, `state[${i}]`))
      // The RandomPassword's own `result` is its provider's secret output (additionalSecretOutputs).
      .filter((p) => !/\.result$/.test(p));
    expect(leaks).toEqual([]);
    expect(db.sql).not.toContain(MOCK_PASSWORD);
    expect(db.sql.match(/IDENTIFIED BY /g)).toHaveLength(1);
    expect(db.sql).toContain("IDENTIFIED BY ', QUOTE(@bulwark_pw_erp)");
    expect(run.one(T.command).inputs.create).not.toContain(MOCK_PASSWORD);
  });

  test("the host bundle's EC2 user data for a db server (HOST's renderer) carries no password", () => {
    const model = {
      role: "db",
      admins: [
        {
          name: "alice",
          sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0Bw5ZqZ0eZq6mD7m0Xo0vW2V0m7D1b3qj2cJ8ZkXg alice@laptop"],
        },
      ],
      ssh: { managementSources: ["10.20.0.0/16"] },
      ids: { manager: "wazuh.corp.internal", enrolmentSecretParameter: "/bulwark/wazuh/enrolment" },
      logs: { kind: "cloudwatch" },
      mysql: {
        bindAddress: "10.20.1.10",
        apps: [
          { name: "erp", database: "erp", host: "10.20.2.0/24", privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"] },
          { name: "bi", database: "erp", host: "10.20.3.15", privileges: ["SELECT"] },
        ],
      },
    };
    const bundle = renderBundle(model, "debian-12");
    const userData = renderCloudInit(bundle);
    expect(userData).toContain("simple_password_check_minimal_length = 14");
    expect(userData).toContain("QUOTE(@bulwark_pw_erp)");
    expect(userData.match(/IDENTIFIED BY /g)).toHaveLength(2); // both are the QUOTE(@variable) construct
    expect(userData).not.toMatch(/IDENTIFIED BY '[^,]/);
    expect(userData).not.toMatch(/^\s*password\s*=/im);
  });

  test("rendered self-hosted user data has no password and no IDENTIFIED BY literal", () => {
    const r = renderMysqlHardening({
      bindAddress: "10.0.1.10",
      apps: [{ name: "erp", database: "erp", host: "10.0.2.0/24", privileges: ["SELECT"] }],
    });
    const all = [r.apply, r.verify, ...r.files.map((f) => f.content)].join("\n");
    // Every IDENTIFIED BY is the server-side QUOTE(@variable) construct, never a literal.
    expect(all.match(/IDENTIFIED BY /g)).toHaveLength(1);
    expect(all).toContain("IDENTIFIED BY ', QUOTE(@bulwark_pw_erp)");
    expect(all).not.toMatch(/password\s*=/i);
  });
});

describe("bad args fail with field, value and fix, and create nothing", () => {
  const cases: [string, Partial<ManagedMysqlArgs> | Record<string, unknown>, string, RegExp][] = [
    [
      "SUPER without a waiver",
      { apps: [{ name: "shop", database: "shop", privileges: ["SELECT", "SUPER"] }] },
      "args.apps[0].waiver",
      /SUPER is refused without a waiver/,
    ],
    [
      "GRANT OPTION without a waiver",
      { apps: [{ name: "shop", database: "shop", privileges: ["SELECT", "GRANT OPTION"] }] },
      "args.apps[0].waiver",
      /GRANT OPTION/,
    ],
    [
      "global scope without a waiver",
      { apps: [{ name: "shop", database: "shop", privileges: ["SELECT"], scope: "global" }] },
      "args.apps[0].waiver",
      /\*\.\*/,
    ],
    [
      "FILE at database scope even with a waiver",
      {
        apps: [
          {
            name: "shop",
            database: "shop",
            privileges: ["FILE"],
            waiver: { reason: "bulk import job until Q3", approver: "ciso@example.com", expires: "2099-01-01" },
          },
        ],
      },
      "args.apps[0].scope",
      /ON \*\.\*/,
    ],
    [
      "unknown privilege",
      { apps: [{ name: "shop", database: "shop", privileges: ["SELEKT"] }] },
      "args.apps[0].privileges[0]",
      /not a known privilege/,
    ],
    [
      "empty privilege list",
      { apps: [{ name: "shop", database: "shop", privileges: [] }] },
      "args.apps[0].privileges",
      /at least one privilege/,
    ],
    [
      "duplicate privilege",
      { apps: [{ name: "shop", database: "shop", privileges: ["SELECT", "select"] }] },
      "args.apps[0].privileges",
      /each privilege once/,
    ],
    [
      "injection in a user name",
      { apps: [{ name: "shop'@'%' IDENTIFIED BY 'x", database: "shop", privileges: ["SELECT"] }] },
      "args.apps[0].name",
      /lowercase letter/,
    ],
    [
      "injection in a database name",
      { apps: [{ name: "shop", database: "shop`.* TO x; --", privileges: ["SELECT"] }] },
      "args.apps[0].database",
      /lowercase letter/,
    ],
    [
      "a system schema",
      { apps: [{ name: "shop", database: "mysql", privileges: ["SELECT"] }] },
      "args.apps[0].database",
      /system schema/,
    ],
    [
      "a reserved user",
      { apps: [{ name: "root", database: "shop", privileges: ["SELECT"] }] },
      "args.apps[0].name",
      /reserved/,
    ],
    ["the default port", { port: 3306 }, "args.port", /non-default port/],
    ["a guessable admin name", { adminUsername: "admin" }, "args.adminUsername", /guessable/],
    ["too little storage", { allocatedStorageGiB: 5 }, "args.allocatedStorageGiB", /at least 20/],
    ["too much storage", { allocatedStorageGiB: 70000 }, "args.allocatedStorageGiB", /at most 65536/],
    ["short backups", { backupRetentionDays: 3 }, "args.backupRetentionDays", /at least 7 days/],
    ["single-AZ prod", { multiAz: false }, "args.multiAz", /Multi-AZ/],
    ["an expired CA", { caCertIdentifier: "rds-ca-2019" }, "args.caCertIdentifier", /rds-ca-rsa2048-g1/],
    ["monitoring off", { monitoringIntervalSeconds: 0 }, "args.monitoringIntervalSeconds", /enhanced monitoring off/],
    [
      "slow rotation",
      {
        apps: [
          {
            name: "erp",
            database: "erp",
            privileges: ["SELECT"],
            auth: { type: "password", rotationLambdaArn: ROTATION, rotationDays: 90 },
          },
        ],
      },
      "args.apps[0].auth.rotationDays",
      /30 days/,
    ],
    [
      "short password",
      {
        apps: [
          {
            name: "erp",
            database: "erp",
            privileges: ["SELECT"],
            auth: { type: "password", rotationLambdaArn: ROTATION, length: 16 },
          },
        ],
      },
      "args.apps[0].auth.length",
      /at least 32/,
    ],
    [
      "no rotation function",
      { apps: [{ name: "erp", database: "erp", privileges: ["SELECT"], auth: { type: "password" } }] },
      "args.apps[0].auth.rotationLambdaArn",
      /set it/,
    ],
    ["a bad instance class", { instanceClass: "m5.large" }, "args.instanceClass", /db\.t4g\.medium/],
    ["no client groups", { clients: [] }, "args.clients", /at least one client/],
    ["apps without an apply path", { apply: undefined }, "args.apply", /ssmTargetInstanceId/],
    ["one subnet", { privateSubnetIds: ["subnet-a"] }, "args.privateSubnetIds", /two private subnets/],
    [
      "a log retention CloudWatch refuses",
      { logRetentionDays: 100 },
      "args.logRetentionDays",
      /CloudWatch retention value.*365/,
    ],
  ];

  test.each(cases)("%s", async (_label, over, path, fix) => {
    let err: unknown;
    const run = await record(() => {
      try {
        new ManagedMySql("bad", baseArgs(over as Partial<ManagedMysqlArgs>));
      } catch (e) {
        err = e;
      }
    });
    expect(err).toBeInstanceOf(ArgsError);
    const issue = (err as ArgsError).issues.find((i) => i.path === path);
    if (!issue) throw new Error(`no issue at ${path}: ${(err as Error).message}`);
    expect(`${issue.problem} ${issue.fix}`).toMatch(fix);
    expect((err as Error).message).toContain(`ManagedMySql "bad"`);
    expect(run.resources).toHaveLength(0);
  });

  test("the value is named in the error", async () => {
    await record(() => {
      expect(() => new ManagedMySql("bad", baseArgs({ port: 3306 }))).toThrow(/args\.port: got 3306/);
      expect(() => new ManagedMySql("Bad_Name", baseArgs())).toThrow(/got "Bad_Name"/);
    });
  });

  test("a waiver admits an escalated privilege and is written as tags for the policy pack", async () => {
    const w = {
      reason: "reporting tool needs PROCESS until replaced",
      approver: "ciso@example.com",
      expires: "2099-06-30",
    };
    let db: ManagedMySql | undefined;
    const run = await record(() => {
      db = new ManagedMySql(
        "ops",
        baseArgs({
          apps: [{ name: "mon", database: "mon", privileges: ["PROCESS", "SELECT"], scope: "global", waiver: w }],
        }),
      );
    });
    expect(db!.sql).toContain("GRANT PROCESS, SELECT ON *.* TO 'mon'@'%';");
    const got = waiversFromTags(run.one(T.instance).inputs.tags).waivers;
    expect(got).toEqual([
      { policy: MYSQL_PRIVILEGE_WAIVER_POLICY, reason: `mon: ${w.reason}`, approver: w.approver, expires: w.expires },
    ]);
  });

  test("an expired waiver is refused", async () => {
    const w = {
      reason: "reporting tool needs PROCESS until replaced",
      approver: "ciso@example.com",
      expires: "2020-01-01",
    };
    await record(() => {
      expect(
        () =>
          new ManagedMySql(
            "ops",
            baseArgs({ apps: [{ name: "mon", database: "mon", privileges: ["PROCESS"], scope: "global", waiver: w }] }),
          ),
      ).toThrow(/apps\[0\]\.waiver\.expires.*expired/s);
    });
  });
});

describe("Aurora MySQL (engine: aurora-mysql)", () => {
  const C = {
    cluster: "aws:rds/cluster:Cluster",
    member: "aws:rds/clusterInstance:ClusterInstance",
    cpg: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
  };
  let run: Run;
  let db: ManagedMySql;
  beforeAll(async () => {
    run = await record(() => {
      db = new ManagedMySql("ledger", baseArgs({ engine: "aurora-mysql" }));
    });
  });

  test("the cluster: managed master secret under the DB key, IAM auth, encrypted, protected, logs exported", () => {
    const c = run.one(C.cluster).inputs;
    expect(c).toMatchObject({
      clusterIdentifier: "ledger",
      engine: "aurora-mysql",
      masterUsername: "bulwark_dba",
      manageMasterUserPassword: true,
      iamDatabaseAuthenticationEnabled: true,
      storageEncrypted: true,
      port: 3307,
      backupRetentionPeriod: 14,
      deletionProtection: true,
      skipFinalSnapshot: false,
      enabledCloudwatchLogsExports: ["audit", "error", "slowquery"],
    });
    expect(c.masterPassword).toBeUndefined();
    expect(c.masterUserSecretKmsKeyId).toBe(c.kmsKeyId);
    expect(run.ofType(T.instance)).toHaveLength(0);
    expect(run.ofType(T.options)).toHaveLength(0); // Aurora audits through the cluster parameter group
    expect(run.ofType(T.logGroup).map((g) => g.inputs.name)).toContain("/aws/rds/cluster/ledger/audit");
  });

  test("TLS and advanced auditing in the cluster parameter group; LOCAL INFILE off per instance", () => {
    const cpg = run.one(C.cpg).inputs;
    expect(cpg.family).toBe("aurora-mysql8.0");
    const params = Object.fromEntries(
      (cpg.parameters as { name: string; value: string }[]).map((x) => [x.name, x.value]),
    );
    expect(params).toMatchObject({
      require_secure_transport: "1",
      tls_version: "TLSv1.2,TLSv1.3",
      server_audit_logging: "1",
      server_audit_events: "CONNECT,QUERY_DCL,QUERY_DDL",
    });
    expect(run.one(C.cluster).propertyDependencies.dbClusterParameterGroupName).toEqual([run.one(C.cpg).urn]);
    const pg = Object.fromEntries(
      (run.one(T.params).inputs.parameters as { name: string; value: string }[]).map((x) => [x.name, x.value]),
    );
    expect(pg.local_infile).toBe("0");
  });

  test("prod: two private, monitored members (Multi-AZ) on the current CA", () => {
    const members = run.ofType(C.member).map((m) => m.inputs);
    expect(members).toHaveLength(2);
    for (const m of members) {
      expect(m).toMatchObject({
        engine: "aurora-mysql",
        publiclyAccessible: false,
        monitoringInterval: 15,
        autoMinorVersionUpgrade: true,
        caCertIdentifier: "rds-ca-rsa2048-g1",
      });
      expect(m.monitoringRoleArn).toMatch(/^arn:aws:iam::/);
    }
  });

  test("IAM connect ARN uses the cluster resource id; 8.4 is refused", async () => {
    expect((await outputOf(db.iamConnectArns.shop!)).value).toBe(
      "arn:aws:rds-db:eu-west-1:123456789012:dbuser:cluster-QRSTUVWXYZ/shop",
    );
    expect((await outputOf(db.address)).value).toBe("ledger.cluster-abc.eu-west-1.rds.amazonaws.com");
    expect((await outputOf(db.masterUserSecretArn)).value).toMatch(/secret:rds!cluster-1234$/);
    await record(() => {
      expect(() => new ManagedMySql("ledger2", baseArgs({ engine: "aurora-mysql", engineVersion: "8.4" }))).toThrow(
        /args\.engineVersion: got "8\.4".*8\.0/s,
      );
    });
  });
});
