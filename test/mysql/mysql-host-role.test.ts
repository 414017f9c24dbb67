/**
 * The MySQL role delivered to EC2 db servers through SSM (components/host/mysql-host-role.ts), through the offline plan
 * runner on the prod stack (the path `bulwark plan` takes), plus the document's script checked by bash and
 * shellcheck and run against a temp root (BULWARK_ROOT) to prove the files it writes. Runs as root (chown).
 */
import { createHash } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import * as YAML from "yaml";
import type { PlannedResource, PlanResult } from "../../cli/plan-runner";
import { parseStackConfig } from "../../components/config";
import { archiveEntries } from "../../components/host/loader";
import { readStackFile } from "../../cli/plan-runner";
import { DB_PORT } from "../../components/estate";
import { renderMysqlHardening } from "../../components/host/mysql";
import {
  MYSQL_HOST_ROLE_FORMER_TYPE,
  MYSQL_ROLE_DIR,
  MysqlHostRole,
  mysqlRoleDocument,
  renderMysqlRoleScript,
} from "../../components/host/mysql-host-role";
import { record } from "../components/harness";
import { prodPlan } from "../setup/prod-plan";

const DOC = "aws:ssm/document:Document";
const ASSOC = "aws:ssm/association:Association";
const ROLE = "bulwark:host:MysqlHostRole";
const SERVER = "bulwark:compute:HardenedServer";

// As the engine gives it: secrets decrypted (offline: a placeholder) and named as secret.
const { config: prodRaw, secretKeys } = readStackFile(path.join(__dirname, "../../Pulumi.prod.yaml"));
const prod = parseStackConfig(prodRaw, { secretKeys });
const dbServers = prod.sites.flatMap((s) =>
  s.servers.filter((v) => v.role === "db").map((v) => ({ site: s.name, ...v })),
);

interface Doc {
  schemaVersion: string;
  mainSteps: { action: string; inputs: { runCommand: string[] } }[];
}
const scriptOf = (doc: PlannedResource) =>
  (JSON.parse(String(doc.inputs.content)) as Doc).mainSteps[0]!.inputs.runCommand.join("\n") + "\n";

/** The role's files as the script encodes them: `put DEST MODE OWNER GROUP 'base64'`. */
function encodedFiles(script: string) {
  return [...script.matchAll(/^put "([^"]+)" (\d{4}) (\w+) (\w+) '([A-Za-z0-9+/=]+)'$/gm)].map((m) => ({
    dest: m[1]!,
    mode: m[2]!,
    owner: m[3]!,
    group: m[4]!,
    content: Buffer.from(m[5]!, "base64").toString(),
  }));
}

let plan: PlanResult;
beforeAll(async () => {
  plan = await prodPlan();
}, 120_000);

const byUrn = (urn: string | undefined) => plan.resources.find((r) => r.urn === urn);
const childrenOf = (urn: string, type: string) => plan.resources.filter((r) => r.parent === urn && r.type === type);

describe("prod db servers get the MySQL role through SSM", () => {
  test(
    "every db server: one MysqlHostRole under its server, a " +
      "Command document and a CRITICAL daily association on its instance",
    () => {
      expect(dbServers.length).toBeGreaterThanOrEqual(2);
      const roles = plan.resources.filter((r) => r.type === ROLE);
      expect(roles).toHaveLength(dbServers.length);
      for (const s of dbServers) {
        const server = plan.resources.find((r) => r.type === SERVER && r.name === `${s.site}-${s.name}`)!;
        expect(server).toBeDefined();
        const [role] = childrenOf(server.urn, ROLE);
        expect(role?.name).toBe(`${s.site}-${s.name}-mysql`);
        const docs = childrenOf(role!.urn, DOC);
        const assocs = childrenOf(role!.urn, ASSOC);
        expect(docs).toHaveLength(1);
        expect(assocs).toHaveLength(1);
        const doc = JSON.parse(String(docs[0]!.inputs.content)) as Doc;
        expect(docs[0]!.inputs).toMatchObject({ documentType: "Command", documentFormat: "JSON" });
        expect(doc.schemaVersion).toBe("2.2");
        expect(doc.mainSteps.map((m) => m.action)).toEqual(["aws:runShellScript"]);
        expect(Buffer.byteLength(String(docs[0]!.inputs.content))).toBeLessThan(64 * 1024);
        // The association runs this document on this server's instance, at creation and daily.
        const instance = childrenOf(server.urn, "aws:ec2/instance:Instance")[0]!;
        expect(assocs[0]!.inputs).toMatchObject({
          complianceSeverity: "CRITICAL",
          scheduleExpression: "rate(1 day)",
          applyOnlyAtCronInterval: false,
        });
        expect(assocs[0]!.inputs.name).toBe(docs[0]!.inputs.name ?? docs[0]!.name);
        const targets = assocs[0]!.inputs.targets as { key: string; values: string[] }[];
        expect(targets).toHaveLength(1);
        expect(targets[0]!.key).toBe("InstanceIds");
        expect(targets[0]!.values).toEqual([
          (plan.outputs.instanceIds as Record<string, string>)[`${s.site}/${s.name}`],
        ]);
        expect(assocs[0]!.dependencies).toContain(instance.urn);
      }
    },
  );

  test("non-db servers and the bastion have no role, document or association", () => {
    const under = (r: PlannedResource, ancestor: string): boolean =>
      r.parent === ancestor || (r.parent !== undefined && under(byUrn(r.parent)!, ancestor));
    const servers = plan.resources.filter((r) => r.type === SERVER);
    const nonDb = servers.filter(
      (s) =>
        (childrenOf(s.urn, "aws:ec2/instance:Instance")[0]!.inputs.tags as Record<string, string>)["bulwark:role"] !==
        "db",
    );
    expect(nonDb.length).toBe(servers.length - dbServers.length);
    expect(nonDb.some((s) => s.name.endsWith("-bastion"))).toBe(prod.adminAccess.mode === "bastion");
    for (const s of nonDb) {
      expect(
        plan.resources.filter((r) => [ROLE, DOC, ASSOC].includes(r.type) && under(r, s.urn)).map((r) => r.name),
      ).toEqual([]);
    }
    for (const r of plan.resources.filter((x) => x.type === ROLE))
      expect(nonDb.map((s) => s.urn)).not.toContain(r.parent);
  });

  test("the document's script is the role for the server's platform, bash -n and shellcheck clean", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-ssm-"));
    try {
      // Servers on one platform carry the same script: each distinct one goes through the tools once.
      const checked = new Set<string>();
      for (const s of dbServers) {
        const role = plan.resources.find((r) => r.type === ROLE && r.name === `${s.site}-${s.name}-mysql`)!;
        const script = scriptOf(childrenOf(role.urn, DOC)[0]!);
        const platform = s.os === "amazonlinux-2023" ? "amazon" : "debian";
        expect(script).toBe(renderMysqlRoleScript({ platform, bindAddress: "auto", port: DB_PORT }));
        if (checked.has(script)) continue;
        checked.add(script);
        const file = path.join(tmp, `${s.site}-${s.name}.sh`);
        fs.writeFileSync(file, script);
        execFileSync("bash", ["-n", file]);
        const sc = spawnSync("shellcheck", ["-s", "bash", "-S", "style", file], { encoding: "utf8" });
        expect(sc.error).toBeUndefined();
        expect(sc.stdout + sc.stderr).toBe("");
        expect(sc.status).toBe(0);
      }
      expect(checked.size).toBe(new Set(dbServers.map((s) => s.os === "amazonlinux-2023")).size);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test.each([["amazon"], ["debian"]] as const)(
    "%s: the encoded files decode byte-identical to renderMysqlHardening",
    (platform) => {
      const input = { platform, bindAddress: "auto", port: DB_PORT };
      const role = renderMysqlHardening(input);
      const files = encodedFiles(renderMysqlRoleScript(input));
      expect(files).toEqual([
        { dest: "$CONF", mode: "0640", owner: "root", group: "mysql", content: role.files[0]!.content },
        { dest: "$DIR/lib/50-mysql.apply.sh", mode: "0700", owner: "root", group: "root", content: role.apply },
        { dest: "$DIR/lib/mysql.verify.sh", mode: "0700", owner: "root", group: "root", content: role.verify },
      ]);
      expect(role.files).toHaveLength(1);
      expect(renderMysqlRoleScript(input)).toContain(`CONF="$ROOT"'${role.files[0]!.path}'`);
    },
  );

  test(
    "AIDE is re-baselined only after this run's own approved " +
      "changes (install or config), and only after verify passed",
    () => {
      const script = renderMysqlRoleScript({ platform: "debian", bindAddress: "auto", port: DB_PORT });
      const lines = script.split("\n");
      const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
      const verify = at(/mysql\.verify\.sh" \|\| die/);
      const rebaseline = at(/aide --config '\/etc\/bulwark\/aide\.conf' --init/);
      expect(verify).toBeGreaterThan(0);
      expect(rebaseline).toBeGreaterThan(verify);
      expect(lines[rebaseline - 1]).toMatch(
        /^if \[ "\$approved" = 1 \] && \[ -s '\/var\/lib\/bulwark\/aide\/aide\.db' \]; then$/,
      );
      // approved is set by an install or a config change, never by a no-op daily run
      expect(lines.filter((l) => /approved=1/.test(l))).toHaveLength(2);
      expect(script).toMatch(/could not install mariadb-server"; approved=1; fi/);
      expect(script).toMatch(/!= "\$before" \]; then approved=1; fi/);
    },
  );
  test(
    "run against a temp root: writes the config and hooks " +
      "with the intended content, modes and owners, nothing else",
    () => {
      if (process.getuid?.() !== 0) throw new Error("run as root: the script sets root:mysql ownership");
      if (spawnSync("getent", ["group", "mysql"]).status !== 0)
        throw new Error("no mysql group: apt-get install mariadb-server (test/mysql prerequisites)");
      const input = { platform: "amazon", bindAddress: "auto", port: DB_PORT } as const;
      const role = renderMysqlHardening(input);
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-ssm-root-"));
      try {
        const script = path.join(root, "..", `${path.basename(root)}.sh`);
        fs.writeFileSync(script, renderMysqlRoleScript(input));
        // As SSM runs it: `sh _script.sh` (the guard re-executes under bash).
        const r = spawnSync("sh", [script], { env: { ...process.env, BULWARK_ROOT: root }, encoding: "utf8" });
        fs.rmSync(script);
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        const stat = (p: string) => execFileSync("stat", ["-c", "%a %U %G", p], { encoding: "utf8" }).trim();
        const want: [string, string, string][] = [
          [role.files[0]!.path, role.files[0]!.content, "640 root mysql"],
          [`${MYSQL_ROLE_DIR}/lib/50-mysql.apply.sh`, role.apply, "700 root root"],
          [`${MYSQL_ROLE_DIR}/lib/mysql.verify.sh`, role.verify, "700 root root"],
        ];
        for (const [p, content, perm] of want) {
          expect(fs.readFileSync(path.join(root, p), "utf8")).toBe(content);
          expect(stat(path.join(root, p))).toBe(perm);
        }
        expect(stat(path.join(root, MYSQL_ROLE_DIR))).toBe("700 root root");
        const all = execFileSync("find", [root, "-type", "f"], { encoding: "utf8" }).trim().split("\n").sort();
        expect(all).toEqual(want.map(([p]) => path.join(root, p)).sort());
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
  );

  test("no secret in the document: passwords are generated on the host, never rendered", () => {
    const input = {
      platform: "amazon",
      bindAddress: "auto",
      apps: [{ name: "shop", host: "10.0.0.0/255.255.0.0", database: "shop", privileges: ["SELECT"] }],
    };
    const doc = mysqlRoleDocument(input);
    const files = encodedFiles(renderMysqlRoleScript(input));
    const decoded = files.map((f) => f.content).join("\n");
    // The apply generates shop's password into a root-only file and sends it to the server as hex from there.
    expect(decoded).toContain('"$SECRETS/shop.password"');
    expect(decoded).toContain("/dev/urandom");
    expect(decoded).toContain("IDENTIFIED BY ', QUOTE(@bulwark_pw_shop)");
    expect(decoded).not.toMatch(/IDENTIFIED (BY|WITH \w+ (AS|BY)) '[^,]/i);
    expect(decoded).not.toMatch(/MYSQL_PWD=|--password[= ]|-u \w+ -p/);
    for (const d of plan.resources.filter((r) => r.type === DOC && byUrn(r.parent)?.type === ROLE)) {
      expect(d.secretPaths ?? []).toEqual([]);
      expect(
        scriptOf(d) +
          encodedFiles(scriptOf(d))
            .map((f) => f.content)
            .join(""),
      ).not.toMatch(/IDENTIFIED (BY|WITH \w+ (AS|BY)) '[^,]|MYSQL_PWD=/i);
    }
    expect(doc).not.toMatch(/enrolment|SecureString/);
  });

  test(
    "the bundle is unchanged: db bundles without the role, " +
      "every loader under 16 KiB, host verify has no MySQL check",
    () => {
      const instances = plan.resources.filter((r) => r.type === "aws:ec2/instance:Instance");
      expect(instances.length).toBeGreaterThan(dbServers.length);
      for (const i of instances) {
        const gz = Buffer.from(String(i.inputs.userDataBase64), "base64");
        expect(gz.length).toBeLessThanOrEqual(16384);
        // The loader pins one S3 object (by key and sha256): that archive is the bundle the server boots.
        const doc = YAML.parse(gunzipSync(gz).toString()) as { runcmd: string[][] };
        const cfg = JSON.parse(doc.runcmd[0][2]) as { key: string; sha256: string };
        const o = plan.resources.find(
          (r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2" && r.inputs.key === cfg.key,
        );
        const archive = String(o?.inputs.content);
        expect(createHash("sha256").update(archive).digest("hex")).toBe(cfg.sha256);
        const files = archiveEntries(archive);
        expect([...files.keys()].filter((p) => /mysql/.test(p))).toEqual([]);
        if ((i.inputs.tags as Record<string, string>)["bulwark:role"] === "db") {
          // The db port is still open in the host firewall (from the site), as the tier security group has it.
          const nft = [...files.entries()].find(([p]) => /nftables/.test(p) && p.endsWith(".conf"))![1];
          expect(nft).toContain(`tcp dport ${DB_PORT} accept`);
        }
      }
    },
  );
});

describe("MysqlHostRole args", () => {
  test("a public bind address is refused naming the field, and nothing is created", async () => {
    let err: Error | undefined;
    const r = await record(() => {
      try {
        new MysqlHostRole("db", { instanceId: "i-0123456789abcdef0", mysql: { bindAddress: "0.0.0.0" } });
      } catch (e) {
        err = e as Error;
      }
    });
    expect(err?.message).toMatch(/mysql\.bindAddress/);
    expect(err?.message).toMatch(/0\.0\.0\.0/);
    expect(r.resources.filter((x) => x.type === DOC || x.type === ASSOC || x.type === ROLE)).toEqual([]);
  });

  test("a bad schedule is refused with the fix", () => {
    expect(
      () => new MysqlHostRole("db", { instanceId: "i-1", mysql: { bindAddress: "auto" }, schedule: "daily" }),
    ).toThrow(/schedule[\s\S]*rate\(1 day\)/);
  });
});

/** The alias specs the SDK sends with each registration (the mock monitor receives the real protobuf). */
interface AliasRequest {
  getType(): string;
  getName(): string;
  getAliasesList(): { getSpec(): { getType(): string; getName(): string; getNoparent(): boolean } | undefined }[];
}

describe("MysqlHostRole keeps existing stacks' URNs", () => {
  test(
    "it registers as bulwark:host:MysqlHostRole with an " + "alias to its former type, so no stack replaces it",
    async () => {
      const sent: { type: string; name: string; aliases: { type: string; name: string; noParent: boolean }[] }[] = [];
      const r = await record(() => {
        const settings = require("@pulumi/pulumi/runtime/settings") as {
          getMonitor(): { registerResource(req: AliasRequest, cb: unknown): void };
        };
        const monitor = settings.getMonitor();
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req, cb) => {
          const aliases = req.getAliasesList().flatMap((a) => {
            const spec = a.getSpec();
            return spec ? [{ type: spec.getType(), name: spec.getName(), noParent: spec.getNoparent() }] : [];
          });
          sent.push({ type: req.getType(), name: req.getName(), aliases });
          register(req, cb);
        };
        new MysqlHostRole("db", { instanceId: "i-0123456789abcdef0", mysql: { bindAddress: "auto" } });
      });
      expect(MYSQL_HOST_ROLE_FORMER_TYPE).toBe("bulwark:host:MysqlRole");
      const role = r.resources.find((x) => x.type === ROLE);
      expect(role?.urn).toBe("urn:pulumi:prod::bulwark::bulwark:host:MysqlHostRole::db");
      // Same name, same parent (none here), former type: the engine maps the old URN to this one, and its
      // children's old URNs (parent type in their URN) through the parent's alias.
      expect(sent.find((x) => x.type === ROLE)?.aliases).toEqual([
        { type: MYSQL_HOST_ROLE_FORMER_TYPE, name: "", noParent: false },
      ]);
      expect(r.resources.filter((x) => x.type === MYSQL_HOST_ROLE_FORMER_TYPE)).toEqual([]);
    },
  );
});
