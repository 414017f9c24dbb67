/**
 * `bulwark:hosts`: existing servers (head office, branches, anything reachable over SSH) that Bulwark hardens in
 * place with HardenedHost, and that `bulwark host verify` checks. The SSH private key is `bulwark:hostsSshKey`, a
 * Pulumi secret (`pulumi config set --secret bulwark:hostsSshKey < key`): a plaintext key is refused.
 */
import { isInternet } from "../../policies/src/exposure";
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { HOST_OSES } from "./model";
import { hostStackSchema, serverHostModel, type HostStackConfig, type TierPorts } from "./stack";

export const HOSTS_KEY_NAME = "hostsSshKey";

const slug = (what: string) =>
  z
    .string()
    .min(1, `give the ${what} a name`)
    .max(32, `keep the ${what} name to 32 characters`)
    .regex(/^[a-z][a-z0-9-]*$/, `use lower-case letters, digits and '-' for the ${what} name, starting with a letter`);

const hostKey = z
  .string()
  .regex(
    /^(ssh-ed25519|rsa-sha2-\d+|ssh-rsa|ecdsa-sha2-\S+) [A-Za-z0-9+/=]+( .*)?$/,
    "paste the host's public host key line, e.g. the contents of /etc/ssh/ssh_host_ed25519_key.pub " +
      "read over a trusted path",
  );
const user = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "use the admin account that applies the bundle (it needs sudo; never root)")
  .refine(
    (u) => u !== "root",
    "root cannot log in on a hardened host: use a personal admin account listed in host.admins",
  );
const port = z.number().int().min(1, "use a port from 1 to 65535").max(65535, "use a port from 1 to 65535");

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** An IP literal on the internet, by the one exposure model (DNS names are judged where they resolve). */
export function isInternetAddress(address: string): boolean {
  return ipaddr.isValid(address) && isInternet(address);
}

/** An address Bulwark may SSH to: an IP literal or DNS name; `internetOk` for bastions, which exist to face it. */
const address = (internetOk: boolean) =>
  z.string().superRefine((a, ctx) => {
    if (!ipaddr.isValid(a) && !DNS_NAME.test(a)) {
      ctx.addIssue({ code: "custom", message: "use an IP address or a DNS name" });
    } else if (!internetOk && isInternetAddress(a)) {
      ctx.addIssue({
        code: "custom",
        message: "SSH to a server over the internet is refused: use its private address, through a bastion (via)",
      });
    }
  });

const sshSchema = z.object({ user, hostKey, port: port.default(22) }).strict();
const inlineBastion = z.object({ address: address(true), user, hostKey, port: port.default(22) }).strict();

/**
 * Per-host overrides of `bulwark:host` (same fields, all optional). Checked merged with `bulwark:host` by the host
 * schema itself (hostsCrossChecks), so an override gets no defaults of its own that would mask the estate's values.
 */
const hostOverrides = z
  .object(
    Object.fromEntries(Object.keys(hostStackSchema.shape).map((k) => [k, z.unknown().optional()])) as Record<
      keyof typeof hostStackSchema.shape,
      z.ZodOptional<z.ZodUnknown>
    >,
  )
  .strict();

export const hostEntrySchema = z
  .object({
    name: slug("host"),
    site: slug("site"),
    address: address(false),
    os: z.enum(HOST_OSES),
    role: z.enum(["web", "app", "db", "bastion"]),
    ssh: sshSchema,
    /** A bastion: the name of another `bulwark:hosts` entry with role bastion, or an inline jump host. */
    via: z.union([slug("bastion"), inlineBastion]).optional(),
    host: hostOverrides.default({}),
  })
  .strict();

export const hostsSchema = z.array(hostEntrySchema).default([]);
export type HostEntry = z.output<typeof hostEntrySchema>;

/** A resolved SSH endpoint (the bastion's, or the host's own). */
export interface SshEndpoint {
  name: string;
  address: string;
  port: number;
  user: string;
  hostKey: string;
}

export function bastionOf(entry: HostEntry, all: readonly HostEntry[]): SshEndpoint | undefined {
  if (entry.via === undefined) return undefined;
  if (typeof entry.via === "string") {
    const b = all.find((h) => h.name === entry.via);
    if (!b) return undefined;
    return { name: b.name, address: b.address, port: b.ssh.port, user: b.ssh.user, hostKey: b.ssh.hostKey };
  }
  return { name: `${entry.via.user}@${entry.via.address}`, ...entry.via };
}

/** The merged host section: `bulwark:host` with the entry's overrides; SSH admin from the bastion by default. */
export function effectiveHost(global: HostStackConfig, entry: HostEntry, all: readonly HostEntry[]): HostStackConfig {
  const merged: HostStackConfig = hostStackSchema.parse({ ...global, ...entry.host });
  if (merged.managementSources === undefined || merged.managementSources.length === 0) {
    const b = bastionOf(entry, all);
    if (b && ipaddr.isValid(b.address)) {
      const a = ipaddr.process(b.address);
      merged.managementSources = [`${a.toString()}/${a.kind() === "ipv4" ? 32 : 128}`];
    }
  }
  return merged;
}

/** The host model HardenedHost applies to an entry (site CIDR as for cloud servers of that site). */
export function entryHostModel(
  global: HostStackConfig,
  entry: HostEntry,
  all: readonly HostEntry[],
  siteCidr: string,
  tiers: TierPorts,
) {
  return serverHostModel(
    effectiveHost(global, entry, all),
    { name: entry.site, cidr: siteCidr },
    { name: entry.name, role: entry.role, os: entry.os },
    tiers,
  );
}

type Add = (path: (string | number)[], message: string, input: unknown) => void;

/** Cross-field checks for `bulwark:hosts` (run from components/config.ts with the whole config). */
export function hostsCrossChecks(
  c: { hosts: HostEntry[]; host: HostStackConfig; sites: { name: string }[]; hostsSshKey?: string },
  add: Add,
): void {
  if (c.hosts.length > 0 && c.hostsSshKey === undefined) {
    add(
      [HOSTS_KEY_NAME],
      "existing hosts need the SSH private key: " +
        "`pulumi config set --secret bulwark:hostsSshKey < ~/.ssh/bulwark_ed25519`",
      undefined,
    );
  }
  const seen = new Map<string, number>();
  c.hosts.forEach((h, i) => {
    const at = ["hosts", i];
    if (seen.has(h.name))
      add([...at, "name"], `host name repeats hosts[${seen.get(h.name)}]: use a unique name`, h.name);
    seen.set(h.name, i);
    if (!c.sites.some((s) => s.name === h.site))
      add(
        [...at, "site"],
        `declare the site in bulwark:sites (one of ${c.sites.map((s) => s.name).join(", ")})`,
        h.site,
      );
    if (typeof h.via === "string") {
      const b = c.hosts.find((x) => x.name === h.via);
      if (!b) add([...at, "via"], "name a bastion declared in bulwark:hosts, or give {address, user, hostKey}", h.via);
      else if (b.role !== "bastion")
        add([...at, "via"], `${b.name} has role ${b.role}: a jump host needs role bastion`, h.via);
      else if (b.via !== undefined) add([...at, "via"], `${b.name} is itself behind a bastion: use one hop`, h.via);
    }
    const parsed = hostStackSchema.safeParse({ ...c.host, ...h.host }, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        add(
          [...at, "host", ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
          issue.message,
          issue.input,
        );
      return;
    }
    const eff = effectiveHost(c.host, h, c.hosts);
    if (!eff.managementSources || eff.managementSources.length === 0) {
      add(
        [...at, "host", "managementSources"],
        "Bulwark applies over SSH: list the network it connects from (e.g. the bastion's /32), or declare via",
        eff.managementSources,
      );
    }
    if (!(eff.admins ?? []).some((a) => a.name === h.ssh.user)) {
      add(
        [...at, "ssh", "user"],
        `after hardening only host.admins may log in: add ${h.ssh.user} with the public half of ` +
          `bulwark:hostsSshKey to hosts[${i}].host.admins (or bulwark:host.admins)`,
        h.ssh.user,
      );
    }
  });
}

/**
 * A plaintext `bulwark:hostsSshKey` is refused before parsing (the value is never echoed): the key would sit in the
 * stack file and state in clear.
 */
export function plaintextKeyIssue(input: Record<string, unknown>, secretNames: ReadonlySet<string>) {
  if (input[HOSTS_KEY_NAME] === undefined || secretNames.has(HOSTS_KEY_NAME)) return undefined;
  return {
    path: `bulwark:${HOSTS_KEY_NAME}`,
    value: "[masked: a plaintext value]",
    problem: "the SSH private key must be a Pulumi secret, never plain text",
    fix:
      "remove it from the stack file, then " +
      "`pulumi config set --secret bulwark:hostsSshKey < ~/.ssh/bulwark_ed25519`, " +
      "and rotate the key if it was committed",
  };
}
