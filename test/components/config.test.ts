import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CONFIG_KEYS, ConfigError, parseStackConfig } from "../../components/config";
import { readStackFile } from "../../cli/plan-runner";
import { smallConfig } from "./fixtures/estate";

/** Applies `mutate` to a fresh small config and expects one issue at `path` whose text names the value and a fix. */
function expectIssue(mutate: (c: Record<string, any>) => void, path: string, value: RegExp | string, fix: RegExp) {
  const cfg = smallConfig() as Record<string, any>;
  mutate(cfg);
  let err: unknown;
  try {
    parseStackConfig(cfg);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const issue = (err as ConfigError).issues.find((i) => i.path === path);
  if (!issue) throw new Error(`no issue at ${path}; got ${(err as ConfigError).message}`);
  expect(issue.value).toMatch(value);
  expect(issue.fix).toMatch(fix);
  expect((err as Error).message).toContain(path);
}

const site = (c: Record<string, any>, i = 0) => c["bulwark:sites"][i];
const server = (c: Record<string, any>, i = 0) => site(c).servers[i];

describe("stack config", () => {
  test("the small config parses with safe defaults", () => {
    const cfg = parseStackConfig(smallConfig());
    expect(cfg.adminAccess).toMatchObject({
      mode: "session-manager",
      session: { idleTimeoutMinutes: 20, runAsUser: "bulwark-admin" },
    });
    expect(cfg.authorizedWebPorts).toEqual([80, 443]);
    expect(cfg.network).toEqual({ natEgress: false, flowLogRetentionDays: 365 });
    expect(cfg.baseline.enabled).toBe(true);
    expect(cfg.encryption.customerManagedKey).toBe(true);
    expect(cfg.sites[0].servers[0]).toMatchObject({
      os: "ubuntu-24.04",
      rootVolumeGiB: 30,
      publicIp: false,
      allow: [],
      waivers: [],
    });
    expect(cfg.region).toBe("eu-west-1");
  });

  test("structured values may arrive as JSON strings, as the language host passes them", () => {
    const raw = Object.fromEntries(
      Object.entries(smallConfig()).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
    expect(parseStackConfig(raw).sites).toHaveLength(2);
  });

  test("Pulumi.prod.yaml is a head office and ten branches, session-manager only", () => {
    const { config } = readStackFile(path.join(__dirname, "../../Pulumi.prod.yaml"));
    const cfg = parseStackConfig(config);
    expect(cfg.sites.filter((s) => s.kind === "head-office")).toHaveLength(1);
    expect(cfg.sites.filter((s) => s.kind === "branch")).toHaveLength(10);
    expect(cfg.adminAccess.mode).toBe("session-manager");
    expect(new Set(cfg.sites.flatMap((s) => s.servers.map((v) => v.role)))).toEqual(new Set(["web", "app", "db"]));
  });

  test("Pulumi.yaml declares every config key with a type and a description", () => {
    const project = YAML.parse(fs.readFileSync(path.join(__dirname, "../../Pulumi.yaml"), "utf8"));
    expect(project.name).toBe("bulwark");
    const declared = Object.keys(project.config)
      .filter((k) => k.startsWith("bulwark:"))
      .map((k) => k.slice(8));
    expect(declared.sort()).toEqual(CONFIG_KEYS.filter((k) => k !== "region").sort());
    for (const k of declared) {
      expect(project.config[`bulwark:${k}`]).toMatchObject({
        type: expect.any(String),
        description: expect.any(String),
      });
    }
  });

  test.each([
    [
      "environment",
      (c: any) => (c["bulwark:environment"] = "production"),
      "bulwark:environment",
      '"production"',
      /"prod", "staging", "dev"/,
    ],
    ["environment missing", (c: any) => delete c["bulwark:environment"], "bulwark:environment", "nothing", /set it/],
    ["region", (c: any) => (c["aws:region"] = "europe"), "bulwark:region", '"europe"', /eu-west-1/],
    ["unknown key", (c: any) => (c["bulwark:firewal"] = {}), "bulwark:firewal", "an unknown key", /spelling/],
    [
      "network.natEgress",
      (c: any) => (c["bulwark:network"] = { natEgress: "yes" }),
      "bulwark:network.natEgress",
      '"yes"',
      /boolean/,
    ],
    [
      "network.flowLogRetentionDays",
      (c: any) => (c["bulwark:network"] = { flowLogRetentionDays: 100 }),
      "bulwark:network.flowLogRetentionDays",
      "100",
      /CloudWatch retention value/,
    ],
    [
      "authorizedWebPorts range",
      (c: any) => (c["bulwark:authorizedWebPorts"] = [443, 70000]),
      "bulwark:authorizedWebPorts[1]",
      "70000",
      /1 to 65535/,
    ],
    [
      "authorizedWebPorts admin",
      (c: any) => (c["bulwark:authorizedWebPorts"] = [443, 22]),
      "bulwark:authorizedWebPorts[1]",
      "22",
      /never be a web port/,
    ],
    [
      "adminAccess.mode",
      (c: any) => (c["bulwark:adminAccess"] = { mode: "rdp" }),
      "bulwark:adminAccess.mode",
      '"rdp"',
      /session-manager/,
    ],
    [
      "adminAccess.session.idleTimeoutMinutes",
      (c: any) => (c["bulwark:adminAccess"] = { session: { idleTimeoutMinutes: 0 } }),
      "bulwark:adminAccess.session.idleTimeoutMinutes",
      "0",
      /1 to 60/,
    ],
    [
      "adminAccess.session.maxSessionMinutes",
      (c: any) => (c["bulwark:adminAccess"] = { session: { maxSessionMinutes: 5000 } }),
      "bulwark:adminAccess.session.maxSessionMinutes",
      "5000",
      /1440/,
    ],
    [
      "adminAccess.session.runAsUser root",
      (c: any) => (c["bulwark:adminAccess"] = { session: { runAsUser: "root" } }),
      "bulwark:adminAccess.session.runAsUser",
      '"root"',
      /never run sessions as root/,
    ],
    [
      "adminAccess.session.runAsUser shape",
      (c: any) => (c["bulwark:adminAccess"] = { session: { runAsUser: "Admin User" } }),
      "bulwark:adminAccess.session.runAsUser",
      '"Admin User"',
      /Linux user name/,
    ],
    [
      "adminAccess.session.logRetentionDays",
      (c: any) => (c["bulwark:adminAccess"] = { session: { logRetentionDays: 2 } }),
      "bulwark:adminAccess.session.logRetentionDays",
      "2",
      /retention/,
    ],
    [
      "adminAccess.bastion missing",
      (c: any) => (c["bulwark:adminAccess"] = { mode: "bastion" }),
      "bulwark:adminAccess.bastion",
      "nothing",
      /allowedCidrs/,
    ],
    [
      "adminAccess.bastion.allowedCidrs empty",
      (c: any) => (c["bulwark:adminAccess"] = { mode: "bastion", bastion: { allowedCidrs: [] } }),
      "bulwark:adminAccess.bastion.allowedCidrs",
      "[]",
      /list the CIDRs/,
    ],
    [
      "adminAccess.bastion.allowedCidrs internet",
      (c: any) => (c["bulwark:adminAccess"] = { mode: "bastion", bastion: { allowedCidrs: ["0.0.0.0/0"] } }),
      "bulwark:adminAccess.bastion.allowedCidrs[0]",
      '"0.0.0.0/0"',
      /never allowed/,
    ],
    [
      "adminAccess.bastion.allowedCidrs public",
      (c: any) => (c["bulwark:adminAccess"] = { mode: "bastion", bastion: { allowedCidrs: ["198.51.100.0/24"] } }),
      "bulwark:adminAccess.bastion.allowedCidrs[0]",
      '"198.51.100.0/24"',
      /ec2-security-group-disallow-internet-admin-ingress/,
    ],
    [
      "adminAccess.bastion.allowedCidrs bad",
      (c: any) => (c["bulwark:adminAccess"] = { mode: "bastion", bastion: { allowedCidrs: ["10.0.0/8"] } }),
      "bulwark:adminAccess.bastion.allowedCidrs[0]",
      '"10.0.0/8"',
      /address\/prefix/,
    ],
    [
      "encryption.customerManagedKey",
      (c: any) => (c["bulwark:encryption"] = { customerManagedKey: "true" }),
      "bulwark:encryption.customerManagedKey",
      '"true"',
      /boolean/,
    ],
    [
      "baseline.enabled",
      (c: any) => (c["bulwark:baseline"] = { enabled: 1 }),
      "bulwark:baseline.enabled",
      "1",
      /boolean/,
    ],
    [
      "baseline.alertEmails",
      (c: any) => (c["bulwark:baseline"] = { alertEmails: ["security"] }),
      "bulwark:baseline.alertEmails[0]",
      '"security"',
      /e-mail/,
    ],
    [
      "baseline.logRetentionDays",
      (c: any) => (c["bulwark:baseline"] = { logRetentionDays: 1000 }),
      "bulwark:baseline.logRetentionDays",
      "1000",
      /retention/,
    ],
    [
      "patching.approveAfterDays",
      (c: any) => (c["bulwark:patching"] = { approveAfterDays: 365 }),
      "bulwark:patching.approveAfterDays",
      "365",
      /0 to 100/,
    ],
    [
      "patching.schedule",
      (c: any) => (c["bulwark:patching"] = { schedule: "sundays" }),
      "bulwark:patching.schedule",
      '"sundays"',
      /cron\(0 3/,
    ],
    [
      "patching.durationHours",
      (c: any) => (c["bulwark:patching"] = { durationHours: 48 }),
      "bulwark:patching.durationHours",
      "48",
      /./,
    ],
    [
      "patching.cutoffHours",
      (c: any) => (c["bulwark:patching"] = { durationHours: 2, cutoffHours: 2 }),
      "bulwark:patching.cutoffHours",
      "2",
      /shorter than durationHours/,
    ],
    [
      "patching.scanSchedule",
      (c: any) => (c["bulwark:patching"] = { scanSchedule: "daily" }),
      "bulwark:patching.scanSchedule",
      '"daily"',
      /rate\(1 day\)/,
    ],
    ["sites empty", (c: any) => (c["bulwark:sites"] = []), "bulwark:sites", "[]", /head office/],
    ["sites head office count", (c: any) => (site(c, 1).kind = "head-office"), "bulwark:sites", "2", /exactly one/],
    [
      "sites[].name",
      (c: any) => (site(c).name = "Head Office"),
      "bulwark:sites[0].name",
      '"Head Office"',
      /lower-case/,
    ],
    ["sites[].name unique", (c: any) => (site(c, 1).name = "hq"), "bulwark:sites[1].name", '"hq"', /unique/],
    ["sites[].kind", (c: any) => (site(c).kind = "hq"), "bulwark:sites[0].kind", '"hq"', /"head-office", "branch"/],
    [
      "sites[].cidr public",
      (c: any) => (site(c).cidr = "52.0.0.0/16"),
      "bulwark:sites[0].cidr",
      '"52.0.0.0/16"',
      /private IPv4/,
    ],
    [
      "sites[].cidr size",
      (c: any) => (site(c).cidr = "10.0.0.0/8"),
      "bulwark:sites[0].cidr",
      '"10.0.0.0/8"',
      /\/16 and \/24/,
    ],
    [
      "sites[].cidr overlap",
      (c: any) => (site(c, 1).cidr = "10.10.16.0/20"),
      "bulwark:sites[1].cidr",
      '"10.10.16.0/20"',
      /overlaps sites\[0\]/,
    ],
    [
      "sites[].servers[].name",
      (c: any) => (server(c).name = "web_1"),
      "bulwark:sites[0].servers[0].name",
      '"web_1"',
      /lower-case/,
    ],
    [
      "sites[].servers[].name unique",
      (c: any) => (server(c, 1).name = "web-1"),
      "bulwark:sites[0].servers[1].name",
      '"web-1"',
      /unique/,
    ],
    [
      "sites[].servers[].role",
      (c: any) => (server(c).role = "mail"),
      "bulwark:sites[0].servers[0].role",
      '"mail"',
      /"web", "app", "db"/,
    ],
    [
      "sites[].servers[].role bastion",
      (c: any) => (server(c).role = "bastion"),
      "bulwark:sites[0].servers[0].role",
      '"bastion"',
      /adminAccess\.mode: bastion/,
    ],
    [
      "sites[].servers[].instanceType",
      (c: any) => (server(c).instanceType = "big"),
      "bulwark:sites[0].servers[0].instanceType",
      '"big"',
      /t3\.small/,
    ],
    [
      "sites[].servers[].os",
      (c: any) => (server(c).os = "windows-2019"),
      "bulwark:sites[0].servers[0].os",
      '"windows-2019"',
      /ubuntu-24\.04/,
    ],
    [
      "sites[].servers[].ami",
      (c: any) => (server(c).ami = "ubuntu"),
      "bulwark:sites[0].servers[0].ami",
      '"ubuntu"',
      /ami-0123456789abcdef0/,
    ],
    [
      "sites[].servers[].rootVolumeGiB",
      (c: any) => (server(c).rootVolumeGiB = 4),
      "bulwark:sites[0].servers[0].rootVolumeGiB",
      "4",
      /at least 8 GiB/,
    ],
    [
      "sites[].servers[].publicIp",
      (c: any) => (server(c).publicIp = true),
      "bulwark:sites[0].servers[0].publicIp",
      "true",
      /ec2-instance-disallow-public-ip/,
    ],
    [
      "sites[].servers[].allow internet admin",
      (c: any) => (server(c).allow = [{ from: "internet", ports: [22] }]),
      "bulwark:sites[0].servers[0].allow[0]",
      /tcp22/,
      /Session Manager/,
    ],
    [
      "sites[].servers[].allow internet other",
      (c: any) => (server(c).allow = [{ from: "internet", ports: [8443] }]),
      "bulwark:sites[0].servers[0].allow[0]",
      /tcp8443/,
      /ec2-security-group-disallow-internet-unauthorized-ingress/,
    ],
    // 8080 is high-risk (EC2.19): the same admin-ingress waiver the pack asks for (issue 10).
    [
      "sites[].servers[].allow internet high-risk",
      (c: any) => (server(c).allow = [{ from: "internet", ports: [8080] }]),
      "bulwark:sites[0].servers[0].allow[0]",
      /tcp8080/,
      /ec2-security-group-disallow-internet-admin-ingress/,
    ],
    [
      "sites[].servers[].allow ports",
      (c: any) => (server(c).allow = [{ from: "10.0.0.0/8", ports: ["http"] }]),
      "bulwark:sites[0].servers[0].allow[0].ports[0]",
      '"http"',
      /443/,
    ],
    [
      "sites[].servers[].allow range",
      (c: any) => (server(c).allow = [{ from: "10.0.0.0/8", ports: ["90-80"] }]),
      "bulwark:sites[0].servers[0].allow[0].ports",
      /90-80/,
      /reversed/,
    ],
    [
      "sites[].servers[].allow from",
      (c: any) => (server(c).allow = [{ from: "everyone", ports: [443] }]),
      "bulwark:sites[0].servers[0].allow[0].from",
      '"everyone"',
      /address\/prefix/,
    ],
    [
      "sites[].servers[].waivers",
      (c: any) =>
        (server(c).waivers = [
          { policy: "ec2-instance-disallow-public-ip", reason: "short", approver: "me@x.com", expires: "2099-01-01" },
        ]),
      "bulwark:sites[0].servers[0].waivers[0].reason",
      '"short"',
      /at least 10 characters/,
    ],
    [
      "sites[].servers[].waivers expires",
      (c: any) =>
        (server(c).waivers = [
          {
            policy: "ec2-instance-disallow-public-ip",
            reason: "a long enough reason",
            approver: "me@x.com",
            expires: "31/12/2099",
          },
        ]),
      "bulwark:sites[0].servers[0].waivers[0].expires",
      '"31/12/2099"',
      /YYYY-MM-DD/,
    ],
  ])("%s: names the field, the value and the fix", (_label, mutate, p, value, fix) => {
    expectIssue(mutate, p, value, fix);
  });

  test("one pass reports every bad value, cross-field ones included", () => {
    const c = smallConfig() as Record<string, any>;
    c["bulwark:environment"] = "production";
    server(c).allow = [{ from: "internet", ports: [22] }];
    site(c, 1).cidr = "10.10.0.0/20";
    let err: ConfigError | undefined;
    try {
      parseStackConfig(c);
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.issues.map((i) => i.path).sort()).toEqual([
      "bulwark:environment",
      "bulwark:sites[0].servers[0].allow[0]",
      "bulwark:sites[1].cidr",
    ]);
  });

  test("a config of the wrong shape fails on the shape alone", () => {
    expect(() => parseStackConfig({ "bulwark:environment": "prod", "bulwark:sites": "nope" })).toThrow(
      /bulwark:sites: got "nope": expected array. Fix: write an array/,
    );
  });

  test("a bad secret value is reported by path, never by value", () => {
    const c = smallConfig() as Record<string, any>;
    c["bulwark:baseline"] = { alertEmails: ["s3cr3t-not-an-email"] };
    let err: ConfigError | undefined;
    try {
      parseStackConfig(c, { secretKeys: ["bulwark:baseline"] });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.issues[0]).toMatchObject({ path: "bulwark:baseline.alertEmails[0]", value: "[secret]" });
    expect(err?.message).not.toContain("s3cr3t");
  });

  test("the program reads secretness from the engine's config (loadStackConfig)", () => {
    const pulumi = require("@pulumi/pulumi");
    const { loadStackConfig } = require("../../components/config");
    const c = smallConfig() as Record<string, any>;
    c["bulwark:baseline"] = { alertEmails: ["s3cr3t-not-an-email"] };
    pulumi.runtime.setAllConfig(
      Object.fromEntries(Object.entries(c).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
      ["bulwark:baseline"],
    );
    expect(() => loadStackConfig()).toThrow(/bulwark:baseline\.alertEmails\[0\]: got \[secret\]/);
  });

  test("a public IP or an internet rule with its waiver is accepted", () => {
    const c = smallConfig() as Record<string, any>;
    server(c).publicIp = true;
    server(c).allow = [{ from: "internet", ports: [8443] }];
    server(c).waivers = [
      {
        policy: "ec2-instance-disallow-public-ip",
        reason: "Vendor appliance until Q3",
        approver: "ciso@example.com",
        expires: "2099-01-01",
      },
      {
        policy: "ec2-security-group-disallow-internet-unauthorized-ingress",
        reason: "Partner API on 8443",
        approver: "ciso@example.com",
        expires: "2099-01-01",
      },
    ];
    expect(parseStackConfig(c).sites[0].servers[0].publicIp).toBe(true);
  });
});
