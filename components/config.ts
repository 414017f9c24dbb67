/**
 * The one schema for the whole stack config (`bulwark:*` keys in Pulumi.<stack>.yaml). Every bad value becomes a
 * `ConfigError` naming the field path, the value and the fix, before any resource exists.
 */
import { BulwarkError, formatIssues, maskCiphertext, type Issue } from "./errors";
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { waiverSchema, type Waiver } from "../policies/src/waiver";
import { DEFAULT_AUTHORIZED_WEB_PORTS, LOG_RETENTION_DAYS } from "./controls";
import { DEFAULT_REMOTE_ADMIN_PORTS } from "../policies/src/exposure";
import { coversInternet, isAnywhere, judgeIngress, normaliseRules, parseCidr } from "./rules";
import { databaseConfigSchema, databaseCrossChecks } from "./database/managed-mysql-args";
import { hostStackSchema } from "./host/stack";
import { ssmScheduleSchema } from "./patching/ssm-schedule";
import { hostsCrossChecks, hostsSchema, plaintextKeyIssue } from "./host/hosts-config";
import { optOutSchema } from "./common";
import { switchField } from "./switch";

/** Config namespace: the Pulumi project name. */
export const PROJECT = "bulwark";

export class ConfigError extends BulwarkError {
  constructor(rawIssues: ConfigIssue[]) {
    const issues = rawIssues.map((i) => ({
      ...i,
      path: maskCiphertext(i.path),
      value: maskCiphertext(i.value),
      problem: maskCiphertext(i.problem),
      fix: maskCiphertext(i.fix),
    }));
    super(formatIssues("stack config", issues), issues);
  }
}

/** A config problem: the shared Issue (path like `bulwark:sites[2].servers[0].role`; secret values masked). */
export type ConfigIssue = Issue;

const slug = (what: string) =>
  z
    .string()
    .min(1, `give the ${what} a name`)
    .max(32, `keep the ${what} name to 32 characters`)
    .regex(/^[a-z][a-z0-9-]*$/, `use lower-case letters, digits and '-' for the ${what} name, starting with a letter`);

const cidrSchema = z.string().superRefine((v, ctx) => {
  try {
    parseCidr(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
  }
});

const port = z
  .number()
  .int("use a whole port number")
  .min(1, "use a port from 1 to 65535")
  .max(65535, "use a port from 1 to 65535");

const retention = z.number().refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), {
  message: `use a CloudWatch retention value: ${LOG_RETENTION_DAYS.join(", ")}`,
});

export const ROLES = ["web", "app", "db", "bastion"] as const;
export type Role = (typeof ROLES)[number];

export const OPERATING_SYSTEMS = ["ubuntu-24.04", "ubuntu-22.04", "debian-12", "amazonlinux-2023"] as const;
export type OperatingSystem = (typeof OPERATING_SYSTEMS)[number];

/** Bulwark's own ingress rule spelling, shared by the config and Firewall's `ingress` arg. */
export const ruleSchema = z
  .object({
    from: z.union([z.literal("internet"), cidrSchema]).describe("a CIDR or 'internet'"),
    ports: z
      .array(z.union([port, z.string().regex(/^\d{1,5}(-\d{1,5})?$/, "write a port as 443 or a range as 8000-8100")]))
      .min(1, "list at least one port"),
    protocol: z.enum(["tcp", "udp"]).default("tcp"),
    description: z.string().max(255).optional(),
  })
  .strict();

const serverSchema = z
  .object({
    name: slug("server"),
    role: z.enum(ROLES),
    instanceType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\d[a-z0-9-]*\.[a-z0-9]+$/, "use an EC2 instance type such as t3.small")
      .optional(),
    os: z.enum(OPERATING_SYSTEMS).default("ubuntu-24.04"),
    ami: z
      .string()
      .regex(/^ami-[0-9a-f]{8,17}$/, "use an AMI id such as ami-0123456789abcdef0, or omit it")
      .optional(),
    rootVolumeGiB: z.number().int().min(8, "give the root volume at least 8 GiB").max(16384).default(30),
    /** Extra ingress beyond the role defaults. Internet sources obey the authorized-web-ports rule. */
    allow: z.array(ruleSchema).default([]),
    /** Named opt-outs for this server (public IP, internet ingress...): reason, approver, expiry. */
    waivers: z.array(waiverSchema).default([]),
    publicIp: z.boolean().default(false),
  })
  .strict();

const siteSchema = z
  .object({
    name: slug("site"),
    kind: z.enum(["head-office", "branch"]),
    cidr: cidrSchema,
    servers: z.array(serverSchema).default([]),
  })
  .strict();

const sessionSchema = z
  .object({
    idleTimeoutMinutes: z.number().int().min(1, "use 1 to 60 minutes").max(60, "use 1 to 60 minutes").default(20),
    maxSessionMinutes: z.number().int().min(1).max(1440, "use at most 1440 minutes (24 h)").default(240),
    runAsUser: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "use a Linux user name (lower case, up to 32 characters)")
      .refine((u) => u !== "root", "never run sessions as root: use an unprivileged admin user")
      .default("bulwark-admin"),
    logRetentionDays: retention.default(365),
  })
  .strict();

const adminAccessSchema = z
  .object({
    mode: z.enum(["session-manager", "bastion"]).default("session-manager"),
    session: sessionSchema.default(sessionSchema.parse({})),
    bastion: z
      .object({
        allowedCidrs: z.array(cidrSchema).min(1, "list the CIDRs allowed to reach the bastion"),
        instanceType: z.string().default("t3.micro"),
        waivers: z.array(waiverSchema).default([]),
      })
      .strict()
      .optional(),
  })
  .strict();

const baseSchema = z
  .object({
    environment: z.enum(["prod", "staging", "dev"]),
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "use an AWS region such as eu-west-1")
      .optional(),
    network: z
      .object({
        natEgress: z.boolean().default(false),
        flowLogRetentionDays: retention.default(365),
      })
      .strict()
      .default({ natEgress: false, flowLogRetentionDays: 365 }),
    authorizedWebPorts: z
      .array(port)
      .min(1)
      .default([...DEFAULT_AUTHORIZED_WEB_PORTS]),
    /** Ranges that are not the internet beyond RFC 1918/ULA/loopback/link-local and the site CIDRs (exposure model). */
    internalCidrs: z.array(cidrSchema).default([]),
    adminAccess: adminAccessSchema.default(adminAccessSchema.parse({})),
    // Hardening switches: on by default; off only as {enabled: false, waiver} (components/switch.ts).
    encryption: z
      .object({ customerManagedKey: switchField("encryption.customerManagedKey").prefault(true) })
      .strict()
      .prefault({}),
    /** Instances' termination protection; default on in prod only. */
    terminationProtection: switchField("terminationProtection", true).optional(),
    detailedMonitoring: switchField("detailedMonitoring", true).prefault(true),
    baseline: z
      .object({
        enabled: z.boolean().default(true),
        /** Required to turn the baseline off (enabled: false). */
        waiver: optOutSchema.optional(),
        alertEmails: z.array(z.email("use an e-mail address")).default([]),
        logRetentionDays: retention.default(365),
      })
      .strict()
      .refine((b) => b.enabled || b.waiver !== undefined, {
        path: ["enabled"],
        message:
          "baseline.enabled: false turns off GuardDuty, Inspector, CloudTrail and Security Hub and needs a " +
          "waiver: add baseline.waiver {reason (at least 10 characters), approver, expires: YYYY-MM-DD}",
      })
      .prefault({}),
    patching: z
      .object({
        approveAfterDays: z.number().int().min(0).max(100, "use 0 to 100 days").default(7),
        schedule: ssmScheduleSchema.default("cron(0 3 ? * SUN *)"),
        durationHours: z.number().int().min(1).max(24).default(3),
        cutoffHours: z.number().int().min(0).max(23).default(1),
        scanSchedule: ssmScheduleSchema.default("rate(1 day)"),
      })
      .strict()
      .default({
        approveAfterDays: 7,
        schedule: "cron(0 3 ? * SUN *)",
        durationHours: 3,
        cutoffHours: 1,
        scanSchedule: "rate(1 day)",
      }),
    sites: z.array(siteSchema).min(1, "declare at least the head office"),
    /** Managed RDS MySQL databases (ManagedMySql); see components/database/managed-mysql-args.ts. */
    databases: z.array(databaseConfigSchema).default([]),
    /**
     * On-host hardening for every server, delivered as user data (components/host/stack.ts). Never optional: a
     * missing section takes the safe defaults and still needs the IDS target (a server never boots unhardened).
     */
    host: hostStackSchema.prefault({ ids: undefined }),
    /** Existing servers hardened over SSH (components/host/hosts-config.ts); their key is the secret hostsSshKey. */
    hosts: hostsSchema,
    hostsSshKey: z.string().min(1).optional(),
  })
  .strict();

/**
 * Cross-field checks run even when other fields failed, so one pass reports every bad value. On a config that is
 * malformed where a check reads it, that check stops quietly: the field's own error is already reported.
 */
export const stackConfigSchema = baseSchema.check(
  z.superRefine(
    (c: z.output<typeof baseSchema>, ctx) => {
      try {
        crossFieldChecks(c, ctx);
      } catch {
        // malformed input already reported by the base schema
      }
    },
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  ),
);

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type SiteConfig = StackConfig["sites"][number];
export type ServerConfig = SiteConfig["servers"][number];
export type AdminAccessConfig = StackConfig["adminAccess"];

function crossFieldChecks(c: z.output<typeof baseSchema>, ctx: z.RefinementCtx): void {
  const add = (path: (string | number)[], message: string, input: unknown) =>
    ctx.addIssue({ code: "custom", path, message, input });

  c.authorizedWebPorts.forEach((p, i) => {
    if (DEFAULT_REMOTE_ADMIN_PORTS.includes(p))
      add(["authorizedWebPorts", i], `admin port ${p} can never be a web port: remove it`, p);
  });
  if (c.patching.cutoffHours >= c.patching.durationHours) {
    add(["patching", "cutoffHours"], "the cutoff must be shorter than durationHours", c.patching.cutoffHours);
  }
  if (c.adminAccess.mode === "bastion" && !c.adminAccess.bastion) {
    add(["adminAccess", "bastion"], "bastion mode needs adminAccess.bastion.allowedCidrs", undefined);
  }
  bastionChecks(c, add);

  // Host SSH: open only when someone can log in with a key (bastion mode opens it from the site by default).
  const sshSources = c.host.managementSources ?? (c.adminAccess.mode === "bastion" ? ["the site CIDR"] : []);
  if (sshSources.length > 0 && c.host.admins.length === 0) {
    add(
      ["host", "admins"],
      `host SSH is open from ${sshSources.join(", ")} ` +
        `(${c.host.managementSources ? "host.managementSources" : "adminAccess.mode: bastion"}) but no admin ` +
        `can log in: add host.admins [{name, sshKeys}], or use adminAccess.mode: session-manager with ` +
        `host.managementSources: []`,
      c.host.admins,
    );
  }

  databaseCrossChecks(c, add);
  hostsCrossChecks(c, add);
  const heads = c.sites.filter((s) => s.kind === "head-office").length;
  if (heads !== 1) add(["sites"], `declare exactly one site with kind: head-office (found ${heads})`, heads);

  const seenSites = new Map<string, number>();
  c.sites.forEach((site, si) => {
    if (seenSites.has(site.name))
      add(["sites", si, "name"], `site name repeats sites[${seenSites.get(site.name)}]: use a unique name`, site.name);
    seenSites.set(site.name, si);
    if (safeCidr(site.cidr)) {
      const [addr, len] = ipaddr.parseCIDR(site.cidr);
      if (addr.kind() !== "ipv4" || coversInternet(site.cidr, c.internalCidrs.filter(safeCidr))) {
        add(
          ["sites", si, "cidr"],
          "use a private IPv4 range (10/8, 172.16/12, 192.168/16) for a site network",
          site.cidr,
        );
      } else if (len < 16 || len > 24) {
        add(
          ["sites", si, "cidr"],
          "use a prefix between /16 and /24 (a VPC's limits, with room for 2 subnets)",
          site.cidr,
        );
      }
      c.sites.slice(0, si).forEach((other, oi) => {
        if (safeCidr(other.cidr) && overlaps(site.cidr, other.cidr)) {
          add(
            ["sites", si, "cidr"],
            `overlaps sites[${oi}] (${other.name}, ${other.cidr}): give each site its own range`,
            site.cidr,
          );
        }
      });
    }
    const seenServers = new Set<string>();
    site.servers.forEach((server, vi) => {
      const at = ["sites", si, "servers", vi];
      if (seenServers.has(server.name))
        add([...at, "name"], "server name repeats in this site: use a unique name", server.name);
      seenServers.add(server.name);
      if (server.role === "bastion") {
        add(
          [...at, "role"],
          "bastions come from adminAccess.mode: bastion, not from a site's server list",
          server.role,
        );
      }
      if (server.publicIp && !server.waivers.some((w) => w.policy === "ec2-instance-disallow-public-ip")) {
        add(
          [...at, "publicIp"],
          "a public IP needs a waiver {policy: ec2-instance-disallow-public-ip, reason, approver, expires}; " +
            "prefer false",
          true,
        );
      }
      server.allow.forEach((rule, ri) => {
        if (rule.from !== "internet" && !safeCidr(rule.from)) return;
        let rules;
        try {
          rules = normaliseRules("ingress", rule);
        } catch (e) {
          add([...at, "allow", ri, "ports"], (e as Error).message, rule.ports);
          return;
        }
        for (const r of rules) {
          const v = judgeIngress(r.peer, r.port, c.authorizedWebPorts, server.waivers, new Date(), internalCidrsOf(c));
          if (!v.ok) add([...at, "allow", ri], `${v.message}; ${v.fix}`, `${rule.from} ${r.port.label}`);
        }
      });
    });
  });
}

/** The declared internal ranges: the site CIDRs and `internalCidrs` (the exposure model's "internal" beyond RFC
 * 1918). */
export function internalCidrsOf(c: Pick<z.output<typeof baseSchema>, "internalCidrs" | "sites">): string[] {
  return [...c.internalCidrs, ...c.sites.map((s) => s.cidr)].filter(safeCidr);
}

/** Bastion sources: never the whole internet (any spelling, taken together); a public range needs its waiver. */
function bastionChecks(
  c: z.output<typeof baseSchema>,
  add: (path: (string | number)[], message: string, input: unknown) => void,
): void {
  const b = c.adminAccess.bastion;
  if (!b) return;
  const internal = internalCidrsOf(c);
  const valid = b.allowedCidrs.filter(safeCidr);
  let anywhere = false;
  b.allowedCidrs.forEach((cidr, i) => {
    if (!safeCidr(cidr)) return;
    if (isAnywhere(cidr, internal)) {
      anywhere = true;
      add(
        ["adminAccess", "bastion", "allowedCidrs", i],
        "SSH from the whole internet is never allowed: list your office or VPN ranges",
        cidr,
      );
      return;
    }
    const peer = { kind: cidr.includes(":") ? "ipv6" : "ipv4", cidr, label: "x" } as const;
    const v = judgeIngress(
      peer,
      { protocol: "tcp", fromPort: 22, toPort: 22, label: "tcp22" },
      [],
      b.waivers,
      new Date(),
      internal,
    );
    if (!v.ok)
      add(
        ["adminAccess", "bastion", "allowedCidrs", i],
        `${v.message}; ${v.fix} (waivers go in adminAccess.bastion.waivers)`,
        cidr,
      );
  });
  if (!anywhere && valid.length > 1 && isAnywhere(valid, internal)) {
    add(
      ["adminAccess", "bastion", "allowedCidrs"],
      "SSH from the whole internet is never allowed (these ranges together cover it): list your office or VPN ranges",
      valid,
    );
  }
}

function safeCidr(cidr: string): boolean {
  try {
    parseCidr(cidr);
    return true;
  } catch {
    return false;
  }
}

function overlaps(a: string, b: string): boolean {
  const [aa, al] = ipaddr.parseCIDR(a);
  const [ba, bl] = ipaddr.parseCIDR(b);
  if (aa.kind() !== ba.kind()) return false;
  return al <= bl ? ba.match(aa, al) : aa.match(ba, bl);
}

/** Known top-level keys (without the `bulwark:` namespace). */
export const CONFIG_KEYS = Object.keys(baseSchema.shape) as (keyof StackConfig)[];

/**
 * Parses namespaced or bare config (`{"bulwark:sites": [...]}` or `{sites: [...]}`); values may be JSON strings,
 * as the Pulumi language host passes structured config. Foreign namespaces (`aws:region`) are read for the region
 * and otherwise ignored.
 */
export function parseStackConfig(
  raw: Record<string, unknown>,
  opts: { secretKeys?: readonly string[] } = {},
): StackConfig {
  const input: Record<string, unknown> = {};
  // Bad secret values are reported by path only: the error text goes to logs.
  const secretNames = new Set((opts.secretKeys ?? []).map((k) => (k.includes(":") ? k.slice(k.indexOf(":") + 1) : k)));
  for (const [key, value] of Object.entries(raw)) {
    const cut = key.indexOf(":");
    const ns = cut < 0 ? PROJECT : key.slice(0, cut);
    const name = cut < 0 ? key : key.slice(cut + 1);
    if (ns === "aws" && name === "region") {
      if (input.region === undefined) input.region = value;
      continue;
    }
    if (ns !== PROJECT) continue;
    input[name] = typeof value === "string" && /^[[{]/.test(value.trim()) ? tryJson(value) : value;
  }
  // Callers that know which keys are secret (the engine, the offline plan) get the plaintext-key check.
  const plainKey = opts.secretKeys ? plaintextKeyIssue(input, secretNames) : undefined;
  if (plainKey) throw new ConfigError([plainKey]);
  const result = stackConfigSchema.safeParse(input, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => {
        const issue = toConfigIssue(i);
        return secretNames.has(String(i.path[0])) ? { ...issue, value: "[secret]" } : issue;
      }),
    );
  }
  return result.data;
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** `bulwark:sites[2].servers[0].role` (config) or `SecureNetwork "hq" args.cidr` (component args). */
export function formatPath(path: readonly PropertyKey[], prefix: string = PROJECT, sep = ":"): string {
  let out = prefix;
  path.forEach((p, i) => {
    if (typeof p === "number") out += `[${p}]`;
    else out += i === 0 ? `${sep}${String(p)}` : `.${String(p)}`;
  });
  return out;
}

/** A component was given bad arguments: nothing was created. Same shape as ConfigError. */
export class ArgsError extends BulwarkError {
  constructor(where: string, issues: ConfigIssue[]) {
    super(formatIssues(where, issues), issues);
  }
}

/** Validates the plain parts of a component's args; Outputs pass through `z.custom` fields untouched. */
export function parseArgs<S extends z.ZodType>(schema: S, args: unknown, component: string, name: string): z.output<S> {
  const result = schema.safeParse(args, { reportInput: true });
  if (!result.success) {
    const where = `${component} "${name}" args`;
    throw new ArgsError(
      where,
      result.error.issues.map((i) => toConfigIssue(i, (p) => formatPath(p, "args", "."))),
    );
  }
  return result.data;
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? "an" : "a");

function render(value: unknown): string {
  if (value === undefined) return "nothing";
  const s = JSON.stringify(value);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function toConfigIssue(
  issue: z.core.$ZodIssue,
  fmt: (p: readonly PropertyKey[]) => string = (p) => formatPath(p),
): ConfigIssue {
  const path = fmt(issue.path);
  const value = render(issue.input);
  switch (issue.code) {
    case "invalid_value": {
      const choices = issue.values.map((v) => JSON.stringify(v)).join(", ");
      return issue.input === undefined
        ? { path, value, problem: "required", fix: `set it to one of ${choices}` }
        : { path, value, problem: "not an allowed value", fix: `use one of ${choices}` };
    }
    case "invalid_type":
      return issue.input === undefined
        ? { path, value, problem: "required", fix: `set it (${article(issue.expected)} ${issue.expected})` }
        : {
            path,
            value,
            problem: `expected ${issue.expected}`,
            fix: `write ${article(issue.expected)} ${issue.expected}`,
          };
    case "unrecognized_keys":
      return {
        path: issue.keys.length === 1 ? fmt([...issue.path, issue.keys[0]]) : path,
        value: issue.keys.length === 1 ? "an unknown key" : issue.keys.join(", "),
        problem: "not a Bulwark setting",
        fix: "remove it or check its spelling against Pulumi.yaml",
      };
    case "too_small":
    case "too_big":
      return { path, value, problem: "out of range", fix: issue.message };
    default: {
      // Custom and format messages are written as fixes ("use ...").
      return { path, value, problem: issue.input === undefined ? "required" : "invalid", fix: issue.message };
    }
  }
}

export type { Waiver };

/** Reads and validates the running stack's config (the program's first step: bad config creates nothing). */
export function loadStackConfig(): StackConfig {
  const { allConfig, isConfigSecret } = require("@pulumi/pulumi/runtime/config") as {
    allConfig(): Record<string, string>;
    isConfigSecret(k: string): boolean;
  };
  const raw = allConfig();
  return parseStackConfig(raw, { secretKeys: Object.keys(raw).filter((k) => isConfigSecret(k)) });
}
