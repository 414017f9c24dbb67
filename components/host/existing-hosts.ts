/**
 * One HardenedHost per `bulwark:hosts` entry: the bundle for its OS and role (estate host section plus the entry's
 * overrides) applied over SSH, through its bastion when it has one, with the secret `bulwark:hostsSshKey`.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { HardenedHost } from "./hardened-host";
import { bastionOf, entryHostModel } from "./hosts-config";
import type { TierPorts } from "./stack";

/** What `bulwark plan` lists and `bulwark host verify --stack` checks against (no secret in it). */
export interface ExistingHostSummary {
  site: string;
  address: string;
  port: number;
  os: string;
  role: string;
  bundleHash: string;
  bastion?: string;
}

export function buildExistingHosts(cfg: StackConfig, tiers: TierPorts, opts: pulumi.ComponentResourceOptions = {}) {
  const hosts: Record<string, HardenedHost> = {};
  const summary: Record<string, ExistingHostSummary> = {};
  for (const entry of cfg.hosts) {
    const site = cfg.sites.find((s) => s.name === entry.site);
    if (!site || cfg.hostsSshKey === undefined) continue; // the config checks report both first
    const bastion = bastionOf(entry, cfg.hosts);
    const h = new HardenedHost(
      `host-${entry.name}`,
      {
        os: entry.os,
        connection: {
          host: entry.address,
          port: entry.ssh.port,
          user: entry.ssh.user,
          privateKey: pulumi.secret(cfg.hostsSshKey),
          hostKey: entry.ssh.hostKey,
        },
        ...(bastion
          ? { bastion: { host: bastion.address, port: bastion.port, user: bastion.user, hostKey: bastion.hostKey } }
          : {}),
        host: entryHostModel(cfg.host, entry, cfg.hosts, site.cidr, tiers),
      },
      opts,
    );
    hosts[entry.name] = h;
    summary[entry.name] = {
      site: entry.site,
      address: entry.address,
      port: entry.ssh.port,
      os: entry.os,
      role: entry.role,
      bundleHash: h.bundleHash,
      ...(bastion ? { bastion: `${bastion.name} (${bastion.user}@${bastion.address}:${bastion.port})` } : {}),
    };
  }
  return { hosts, summary };
}
