/**
 * Bastion: in RemoteAccess's bastion mode, one per network: a hardened server whose SSH comes only from
 * allow-listed CIDRs; targets accept 22 only from the bastion's firewall (grantSsh). Port 22/3389 from the
 * internet cannot be expressed: Firewall refuses it.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseArgs } from "../config";
import { input, tagsField, waiversField } from "../common";
import { Firewall, FirewallError, Peer, Port } from "../network/firewall";
import { HardenedServer } from "../compute/hardened-server";
import { judgeIngress, parseCidr } from "../rules";
import { switchField } from "../switch";

const bastionArgsSchema = z
  .object({
    vpcId: input<string>("the VPC id"),
    vpcCidr: z.string().superRefine((v, ctx) => {
      try {
        parseCidr(v, "ipv4");
      } catch (e) {
        ctx.addIssue({ code: "custom", message: (e as Error).message });
      }
    }),
    subnetId: input<string>("a private subnet id"),
    ami: input<string>("an AMI id"),
    allowedCidrs: z.array(z.string()).min(1, "list the CIDRs allowed to reach the bastion"),
    instanceProfileName: input<string>("an instance profile name"),
    site: z.string().min(1),
    environment: z.enum(["prod", "staging", "dev"]),
    instanceType: z.string().default("t3.micro"),
    rootKmsKeyArn: input<string>("a KMS key ARN").optional(),
    userData: input<string>("user data").optional(),
    userDataBase64: input<string>("base64 user data").optional(),
    patchGroup: z.string().optional(),
    /** The servers' switches, secure by default here too: off only as {enabled: false, waiver}. */
    detailedMonitoring: switchField("detailedMonitoring").prefault(true),
    terminationProtection: switchField("terminationProtection").prefault(true),
    waivers: waiversField,
    /** Declared internal ranges (site CIDRs, bulwark:internalCidrs) for the exposure model. */
    internalCidrs: z.array(z.string()).default([]),
    tags: tagsField,
  })
  .strict();

export type BastionArgs = z.input<typeof bastionArgsSchema>;

/** A hardened bastion: SSH in only from allow-listed CIDRs, SSH out only into its own VPC. */
export class Bastion extends pulumi.ComponentResource {
  readonly firewall: Firewall;
  readonly server: HardenedServer;

  constructor(name: string, args: BastionArgs, opts?: pulumi.ComponentResourceOptions) {
    const a = parseArgs(bastionArgsSchema, args, "Bastion", name);
    // Judge every allow-listed source before anything exists.
    const peers = a.allowedCidrs.map((cidr) => (cidr.includes(":") ? Peer.ipv6(cidr) : Peer.ipv4(cidr)));
    for (const peer of peers) {
      const v = judgeIngress(peer, Port.tcp(22), [], a.waivers, new Date(), [a.vpcCidr, ...a.internalCidrs]);
      if (!v.ok) throw new FirewallError(`${name}-bastion`, `from ${peer.label} tcp22`, v.message, v.fix);
    }
    super("bulwark:access:Bastion", name, {}, opts);
    this.firewall = new Firewall(
      `${name}-bastion`,
      {
        vpcId: a.vpcId,
        description: "Bastion: SSH from allow-listed CIDRs only",
        waivers: a.waivers,
        internalCidrs: [a.vpcCidr, ...a.internalCidrs],
        tags: a.tags,
      },
      { parent: this },
    );
    for (const peer of peers)
      this.firewall.allowFrom(
        peer,
        Port.tcp(22),
        `SSH from allow-listed ${peer.kind === "ipv4" || peer.kind === "ipv6" ? peer.cidr : peer.label}`,
      );
    this.firewall.allowTo(Peer.ipv4(a.vpcCidr), Port.tcp(22), "SSH to targets in this VPC");
    this.server = new HardenedServer(
      name,
      {
        role: "bastion",
        site: a.site,
        environment: a.environment,
        ami: a.ami,
        instanceType: a.instanceType,
        subnetId: a.subnetId,
        securityGroupIds: [this.firewall.securityGroupId],
        instanceProfileName: a.instanceProfileName,
        rootVolume: { sizeGiB: 16, kmsKeyArn: a.rootKmsKeyArn },
        userData: a.userData,
        userDataBase64: a.userDataBase64,
        patchGroup: a.patchGroup,
        detailedMonitoring: a.detailedMonitoring,
        terminationProtection: a.terminationProtection,
        waivers: a.waivers,
        tags: a.tags,
      },
      { parent: this },
    );
    this.registerOutputs({ instanceId: this.server.instanceId });
  }

  /** Lets a target firewall accept SSH from this bastion only. */
  grantSsh(target: Firewall): void {
    target.allowFrom(this.firewall, Port.tcp(22), "SSH from the bastion only");
  }
}
