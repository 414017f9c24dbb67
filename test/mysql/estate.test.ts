/**
 * The `databases` stack config key and the prod estate's ManagedMySql, through the offline plan runner (the same
 * path `bulwark plan` takes: index.ts under mocks with Pulumi.prod.yaml).
 */
import * as path from "node:path";
import { readStackFile, runPlan } from "../../cli/plan-runner";
import { ConfigError, parseStackConfig } from "../../components/config";
import { prodPlan } from "../setup/prod-plan";

// As the engine gives it: secrets decrypted (offline: a placeholder) and named as secret.
const { config: prod, secretKeys } = readStackFile(path.join(__dirname, "../../Pulumi.prod.yaml"));
const dbs = () => structuredClone(prod["bulwark:databases"]) as Record<string, unknown>[];

function configError(databases: unknown): ConfigError {
  try {
    parseStackConfig({ ...prod, "bulwark:databases": databases }, { secretKeys });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("the databases config key", () => {
  test("the prod config parses with the documented defaults filled in", () => {
    const cfg = parseStackConfig(prod, { secretKeys });
    expect(cfg.databases).toHaveLength(1);
    expect(cfg.databases[0]).toMatchObject({
      name: "orders",
      port: 3307,
      adminUsername: "bulwark_dba",
      caCertIdentifier: "rds-ca-rsa2048-g1",
      masterRotationDays: 7,
    });
    expect(cfg.databases[0]!.apps[0]).toMatchObject({
      name: "shop",
      host: "%",
      auth: { type: "iam" },
      scope: "database",
    });
  });

  test.each([
    [
      "an unknown site",
      (d: Record<string, unknown>) => ({ ...d, site: "paris" }),
      "bulwark:databases[0].site",
      /no site named paris/,
    ],
    [
      "applyVia that is not a client",
      (d: Record<string, unknown>) => ({ ...d, applyVia: "web-1" }),
      "bulwark:databases[0].applyVia",
      /web server, not a client/,
    ],
    [
      "applyVia that does not exist",
      (d: Record<string, unknown>) => ({ ...d, applyVia: "app-9" }),
      "bulwark:databases[0].applyVia",
      /no server app-9/,
    ],
    [
      "apps without applyVia",
      (d: Record<string, unknown>) => ({ ...d, applyVia: undefined }),
      "bulwark:databases[0].applyVia",
      /apply path/,
    ],
    [
      "single-AZ prod",
      (d: Record<string, unknown>) => ({ ...d, multiAz: false }),
      "bulwark:databases[0].multiAz",
      /Multi-AZ/,
    ],
    [
      "an injected user name",
      (d: Record<string, unknown>) => ({
        ...d,
        apps: [{ name: "x'; DROP USER root; --", database: "shop", privileges: ["SELECT"] }],
      }),
      "bulwark:databases[0].apps[0].name",
      /lowercase letter/,
    ],
    [
      "SUPER without a waiver",
      (d: Record<string, unknown>) => ({
        ...d,
        apps: [{ name: "x", database: "shop", privileges: ["SUPER"], scope: "global" }],
      }),
      "bulwark:databases[0].apps[0].waiver",
      /refused without a waiver/,
    ],
  ])("%s is a ConfigError naming the field, value and fix", (_l, edit, at, fix) => {
    const list = dbs();
    list[0] = edit(list[0]!);
    const err = configError(list);
    const issue = err.issues.find((i) => i.path === at);
    if (!issue) throw new Error(`no issue at ${at}: ${err.message}`);
    expect(`${issue.problem} ${issue.fix}`).toMatch(fix);
  });
});

describe("the prod estate uses ManagedMySql", () => {
  test(
    "orders: hardened instance, app-tier-only ingress, " + "IAM users, password user's secret masked in the plan",
    async () => {
      const plan = await prodPlan();
      const component = plan.resources.find((r) => r.type === "bulwark:database:ManagedMySql" && r.name === "orders");
      expect(component).toBeDefined();
      const inst = plan.resources.find((r) => r.type === "aws:rds/instance:Instance" && r.name === "orders-db")!;
      expect(inst.parent).toBe(component!.urn);
      expect(inst.inputs).toMatchObject({
        manageMasterUserPassword: true,
        iamDatabaseAuthenticationEnabled: true,
        publiclyAccessible: false,
        multiAz: true,
        backupRetentionPeriod: 14,
        port: 3307,
        instanceClass: "db.r6g.large",
      });
      const ingress = plan.resources.filter(
        (r) =>
          r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.parent?.includes("orders-mysql"),
      );
      expect(ingress).toHaveLength(1);
      const appSg = plan.resources.find(
        (r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.name === "head-office-app",
      )!;
      expect(ingress[0]!.propertyDependencies.referencedSecurityGroupId).toEqual([appSg.urn]);
      const cmd = plan.resources.find((r) => r.type === "command:local:Command" && r.name === "orders-users")!;
      expect(cmd.secretPaths).toContain("environment.BULWARK_PW_ERP_SYNC");
      // The only IDENTIFIED BY is the server-side QUOTE(@variable) construct: no password literal in the script.
      const script = String(cmd.inputs.create);
      expect(script.match(/IDENTIFIED BY /g)).toHaveLength(1);
      expect(script).toContain("IDENTIFIED BY ', QUOTE(@bulwark_pw_erp_sync)");
      const app1 = plan.resources.find(
        (r) => r.type === "aws:ec2/instance:Instance" && r.name === "head-office-app-1",
      )!;
      expect(cmd.propertyDependencies["environment"]).toContain(app1.urn);
      const out = plan.outputs.databases as Record<string, { iamConnectArns: Record<string, string> }>;
      expect(Object.keys(out.orders!.iamConnectArns).sort()).toEqual(["reporting", "shop"]);
    },
    120_000,
  );
});

describe("extra clients by security group id", () => {
  test("a rotation Lambda's group gets its own ingress rule; a malformed id is a ConfigError", async () => {
    const list = dbs();
    list[0] = { ...list[0], extraClients: [{ label: "rotation-lambda", securityGroupId: "sg-0123456789abcdef0" }] };
    // Head office alone, where the database lives: the rule is the database's, whatever the other sites hold.
    const [hq] = prod["bulwark:sites"] as { name: string }[];
    const hosts = (prod["bulwark:hosts"] as { site: string }[] | undefined)?.filter((h) => h.site === hq.name);
    const config = { ...prod, "bulwark:sites": [hq], "bulwark:hosts": hosts, "bulwark:databases": list };
    const plan = await runPlan({ stack: "prod", config, secretKeys });
    const rules = plan.resources.filter(
      (r) =>
        r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.parent?.includes("orders-mysql"),
    );
    expect(rules.map((r) => r.inputs.referencedSecurityGroupId)).toContain("sg-0123456789abcdef0");
    expect(rules).toHaveLength(2);
    list[0] = { ...list[0], extraClients: [{ label: "x", securityGroupId: "0.0.0.0/0" }] };
    const err = configError(list);
    expect(err.issues.find((i) => i.path === "bulwark:databases[0].extraClients[0].securityGroupId")?.fix).toMatch(
      /security group id/,
    );
  }, 120_000);
});
