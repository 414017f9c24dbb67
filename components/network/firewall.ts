/**
 * Firewall: one security group with rules written as intent, CDK-style:
 *   web.allowFrom(Peer.anyIpv4(), Port.tcp(443), "HTTPS from the internet");
 *   db.allowFrom(app, Port.tcp(3306), "MySQL from the app tier");
 * Rules are separate aws.vpc.SecurityGroup{Ingress,Egress}Rule resources (never inline, never
 * aws.ec2.SecurityGroupRule), so each one can be added, waived and diffed alone. Internet exposure is judged when
 * the rule is written.
 */
import { BulwarkError } from "../errors";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { PolicyNames } from "../../policies/src/names";
import { parseArgs, ruleSchema } from "../config";
import { DEFAULT_AUTHORIZED_WEB_PORTS, DEFAULT_EGRESS_PORTS } from "../controls";
import { input, mergeTags, tagsField, waiversField, type Waiver } from "../common";
import { type NormalisedRule, type PeerSpec, type PortSpec, Peer, Port, judgeIngress, normaliseRules } from "../rules";

export { Peer, Port };

const firewallArgsSchema = z
  .object({
    vpcId: input<string>("the VPC id"),
    description: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[\x20-\x7e]*$/, "use printable ASCII (AWS rejects other characters)")
      .default("Managed by Bulwark"),
    authorizedWebPorts: z.array(z.number().int().min(1).max(65535)).default([...DEFAULT_AUTHORIZED_WEB_PORTS]),
    /** Declared internal ranges (site CIDRs, the stack's internalCidrs): not the internet to the exposure model. */
    internalCidrs: z.array(z.string()).default([]),
    /**
     * `https`: TCP 443 out only (default). `none`: no egress. `all`: everything, needs a sgUnrestrictedEgress waiver.
     */
    egress: z.enum(["https", "none", "all"]).default("https"),
    ingress: z.array(ruleSchema).default([]),
    waivers: waiversField,
    tags: tagsField,
  })
  .strict();

export type FirewallArgs = z.input<typeof firewallArgsSchema>;

export class FirewallError extends BulwarkError {
  constructor(firewall: string, rule: string, message: string, fix: string) {
    super(`Firewall "${firewall}" rule ${rule}: ${message}. Fix: ${fix}`);
  }
}

export class Firewall extends pulumi.ComponentResource {
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly securityGroupId: pulumi.Output<string>;
  /** Every rule written so far, normalised (for tests, plan output and the policy pack's eyes). */
  readonly rules: NormalisedRule[] = [];
  private readonly settings: z.output<typeof firewallArgsSchema>;
  private readonly names = new Set<string>();
  private readonly logicalName: string;

  constructor(name: string, args: FirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = parseArgs(firewallArgsSchema, args, "Firewall", name);
    super("bulwark:network:Firewall", name, {}, opts);
    this.settings = settings;
    this.logicalName = name;
    // Waivers this firewall may need are checked before anything exists.
    const initial = settings.ingress.flatMap((r) => normaliseRules("ingress", r));
    initial.forEach((r) => this.judge(r));
    if (settings.egress === "all" && !settings.waivers.some((w) => w.policy === PolicyNames.sgUnrestrictedEgress)) {
      throw new FirewallError(
        name,
        "egress all",
        "unrestricted egress is off by default",
        `add a waiver {policy: ${PolicyNames.sgUnrestrictedEgress}, reason, approver, expires} or use egress: https`,
      );
    }

    this.securityGroup = new aws.ec2.SecurityGroup(
      name,
      {
        vpcId: settings.vpcId,
        description: settings.description,
        revokeRulesOnDelete: true,
        tags: mergeTags("Firewall", { Name: name, ...settings.tags }, settings.waivers),
      },
      { parent: this },
    );
    this.securityGroupId = this.securityGroup.id;

    for (const r of initial) this.addRule(r);
    if (settings.egress === "https") {
      for (const p of DEFAULT_EGRESS_PORTS)
        this.allowTo(Peer.anyIpv4(), Port.tcp(p), `HTTPS out (SSM endpoints, S3, updates)`);
    } else if (settings.egress === "all") {
      this.allowTo(Peer.anyIpv4(), Port.allTraffic(), "all egress (waived)");
    }
    this.registerOutputs({ securityGroupId: this.securityGroupId });
  }

  /** This firewall as a peer of another firewall's rule. */
  get peer(): PeerSpec {
    return Peer.securityGroup(this.securityGroupId, this.logicalName);
  }

  /** Ingress from a peer (CIDR, prefix list, security group or another Firewall) on a port. */
  allowFrom(peer: PeerSpec | Firewall, port: PortSpec, description: string): this {
    const r: NormalisedRule = {
      direction: "ingress",
      peer: peer instanceof Firewall ? peer.peer : peer,
      port,
      description,
    };
    this.judge(r);
    this.addRule(r);
    return this;
  }

  /** Egress to a peer on a port. Unrestricted egress (all traffic to 0.0.0.0/0) needs a waiver. */
  allowTo(peer: PeerSpec | Firewall, port: PortSpec, description: string): this {
    const p = peer instanceof Firewall ? peer.peer : peer;
    if (
      port.protocol === "-1" &&
      (p.kind === "ipv4" || p.kind === "ipv6") &&
      p.cidr.endsWith("/0") &&
      !this.settings.waivers.some((w) => w.policy === PolicyNames.sgUnrestrictedEgress)
    ) {
      throw new FirewallError(
        this.logicalName,
        `to ${p.label} ${port.label}`,
        "unrestricted egress is off by default",
        `add a waiver {policy: ${PolicyNames.sgUnrestrictedEgress}, reason, approver, expires}`,
      );
    }
    this.addRule({ direction: "egress", peer: p, port, description });
    return this;
  }

  private judge(r: NormalisedRule): Waiver | undefined {
    const v = this.verdict(r);
    if (!v.ok) throw new FirewallError(this.logicalName, `from ${r.peer.label} ${r.port.label}`, v.message, v.fix);
    return v.waivers[0];
  }

  private verdict(r: NormalisedRule) {
    return judgeIngress(
      r.peer,
      r.port,
      this.settings.authorizedWebPorts,
      this.settings.waivers,
      new Date(),
      this.settings.internalCidrs,
    );
  }

  private addRule(r: NormalisedRule): void {
    const ruleName = `${this.logicalName}-${r.direction === "ingress" ? "in" : "out"}-${r.peer.label}-${r.port.label}`;
    if (this.names.has(ruleName)) return; // the same intent twice is one rule
    this.names.add(ruleName);
    const ruleWaivers = this.waiversFor(r);
    const args = {
      securityGroupId: this.securityGroup.id,
      ipProtocol: r.port.protocol,
      fromPort: r.port.protocol === "-1" ? undefined : r.port.fromPort,
      toPort: r.port.protocol === "-1" ? undefined : r.port.toPort,
      cidrIpv4: r.peer.kind === "ipv4" ? r.peer.cidr : undefined,
      cidrIpv6: r.peer.kind === "ipv6" ? r.peer.cidr : undefined,
      prefixListId: r.peer.kind === "prefixList" ? r.peer.id : undefined,
      referencedSecurityGroupId: r.peer.kind === "securityGroup" ? r.peer.id : undefined,
      description: r.description.replace(/[^\x20-\x7e]/g, "").slice(0, 255),
      tags: mergeTags("Firewall", { Name: ruleName }, ruleWaivers),
    };
    if (r.direction === "ingress") new aws.vpc.SecurityGroupIngressRule(ruleName, args, { parent: this });
    else new aws.vpc.SecurityGroupEgressRule(ruleName, args, { parent: this });
    this.rules.push(r);
  }

  /** The waivers a rule actually relies on (so the tag sits on the rule the pack will flag). */
  private waiversFor(r: NormalisedRule): Waiver[] {
    if (r.direction === "egress") {
      return r.port.protocol === "-1"
        ? this.settings.waivers.filter((w) => w.policy === PolicyNames.sgUnrestrictedEgress)
        : [];
    }
    const v = this.verdict(r);
    return v.ok ? v.waivers : [];
  }
}
