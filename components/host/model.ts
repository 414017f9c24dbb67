/**
 * The one typed model of a hardened host. Every renderer (Debian/Ubuntu/AL2023, cloud-init, HardenedHost, CLI)
 * reads this; nothing renders from unvalidated input.
 */
import { BulwarkError } from "../errors";
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { isExpired, waiverSchema } from "../../policies/src/waiver";
import { adminKeyProblem } from "./ssh-keys";
import { mysqlRoleSchema } from "./mysql";
import { exposureChecks, hostExposureSchema } from "./exposure-checks";
import { isAnywhere } from "../../policies/src/exposure";
import { memoise } from "../../policies/src/memo";

export const HOST_OSES = ["ubuntu-24.04", "ubuntu-22.04", "debian-12", "amazonlinux-2023"] as const;
export type HostOs = (typeof HOST_OSES)[number];

/** Policy names a host waiver is written under (policies/src/names.ts style). */
export const HOST_WAIVER_POLICIES = {
  ids: "ec2-instance-require-host-ids",
  patching: "ec2-instance-require-automatic-patching",
} as const;

/** A waiver on the host: same fields as the pack's waiver; the policy is implied by where it sits. Expired: refused. */
export const hostWaiverSchema = waiverSchema.omit({ policy: true }).superRefine((w, ctx) => {
  if (isExpired(w)) {
    ctx.addIssue({
      code: "custom",
      path: ["expires"],
      input: w.expires,
      message: "this waiver has expired: fix the finding, or have the approver renew it with a later expires date",
    });
  }
});
export type HostWaiver = z.infer<typeof hostWaiverSchema>;

export interface Cidr {
  family: 4 | 6;
  /** Canonical network/prefix, e.g. 10.0.0.0/8, 2001:db8::/32. */
  cidr: string;
}

/** The one normaliser for addresses: a bare IP becomes /32 or /128; host bits are cleared. Memoised (frozen). */
export const normaliseCidr = memoise((s: string): Readonly<Cidr> => {
  const text = s.includes("/") ? s : `${s}/${ipaddr.parse(s).kind() === "ipv4" ? 32 : 128}`;
  const [addr, prefix] = ipaddr.parseCIDR(text);
  if (addr.kind() === "ipv4") {
    return Object.freeze({ family: 4, cidr: `${ipaddr.IPv4.networkAddressFromCIDR(text).toString()}/${prefix}` });
  }
  return Object.freeze({ family: 6, cidr: `${ipaddr.IPv6.networkAddressFromCIDR(text).toString()}/${prefix}` });
});

const cidrSchema = z
  .string()
  .refine((s) => {
    try {
      normaliseCidr(s);
      return true;
    } catch {
      return false;
    }
  }, "use an IPv4/IPv6 address or CIDR such as 10.20.0.0/16 or 2001:db8::/48")
  .transform((s) => normaliseCidr(s).cidr);

const portSchema = z.number().int().min(1, "use a port from 1 to 65535").max(65535, "use a port from 1 to 65535");

const sshPublicKeySchema = z
  .string()
  .trim()
  .superRefine((line, ctx) => {
    // Parsed and size-checked by sshpk (components/host/ssh-keys.ts), not matched by a regex.
    const problem = adminKeyProblem(line);
    if (problem) ctx.addIssue({ code: "custom", input: line, message: problem });
  });

const unixName = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "use a lower-case Unix name (letters, digits, _ and -, max 32)");

export const adminSchema = z
  .object({
    name: unixName.refine((n) => n !== "root", "root cannot log in over SSH; name a personal admin account"),
    sshKeys: z.array(sshPublicKeySchema).min(1, "give each admin at least one SSH public key"),
  })
  .strict();

export const inboundRuleSchema = z
  .object({
    port: z.union([portSchema, z.object({ from: portSchema, to: portSchema }).strict()]),
    protocol: z.enum(["tcp", "udp"]).default("tcp"),
    sources: z.array(cidrSchema).min(1, "name at least one source CIDR (0.0.0.0/0 and ::/0 for the internet)"),
    description: z.string().max(200).optional(),
  })
  .strict();

const wazuhSchema = z
  .object({
    kind: z.literal("wazuh"),
    manager: z.string().regex(/^[A-Za-z0-9.-]+$/, "use the Wazuh manager's DNS name or IP address"),
    managerPort: portSchema.default(1514),
    registrationPort: portSchema.default(1515),
    /** SSM Parameter Store SecureString holding the enrolment password; fetched on the host at boot. */
    enrolmentSecretParameter: z
      .string()
      .regex(/^\/[A-Za-z0-9_.\-/]+$/, "use an SSM parameter name such as /bulwark/wazuh/enrolment (SecureString)"),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "use an AWS region such as eu-west-2")
      .optional(),
    agentGroups: z.array(z.string().regex(/^[A-Za-z0-9_-]+$/, "use letters, digits, _ and -")).default([]),
    /** Must be the manager's version or older (Wazuh upgrade guide); held so unattended upgrades do not move it. */
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+(-\d+)?$/, "use a version such as 4.9.2-1")
      .optional(),
  })
  .strict();

const idsUnion = z.discriminatedUnion("kind", [
  wazuhSchema,
  z
    .object({
      kind: z.literal("suricata"),
      interface: z
        .string()
        .regex(/^[A-Za-z0-9_.-]+$/)
        .optional(),
    })
    .strict(),
  z.object({ kind: z.literal("none"), waiver: hostWaiverSchema }).strict(),
]);
/** Wazuh is the default: an `ids` section without `kind` is a Wazuh agent. */
const idsSchema = z.preprocess(
  (v) => (v && typeof v === "object" && !("kind" in v) ? { kind: "wazuh", ...v } : v),
  idsUnion,
);

const logsSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("cloudwatch"),
      logGroupPrefix: z
        .string()
        .regex(/^[A-Za-z0-9_\-/.#]+$/, "use a CloudWatch log group prefix such as /bulwark/hosts")
        .default("/bulwark/hosts"),
      region: z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "use an AWS region such as eu-west-2")
        .optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("rsyslog-tls"),
      target: z.string().regex(/^[A-Za-z0-9.-]+$/, "use the collector's DNS name or IP address"),
      port: portSchema.default(6514),
      /** CA certificate (PEM) that signed the collector's certificate; written to /etc/bulwark/rsyslog-ca.pem. */
      caPem: z
        .string()
        .includes("-----BEGIN CERTIFICATE-----", { message: "paste the collector CA certificate in PEM form" })
        .superRefine((pem, ctx) => {
          // Installed world-readable: a private key there would be every local user's. The value is never echoed.
          if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem)) {
            ctx.addIssue({
              code: "custom",
              input: "(masked: holds a private key)",
              message:
                "caPem holds a private key: paste only the CA certificate (-----BEGIN CERTIFICATE----- " +
                "blocks), and rotate that key",
            });
          }
        }),
      /** The collector certificate's name (x509/name authentication); defaults to `target`. */
      permittedPeer: z
        .string()
        .regex(/^[A-Za-z0-9.*-]+$/)
        .optional(),
    })
    .strict(),
]);

const patchSchema = z
  .object({
    automatic: z.boolean().default(true),
    securityOnly: z.boolean().default(true),
    /** Reboot automatically when an update needs it, at this local time (HH:MM). Omit for no automatic reboot. */
    rebootAt: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "use a 24-hour time such as 03:30")
      .optional(),
    waiver: hostWaiverSchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (!p.automatic && !p.waiver) {
      ctx.addIssue({
        code: "custom",
        path: ["automatic"],
        input: p.automatic,
        message:
          "automatic security updates are the default; to turn them off add patch.waiver {reason, approver, expires}",
      });
    }
  });

/**
 * Local accounts the model does not declare (admins, sessionUser, system accounts, keep): a leftover with a usable
 * password, an SSH key or a privileged group is locked and expired by apply (`lock`), or only failed by verify
 * (`report`). components/host/scripts/accounts.sh; undo in docs/host-accounts.md.
 */
const accountsSchema = z
  .object({
    undeclared: z.enum(["lock", "report"]).default("lock"),
    keep: z.array(z.object({ name: unixName, waiver: hostWaiverSchema }).strict()).default([]),
  })
  .strict();

/** The first apply installs pending security updates before anything else (components/host/scripts/updates.sh). */
const updatesSchema = z
  .object({
    installOnFirstApply: z.boolean().default(true),
    waiver: hostWaiverSchema.optional(),
  })
  .strict()
  .superRefine((u, ctx) => {
    if (!u.installOnFirstApply && !u.waiver) {
      ctx.addIssue({
        code: "custom",
        path: ["installOnFirstApply"],
        input: false,
        message:
          "the first apply installs pending security updates; to skip that add updates.waiver {reason, " +
          "approver, expires}",
      });
    }
  });
/** One outbound flow the host may open (the estate's tier flows, or a host's own). */
export const egressFlowSchema = z
  .object({
    to: z.array(cidrSchema).min(1, "name at least one destination CIDR, e.g. the app tier's subnet 10.20.1.0/24"),
    port: z.union([portSchema, z.object({ from: portSchema, to: portSchema }).strict()]),
    protocol: z.enum(["tcp", "udp"]).default("tcp"),
    description: z.string().min(1, "say what the flow is for").max(200),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (typeof f.port !== "number" && f.port.from > f.port.to)
      ctx.addIssue({ code: "custom", path: ["port"], input: f.port, message: "from must not be above to" });
  });
const ipSchema = z
  .string()
  .refine((s) => ipaddr.isValid(s.replace(/%.*/, "")), "use an IPv4 or IPv6 address such as 10.20.0.2");

/**
 * Outbound traffic (docs/host-egress.md). `restricted` (default): the output chain drops everything but
 * established traffic, loopback, DNS, NTP, the log collector, the IDS manager, HTTP(S) to public addresses and
 * the declared flows. A bare array is shorthand for `{flows: [...]}`.
 */
export const egressSchema = z.preprocess(
  (v) => (Array.isArray(v) ? { flows: v } : v),
  z
    .object({
      mode: z.enum(["restricted", "open"]).default("restricted"),
      /** Resolvers to allow; default: the ones this host uses, found by apply (resolv.conf, systemd-resolved). */
      dns: z.array(ipSchema).max(16).optional(),
      flows: z
        .array(egressFlowSchema)
        .max(64, "declare at most 64 flows; group destinations in one flow's `to`")
        .default([]),
      waiver: hostWaiverSchema.optional(),
    })
    .strict()
    .superRefine((e, ctx) => {
      if (e.mode === "open" && !e.waiver) {
        ctx.addIssue({
          code: "custom",
          path: ["mode"],
          input: e.mode,
          message:
            "open egress lets a compromised host reach any neighbour; use mode: restricted with declared " +
            "flows, or add egress.waiver {reason, approver, expires}",
        });
      }
      if (e.waiver && isExpired(e.waiver)) {
        ctx.addIssue({
          code: "custom",
          path: ["waiver", "expires"],
          input: e.waiver.expires,
          message: "this waiver has expired; renew it (new expires date and approver) or use mode: restricted",
        });
      }
    }),
);
export type EgressFlow = z.output<typeof egressFlowSchema>;

/** The model's fields without the cross-field checks (for schemas built from parts of it). */
export const hostModelBase = z
  .object({
    role: z.enum(["web", "app", "db", "bastion"]),
    /** SSH admin accounts. Empty (the default) suits Session Manager estates: no one can log in over SSH. */
    admins: z.array(adminSchema).default([]),
    /** The group sshd's AllowGroups admits; admins are put in it. */
    adminGroup: unixName.default("bulwark-admins"),
    /**
     * Session Manager's run-as user (SSM does not create it, so sessions fail without it): a local account with no
     * password and no SSH keys, in adminGroup for sudo.
     */
    sessionUser: unixName.refine((u) => u !== "root", "never run sessions as root").optional(),
    ssh: z
      .object({
        port: portSchema.default(22),
        managementSources: z
          // The whole internet, in any spelling, is refused here; public ranges need a waiver (exposureChecks).
          .array(
            cidrSchema.refine(
              (c) => !isAnywhere([c]),
              "SSH from the internet is refused: use your VPN, bastion or office CIDR",
            ),
          ),
        // Empty: no SSH from anywhere (Session Manager only); sshd stays hardened behind a closed port.
      })
      .strict(),
    inbound: z.array(inboundRuleSchema).default([]),
    ids: idsSchema,
    logs: logsSchema,
    patch: patchSchema.prefault({}),
    egress: egressSchema.prefault({}),
    /** Role db: the self-hosted MySQL/MariaDB hardening (components/host/mysql.ts), when this host runs one. */
    mysql: mysqlRoleSchema.optional(),
    accounts: accountsSchema.prefault({}),
    updates: updatesSchema.prefault({}),
    /** Exposure waivers and declared internal ranges (components/host/exposure-checks.ts). */
    exposure: hostExposureSchema.prefault({}),
  })
  .strict();

export const hostModelSchema = hostModelBase.superRefine((m, ctx) => {
  m.inbound.forEach((r, i) => {
    const from = typeof r.port === "number" ? r.port : r.port.from;
    const to = typeof r.port === "number" ? r.port : r.port.to;
    if (from > to)
      ctx.addIssue({
        code: "custom",
        path: ["inbound", i, "port"],
        input: r.port,
        message: "from must not be above to",
      });
    if (r.protocol === "tcp" && from <= m.ssh.port && m.ssh.port <= to) {
      ctx.addIssue({
        code: "custom",
        path: ["inbound", i, "port"],
        input: r.port,
        message: `SSH (${m.ssh.port}) is opened only from ssh.managementSources; remove it from inbound`,
      });
    }
  });
  if (m.admins.length === 0 && m.ssh.managementSources.length > 0) {
    ctx.addIssue({
      code: "custom",
      path: ["admins"],
      input: m.admins,
      message:
        "SSH is opened from ssh.managementSources but no admin can log in: declare at least one admin user " +
        "with an SSH key, or set managementSources: [] (Session Manager only)",
    });
  }
  const names = new Set<string>();
  m.admins.forEach((a, i) => {
    if (names.has(a.name))
      ctx.addIssue({
        code: "custom",
        path: ["admins", i, "name"],
        input: a.name,
        message: "admin names must be unique",
      });
    names.add(a.name);
  });
  checkKeptAccounts(m, ctx);
  if (m.role !== "db" && m.mysql) {
    ctx.addIssue({ code: "custom", path: ["role"], input: m.role, message: "a mysql section needs role: db" });
  }
  exposureChecks(m, ctx);
});

/** Kept accounts: each once, and not one the model already declares. */
function checkKeptAccounts(m: z.output<typeof hostModelBase>, ctx: z.RefinementCtx): void {
  const declared = new Set([...m.admins.map((a) => a.name), ...(m.sessionUser ? [m.sessionUser] : [])]);
  const seen = new Set<string>();
  m.accounts.keep.forEach((k, i) => {
    const why = declared.has(k.name)
      ? "is already declared (admin or sessionUser); remove it from keep"
      : seen.has(k.name)
        ? "is listed twice; keep one entry"
        : "";
    if (why)
      ctx.addIssue({
        code: "custom",
        path: ["accounts", "keep", i, "name"],
        input: k.name,
        message: `${k.name} ${why}`,
      });
    seen.add(k.name);
  });
}

export type HostModelInput = z.input<typeof hostModelSchema>;
export type HostModel = z.output<typeof hostModelSchema>;
export type InboundRule = HostModel["inbound"][number];

export class HostConfigError extends BulwarkError {
  constructor(
    readonly where: string,
    readonly problems: string[],
  ) {
    super(`${where}: invalid host hardening config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)),
    "",
  );
}

/** Each problem names the field, the value given and the fix. */
export function describeZodIssues(err: z.ZodError, input: unknown): string[] {
  return err.issues.map((i) => {
    // Name the unknown key, never echo its object: a misplaced password would reach the terminal and CI logs.
    if (i.code === "unrecognized_keys") {
      return i.keys
        .map(
          (k) =>
            `${fieldPath([...i.path, k])} = (an unknown key): not a host setting; remove it or check its ` +
            `spelling (README: Host hardening)`,
        )
        .join("\n");
    }
    if (i.code === "invalid_type") {
      const given = "input" in i && i.input !== undefined ? i.input : valueAt(input, i.path);
      if (given === undefined)
        return `${fieldPath(i.path) || "(top level)"} = (missing): required; set it (${i.expected})`;
    }
    const value = "input" in i && i.input !== undefined ? i.input : valueAt(input, i.path);
    const shown = value === undefined ? "(missing)" : JSON.stringify(value);
    const clipped = shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
    return `${fieldPath(i.path) || "(top level)"} = ${clipped}: ${i.message}`;
  });
}

/** Validates a host model; throws HostConfigError (nothing is rendered) on bad input. */
export function parseHostModel(input: unknown, where = "host config"): HostModel {
  const r = hostModelSchema.safeParse(input, { reportInput: true });
  if (!r.success) throw new HostConfigError(where, describeZodIssues(r.error, input));
  return r.data;
}
