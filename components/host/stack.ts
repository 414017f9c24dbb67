/**
 * The estate-wide host hardening config (`bulwark:host`) and the user-data renderer that turns it, with each
 * server's site and role, into that server's host model and cloud-init bundle (EC2 user data, gzipped).
 */
import { z } from "zod";
import type { Waiver } from "../../policies/src/waiver";
import { HOST_WAIVER_POLICIES, hostModelBase, type HostModelInput, type HostOs } from "./model";
import { renderBundle, renderUserDataBase64 } from "./render";

/** Why a missing IDS is an error, not a silent default: Wazuh (the default) cannot enrol without its manager. */
export const IDS_REQUIRED =
  "every server runs an IDS agent, Wazuh by default, which needs its manager: set bulwark:host.ids to " +
  "{manager: <Wazuh manager DNS name>, enrolmentSecretParameter: /bulwark/wazuh/enrolment (SSM SecureString)}, " +
  "or {kind: suricata}, or opt out with {kind: none, waiver: {reason, approver, expires}}";

/**
 * The parts of the host model that are the same across the estate; role and inbound come from each server.
 * Safe defaults: no SSH admin accounts (Session Manager), logs to CloudWatch, automatic security updates.
 * The IDS has no default target, so it must be named (IDS_REQUIRED).
 */
export const hostStackSchema = hostModelBase
  .pick({ admins: true, adminGroup: true, patch: true })
  .extend({
    ids: z.preprocess((v, ctx) => {
      if (v === undefined) {
        ctx.addIssue({ code: "custom", message: IDS_REQUIRED, input: v });
        return z.NEVER;
      }
      return v;
    }, hostModelBase.shape.ids),
    logs: hostModelBase.shape.logs.prefault({ kind: "cloudwatch" }),
    /** SSH management sources; by default the site CIDR with a bastion, none with Session Manager only. */
    // The host model's own check (CIDRs, never the internet), so a bad source fails as config, before any resource.
    managementSources: hostModelBase.shape.ssh.shape.managementSources.optional(),
  })
  .strict();
export type HostStackConfig = z.input<typeof hostStackSchema>;

export interface EstateServer {
  name: string;
  role: "web" | "app" | "db" | "bastion";
  os: HostOs;
  allow?: { from: string; ports: (number | string)[]; protocol?: "tcp" | "udp"; description?: string }[];
  /** The server's exposure waivers (the same ones its firewall honours). */
  waivers?: Waiver[];
}
export interface EstateSite {
  name: string;
  cidr: string;
}

/** The tier ports the estate's firewalls open (components/estate.ts), all from inside the site. */
export interface TierPorts {
  /** Session Manager only: no SSH into servers unless managementSources says otherwise. */
  sshFromSite: boolean;
  /** Where the bastion itself takes SSH from (adminAccess.bastion.allowedCidrs); default the site CIDR. */
  bastionSources?: string[];
  webPorts: number[];
  appPort: number;
  dbPort: number;
  /** Session Manager's run-as user (adminAccess.session.runAsUser): the host creates it. */
  sessionUser?: string;
  /** Outbound flows within the site, per role and for every role (`all`): the host's declared egress. */
  egress?: Partial<Record<EstateServer["role"] | "all", { port: number; description: string }[]>>;
  /** Declared internal ranges (site CIDRs, bulwark:internalCidrs) and the bastion's waivers, for the exposure
   * checks. */
  internalCidrs?: string[];
  bastionWaivers?: Waiver[];
}

const portOf = (p: number | string) => {
  if (typeof p === "number") return p;
  const [from, to] = p.split("-").map(Number);
  return to === undefined ? from : { from, to };
};

/** One server's host model: the estate section plus its role, site and declared ingress. */
export function serverHostModel(
  host: HostStackConfig,
  site: EstateSite,
  server: EstateServer,
  tiers: TierPorts,
): HostModelInput {
  const internet = ["0.0.0.0/0", "::/0"];
  const roleInbound =
    // Mirrors the tier security groups: web ports from the site (its load balancer), app from web, db from app.
    server.role === "web"
      ? tiers.webPorts.map((port) => ({ port, sources: [site.cidr], description: "web tier" }))
      : server.role === "app"
        ? [{ port: tiers.appPort, sources: [site.cidr], description: "app tier (from web)" }]
        : server.role === "db"
          ? [{ port: tiers.dbPort, sources: [site.cidr], description: "MySQL (from app)" }]
          : [];
  const extra = (server.allow ?? []).flatMap((r) =>
    r.ports.map((p) => ({
      port: portOf(p),
      protocol: r.protocol ?? "tcp",
      sources: r.from === "internet" ? internet : [r.from],
      description: r.description,
    })),
  );
  const { managementSources, ...rest } = host;
  return {
    ...rest,
    role: server.role,
    ssh: {
      managementSources:
        managementSources ??
        (server.role === "bastion"
          ? tiers.bastionSources?.length
            ? tiers.bastionSources
            : [site.cidr]
          : tiers.sshFromSite
            ? [site.cidr]
            : []),
    },
    inbound: [...roleInbound, ...extra].filter((r) => r.port !== 22),
    egress: [...(tiers.egress?.[server.role] ?? []), ...(tiers.egress?.all ?? [])].map((f) => ({
      to: [site.cidr],
      port: f.port,
      protocol: "tcp",
      description: f.description,
    })),
    ...(tiers.sessionUser ? { sessionUser: tiers.sessionUser } : {}),
    exposure: {
      waivers: server.role === "bastion" ? (tiers.bastionWaivers ?? []) : (server.waivers ?? []),
      internalCidrs: [site.cidr, ...(tiers.internalCidrs ?? [])],
      webPorts: tiers.webPorts,
    },
  } as HostModelInput;
}

/** A user-data renderer for buildEstate: every server boots with the bundle for its OS and role. */
export function hostUserData(host: HostStackConfig, tiers: TierPorts) {
  return (site: EstateSite, server: EstateServer): { base64: string } => {
    const bundle = renderBundle(serverHostModel(host, site, server, tiers), server.os);
    return { base64: renderUserDataBase64(bundle) };
  };
}

/**
 * The host opt-outs as pack waivers (no IDS agent, automatic patching off), for the server's tags
 * (`waivers` of HardenedServer), so the policy pack sees them as it sees every other waiver.
 */
export function hostWaivers(host: z.output<typeof hostStackSchema>): Waiver[] {
  const out: Waiver[] = [];
  if (host.ids.kind === "none") out.push({ policy: HOST_WAIVER_POLICIES.ids, ...host.ids.waiver });
  if (!host.patch.automatic && host.patch.waiver)
    out.push({ policy: HOST_WAIVER_POLICIES.patching, ...host.patch.waiver });
  return out;
}
