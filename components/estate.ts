/**
 * Builds the whole estate from a validated StackConfig: one SecureNetwork per site (sites stay isolated from each
 * other: no lateral path), one Firewall per role per site, HardenedServers, and the account-wide RemoteAccess,
 * SecurityBaseline and PatchManagement. Returns the components (so index.ts can add more, e.g. databases) and the
 * stack outputs operators need. No secret is exported.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  internalCidrsOf,
  type OperatingSystem,
  type Role,
  type ServerConfig,
  type SiteConfig,
  type StackConfig,
} from "./config";
import { Bastion } from "./access/bastion";
import { RemoteAccess } from "./access/remote-access";
import { SecurityBaseline } from "./security/security-baseline";
import { Firewall, Peer, Port } from "./network/firewall";
import { EncryptionKey } from "./security/encryption-key";
import { SecureNetwork } from "./network/secure-network";
import { type PatchOs, PatchManagement } from "./patching/patch-management";
import { DEFAULT_EGRESS_PORTS } from "./controls";
import { normaliseRules } from "./rules";
import { HardenedServer } from "./compute/hardened-server";
import { InstanceIdentity } from "./compute/instance-identity";
import { estateSwitchWaivers, isOn } from "./switch";
import { hostWaivers, serverHostModel, type TierPorts } from "./host/stack";
import { renderBundle } from "./host/render";
import { BundleStore } from "./host/bundle-store";
import { MysqlHostRole } from "./host/mysql-host-role";
import { memoRenderer } from "./host/render-cache";
import { buildExistingHosts } from "./host/existing-hosts";

/** Default instance type per role. */
export const ROLE_INSTANCE_TYPES: Record<Role, string> = {
  web: "t3.small",
  app: "t3.medium",
  db: "r6i.large",
  bastion: "t3.micro",
};
/** Service ports between tiers: web -> app, app -> db. */
export const APP_PORT = 8080;
export const DB_PORT = 3306;
/** SSH from the bastion to the site's servers (Bastion.grantSsh). */
export const SSH_PORT = 22;

/** Where each OS's official images come from (Canonical and Debian's AWS accounts). */
export const AMI_SOURCES: Record<OperatingSystem, { owner: string; namePattern: string; patchOs: PatchOs }> = {
  "ubuntu-24.04": {
    owner: "099720109477",
    namePattern: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*",
    patchOs: "UBUNTU",
  },
  "ubuntu-22.04": {
    owner: "099720109477",
    namePattern: "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*",
    patchOs: "UBUNTU",
  },
  "debian-12": { owner: "136693071363", namePattern: "debian-12-amd64-*", patchOs: "DEBIAN" },
  "amazonlinux-2023": { owner: "137112412989", namePattern: "al2023-ami-2023.*-x86_64", patchOs: "AMAZON_LINUX_2023" },
};

/**
 * The user-data seam: the host hardening bundle for one server, as cloud-init text or already base64-encoded
 * (`{base64}`, e.g. gzipped to fit EC2's 16 KiB). By default every server boots the bundle from `bulwark:host`
 * through the loader (an S3 object in the estate's BundleStore, pinned by sha256); a renderer given here replaces
 * it (tests). A change to the bundle replaces the server.
 */
export type UserData = pulumi.Input<string> | { base64: pulumi.Input<string> } | undefined;
export type UserDataRenderer = (
  site: SiteConfig,
  server: ServerConfig | { name: string; role: "bastion"; os: OperatingSystem },
) => UserData;

/** The tier ports the host firewalls mirror, from the same constants the security groups use. */
export function estateTiers(cfg: StackConfig): TierPorts {
  return {
    sshFromSite: cfg.adminAccess.mode === "bastion",
    bastionSources: cfg.adminAccess.bastion?.allowedCidrs,
    webPorts: cfg.authorizedWebPorts,
    appPort: APP_PORT,
    dbPort: DB_PORT,
    sessionUser: cfg.adminAccess.session.runAsUser,
    // Host egress mirrors the security groups' egress: each tier opens only the next one, within its site;
    // every role reaches the VPC's interface endpoints (SSM, logs) over HTTPS.
    egress: {
      web: [{ port: APP_PORT, description: "to the app tier" }],
      app: [{ port: DB_PORT, description: "to the database tier" }],
      bastion: [{ port: SSH_PORT, description: "SSH to the site's servers" }],
      all: DEFAULT_EGRESS_PORTS.map((port) => ({
        port,
        description: "HTTPS to the VPC's interface endpoints (SSM, logs)",
      })),
    },
    internalCidrs: internalCidrsOf(cfg),
    bastionWaivers: cfg.adminAccess.bastion?.waivers ?? [],
  };
}

/** Spreads a renderer's result into HardenedServer/Bastion args. */
export function userDataArgs(u: UserData): { userData?: pulumi.Input<string>; userDataBase64?: pulumi.Input<string> } {
  if (u === undefined) return {};
  if (typeof u === "object" && u !== null && !pulumi.Output.isInstance(u) && "base64" in u)
    return { userDataBase64: u.base64 };
  return { userData: u };
}

export interface SiteEstate {
  network: SecureNetwork;
  firewalls: Record<Exclude<Role, "bastion">, Firewall>;
  servers: Record<string, HardenedServer>;
  bastion?: Bastion;
}

export interface Estate {
  key?: EncryptionKey;
  kmsKeyArn: pulumi.Output<string>;
  identity: InstanceIdentity;
  /** The host bundles' bucket and objects (absent when a user-data renderer was given). */
  bundles?: BundleStore;
  access: RemoteAccess;
  baseline?: SecurityBaseline;
  patching?: PatchManagement;
  sites: Record<string, SiteEstate>;
  outputs: Record<string, pulumi.Input<unknown>>;
}

export function buildEstate(
  cfg: StackConfig,
  opts: { userData?: UserDataRenderer; parent?: pulumi.Resource } = {},
): Estate {
  // Hardened by default: no renderer given means the host bundle, never a stock image.
  const tiers = estateTiers(cfg);
  // Host opt-outs (no IDS, no automatic patching) and switched-off estate hardening (customer-managed key,
  // SecurityBaseline) ride on every server as waiver tags the pack reads.
  const hostOptOuts = [...hostWaivers(cfg.host), ...estateSwitchWaivers(cfg)];
  const withHostWaivers = (own: StackConfig["sites"][number]["servers"][number]["waivers"]) => [
    ...own,
    ...hostOptOuts.filter((h) => !own.some((w) => w.policy === h.policy)),
  ];
  const parentOpts = opts.parent ? { parent: opts.parent } : {};
  const patchGroup = `bulwark-${cfg.environment}`;
  const baseTags = { "bulwark:environment": cfg.environment };

  const key = new EncryptionKey("estate", { tags: baseTags }, parentOpts);
  const kmsKeyArn = key.arn;
  const volumeKey = isOn(cfg.encryption.customerManagedKey) ? kmsKeyArn : undefined;

  const access = new RemoteAccess(
    "admin",
    {
      mode: cfg.adminAccess.mode,
      kmsKeyArn,
      idleTimeoutMinutes: cfg.adminAccess.session.idleTimeoutMinutes,
      maxSessionMinutes: cfg.adminAccess.session.maxSessionMinutes,
      runAsUser: cfg.adminAccess.session.runAsUser,
      logRetentionDays: cfg.adminAccess.session.logRetentionDays,
      tags: baseTags,
    },
    parentOpts,
  );

  const identity = new InstanceIdentity(
    "server",
    {
      sessionKmsKeyArn: kmsKeyArn,
      sessionLogGroupArn: access.logGroup.arn,
      sessionLogBucketArn: access.logBucket.arn,
      tags: baseTags,
    },
    parentOpts,
  );

  // The default bundle does not depend on the server's name: identical servers share one render and one object.
  const bundles = opts.userData
    ? undefined
    : new BundleStore("host-bundles", { kmsKeyArn, tags: baseTags }, parentOpts);
  const renderHostBundle = memoRenderer((site, server) =>
    renderBundle(serverHostModel(cfg.host, site, server, tiers), server.os),
  );
  const renderUserData: UserDataRenderer =
    opts.userData ?? ((site, server) => ({ base64: bundles!.store(renderHostBundle(site, server)).userDataBase64 }));

  const amis = new Map<OperatingSystem, pulumi.Output<string>>();
  const amiFor = (os: OperatingSystem, explicit?: string): pulumi.Input<string> => {
    if (explicit) return explicit;
    let id = amis.get(os);
    if (!id) {
      const src = AMI_SOURCES[os];
      id = aws.ec2.getAmiOutput(
        {
          mostRecent: true,
          owners: [src.owner],
          filters: [
            { name: "name", values: [src.namePattern] },
            { name: "architecture", values: ["x86_64"] },
            { name: "virtualization-type", values: ["hvm"] },
          ],
        },
        opts.parent ? { parent: opts.parent } : undefined,
      ).id;
      amis.set(os, id);
    }
    return id;
  };

  const sites: Record<string, SiteEstate> = {};
  const bastionMode = cfg.adminAccess.mode === "bastion" && cfg.adminAccess.bastion !== undefined;
  for (const site of cfg.sites) {
    const siteTags = { ...baseTags, "bulwark:site": site.name, "bulwark:site-kind": site.kind };
    const network = new SecureNetwork(
      site.name,
      {
        cidr: site.cidr,
        natEgress: cfg.network.natEgress,
        flowLogRetentionDays: cfg.network.flowLogRetentionDays,
        logKmsKeyArn: kmsKeyArn,
        // The office ranges reach the bastion's own subnet only; the bastion's one waiver follows to its NACL.
        bastion:
          bastionMode && cfg.adminAccess.bastion
            ? {
                allowedCidrs: cfg.adminAccess.bastion.allowedCidrs,
                waivers: cfg.adminAccess.bastion.waivers,
                internalCidrs: internalCidrsOf(cfg),
              }
            : undefined,
        rdp: site.servers.some((s) => isWindows(s.os)),
        tags: siteTags,
      },
      parentOpts,
    );
    const fw = (role: Exclude<Role, "bastion">, description: string) =>
      new Firewall(
        `${site.name}-${role}`,
        {
          vpcId: network.vpcId,
          description,
          authorizedWebPorts: cfg.authorizedWebPorts,
          waivers: site.servers
            .filter((s) => s.role === role)
            .flatMap((s) => s.waivers)
            .filter((w) => w.policy.startsWith("ec2-security-group-")),
          internalCidrs: internalCidrsOf(cfg),
          tags: { ...siteTags, "bulwark:role": role },
        },
        parentOpts,
      );
    const firewalls = {
      web: fw("web", `${site.name} web tier`),
      app: fw("app", `${site.name} app tier`),
      db: fw("db", `${site.name} database tier`),
    };
    // Tiers: users inside the site reach the web ports; web -> app -> db, nothing else.
    for (const p of cfg.authorizedWebPorts) {
      firewalls.web.allowFrom(Peer.ipv4(site.cidr), Port.tcp(p), `web port ${p} from ${site.name}`);
    }
    firewalls.app.allowFrom(firewalls.web, Port.tcp(APP_PORT), "app port from the web tier");
    firewalls.web.allowTo(firewalls.app, Port.tcp(APP_PORT), "to the app tier");
    firewalls.db.allowFrom(firewalls.app, Port.tcp(DB_PORT), "MySQL from the app tier");
    firewalls.app.allowTo(firewalls.db, Port.tcp(DB_PORT), "to the database tier");
    for (const server of site.servers) {
      if (server.role === "bastion") continue;
      for (const rule of server.allow) {
        for (const r of normaliseRules("ingress", rule))
          firewalls[server.role].allowFrom(r.peer, r.port, r.description);
      }
    }

    let bastion: Bastion | undefined;
    if (bastionMode && cfg.adminAccess.bastion) {
      const os: OperatingSystem = "ubuntu-24.04";
      bastion = new Bastion(
        `${site.name}-bastion`,
        {
          vpcId: network.vpcId,
          vpcCidr: site.cidr,
          subnetId: network.bastionSubnetId ?? network.privateSubnetIds[0],
          ami: amiFor(os),
          allowedCidrs: cfg.adminAccess.bastion.allowedCidrs,
          instanceProfileName: identity.profileName,
          site: site.name,
          environment: cfg.environment,
          instanceType: cfg.adminAccess.bastion.instanceType,
          rootKmsKeyArn: volumeKey,
          ...userDataArgs(renderUserData(site, { name: "bastion", role: "bastion", os })),
          patchGroup,
          detailedMonitoring: cfg.detailedMonitoring,
          terminationProtection: cfg.terminationProtection,
          waivers: withHostWaivers(cfg.adminAccess.bastion.waivers),
          internalCidrs: internalCidrsOf(cfg),
          tags: siteTags,
        },
        parentOpts,
      );
      for (const f of Object.values(firewalls)) bastion.grantSsh(f);
    }

    const servers: Record<string, HardenedServer> = {};
    site.servers.forEach((server, i) => {
      if (server.role === "bastion") return;
      servers[server.name] = new HardenedServer(
        `${site.name}-${server.name}`,
        {
          role: server.role,
          site: site.name,
          environment: cfg.environment,
          ami: amiFor(server.os, server.ami),
          instanceType: server.instanceType ?? ROLE_INSTANCE_TYPES[server.role],
          subnetId: network.privateSubnetIds[i % network.privateSubnetIds.length],
          securityGroupIds: [firewalls[server.role].securityGroupId],
          instanceProfileName: identity.profileName,
          rootVolume: { sizeGiB: server.rootVolumeGiB, kmsKeyArn: volumeKey },
          detailedMonitoring: cfg.detailedMonitoring,
          terminationProtection: cfg.terminationProtection,
          ...userDataArgs(renderUserData(site, server)),
          publicIp: server.publicIp ? { waiver: waiverFor(server, "ec2-instance-disallow-public-ip") } : undefined,
          patchGroup,
          waivers: withHostWaivers(server.waivers.filter((w) => w.policy !== "ec2-instance-disallow-public-ip")),
          tags: siteTags,
        },
        parentOpts,
      );
      // The MySQL role does not fit in user data beside the bundle: db servers get it through SSM, after the bundle.
      if (server.role === "db" && !opts.userData) {
        const srv = servers[server.name]!;
        new MysqlHostRole(
          `${site.name}-${server.name}-mysql`,
          {
            instanceId: srv.instanceId,
            mysql: {
              platform: server.os === "amazonlinux-2023" ? "amazon" : "debian",
              bindAddress: "auto",
              port: tiers.dbPort,
            },
            tags: siteTags,
          },
          { parent: srv },
        );
      }
    });
    sites[site.name] = { network, firewalls, servers, bastion };
  }

  if (bundles) {
    const stored = bundles.stored;
    identity.grantBundleRead({
      bucketArn: bundles.bucket.arn,
      objectArns: stored.map((o) => o.objectArn),
      kmsKeyArn,
      region: bundles.region,
    });
  }

  let baseline: SecurityBaseline | undefined;
  if (cfg.baseline.enabled) {
    baseline = new SecurityBaseline(
      "account",
      {
        kmsKeyArn,
        ebsKmsKeyArn: volumeKey,
        alertEmails: cfg.baseline.alertEmails,
        logRetentionDays: cfg.baseline.logRetentionDays,
        tags: baseTags,
      },
      parentOpts,
    );
  }

  const osUsed = new Set<PatchOs>(["UBUNTU"]);
  for (const site of cfg.sites) for (const s of site.servers) osUsed.add(AMI_SOURCES[s.os].patchOs);
  const patching = new PatchManagement(
    "patching",
    {
      patchGroup,
      operatingSystems: [...osUsed],
      approveAfterDays: cfg.patching.approveAfterDays,
      schedule: cfg.patching.schedule,
      durationHours: cfg.patching.durationHours,
      cutoffHours: cfg.patching.cutoffHours,
      scanSchedule: cfg.patching.scanSchedule,
      tags: baseTags,
    },
    parentOpts,
  );

  const instanceIds: Record<string, pulumi.Output<string>> = {};
  const endpoints: Record<string, pulumi.Output<string>> = {};
  const vpcIds: Record<string, pulumi.Output<string>> = {};
  for (const [siteName, s] of Object.entries(sites)) {
    vpcIds[siteName] = s.network.vpcId;
    for (const [serverName, srv] of Object.entries(s.servers)) {
      instanceIds[`${siteName}/${serverName}`] = srv.instanceId;
      endpoints[`${siteName}/${serverName}`] = srv.privateDns;
    }
    if (s.bastion) {
      instanceIds[`${siteName}/bastion`] = s.bastion.server.instanceId;
      endpoints[`${siteName}/bastion`] = s.bastion.server.privateDns;
    }
  }
  const outputs: Record<string, pulumi.Input<unknown>> = {
    environment: cfg.environment,
    adminAccessMode: cfg.adminAccess.mode,
    instanceIds,
    endpoints,
    vpcIds,
    kmsKeyArn,
    sessionPreferencesDocument: access.document.name,
    sessionLogGroup: access.logGroup.name,
    maintenanceWindowId: patching.window.id,
  };
  // Existing servers (bulwark:hosts), hardened over SSH; listed by `bulwark plan`, checked by `bulwark host verify`.
  if (cfg.hosts.length > 0) outputs.existingHosts = buildExistingHosts(cfg, tiers, parentOpts).summary;
  if (baseline) {
    outputs.alertTopicArn = baseline.topicArn;
    outputs.trailArn = baseline.trail.arn;
  }
  return { key, kmsKeyArn, identity, bundles, access, baseline, patching, sites, outputs };
}

/** RDP is opened only for Windows servers; no Windows OS is supported yet, so the NACL never opens 3389. */
function isWindows(os: string): boolean {
  return os.startsWith("windows");
}

function waiverFor(server: ServerConfig, policy: string): { reason: string; approver: string; expires: string } {
  const w = server.waivers.find((x) => x.policy === policy);
  if (!w) throw new Error(`server ${server.name}: ${policy} needs a waiver (the config layer checks this first)`);
  return { reason: w.reason, approver: w.approver, expires: w.expires };
}
