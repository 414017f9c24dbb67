/**
 * HardenedServer: an EC2 instance that is safe as built. IMDSv2 with hop limit 1, encrypted gp3 root (optional
 * CMK), no public IP, no key pair, an instance profile limited to SSM + CloudWatch agent, detailed monitoring,
 * termination protection on prod, role/site tags. User data is a seam: whatever bundle is given reaches the
 * instance, and a change to it replaces the instance (a hardened host is rebuilt, not mutated in place). The
 * estate gives the bundle loader (components/host/loader.ts): the bundle itself is an S3 object in the estate's
 * BundleStore, which the role reads through grantBundleRead.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { PolicyNames, SwitchWaiverNames } from "../../policies/src/names";
import { parseArgs, ROLES } from "../config";
import { IMDS, ROOT_VOLUME, TAGS } from "../controls";
import { input, mergeTags, optOutSchema, tagsField, waiversField } from "../common";
import { isOn, switchField, switchWaiver } from "../switch";
import { InstanceIdentity } from "./instance-identity";

/** Policy name for key-pair opt-outs (the pack's registry owns it). */
export const KEY_PAIR_POLICY = PolicyNames.instanceKeyPair;

const serverArgsSchema = z
  .object({
    role: z.enum(ROLES),
    site: z.string().min(1, "name the site this server belongs to"),
    environment: z.enum(["prod", "staging", "dev"]),
    ami: input<string>("an AMI id"),
    instanceType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\d[a-z0-9-]*\.[a-z0-9]+$/, "use an EC2 instance type such as t3.small")
      .default("t3.small"),
    subnetId: input<string>("a private subnet id"),
    securityGroupIds: z
      .array(input<string>("a security group id"))
      .min(1, "attach at least one Firewall: a server never runs without one"),
    /** Shared instance profile; without it the server gets its own InstanceIdentity. */
    instanceProfileName: input<string>("an instance profile name").optional(),
    rootVolume: z
      .object({
        sizeGiB: z.number().int().min(8, "give the root volume at least 8 GiB").max(16384).default(30),
        kmsKeyArn: input<string>("a KMS key ARN").optional(),
        iops: z.number().int().min(3000).max(16000).optional(),
        throughput: z.number().int().min(125).max(1000).optional(),
      })
      .strict()
      .default({ sizeGiB: 30 }),
    /** The host hardening bundle (cloud-init text). Changing it replaces the instance. */
    userData: input<string>("user data text").optional(),
    /** The same seam for a bundle already base64-encoded (e.g. gzipped cloud-config to fit EC2's 16 KiB limit). */
    userDataBase64: input<string>("base64 user data").optional(),
    /** On unless switched off with a waiver ({enabled: false, waiver}). */
    detailedMonitoring: switchField("detailedMonitoring").prefault(true),
    /** Defaults to on in prod; off (anywhere it would be on) needs a waiver. */
    terminationProtection: switchField("terminationProtection").optional(),
    /** Opt-out: a public IP, only with a waiver. */
    publicIp: z.object({ waiver: optOutSchema }).strict().optional(),
    /** Opt-out: an EC2 key pair, only with a waiver (SSM needs none). */
    keyPair: z
      .object({ name: z.string().min(1), waiver: optOutSchema })
      .strict()
      .optional(),
    patchGroup: z.string().min(1).optional(),
    waivers: waiversField,
    tags: tagsField,
  })
  .strict()
  .refine((a) => a.userData === undefined || a.userDataBase64 === undefined, {
    path: ["userDataBase64"],
    message: "give the bundle once: userData (text) or userDataBase64, not both",
  });

export type HardenedServerArgs = z.input<typeof serverArgsSchema>;

export class HardenedServer extends pulumi.ComponentResource {
  readonly instance: aws.ec2.Instance;
  readonly instanceId: pulumi.Output<string>;
  readonly privateIp: pulumi.Output<string>;
  readonly privateDns: pulumi.Output<string>;
  readonly identity?: InstanceIdentity;

  constructor(name: string, args: HardenedServerArgs, opts?: pulumi.ComponentResourceOptions) {
    const a = parseArgs(serverArgsSchema, args, "HardenedServer", name);
    super("bulwark:compute:HardenedServer", name, {}, opts);

    const waivers = [
      ...a.waivers,
      ...(a.publicIp ? [{ policy: PolicyNames.instancePublicIp, ...a.publicIp.waiver }] : []),
      ...(a.keyPair ? [{ policy: KEY_PAIR_POLICY, ...a.keyPair.waiver }] : []),
      ...switchWaiver(a.detailedMonitoring, PolicyNames.instanceDetailedMonitoring),
      ...switchWaiver(a.terminationProtection, SwitchWaiverNames.terminationProtection),
    ];
    let profileName = a.instanceProfileName;
    if (!profileName) {
      this.identity = new InstanceIdentity(`${name}-identity`, {}, { parent: this });
      profileName = this.identity.profileName;
    }
    const tags = mergeTags(
      "HardenedServer",
      {
        Name: name,
        [TAGS.role]: a.role,
        [TAGS.site]: a.site,
        [TAGS.environment]: a.environment,
        ...(a.patchGroup ? { [TAGS.patchGroup]: a.patchGroup } : {}),
        ...a.tags,
      },
      waivers,
    );

    this.instance = new aws.ec2.Instance(
      name,
      {
        ami: a.ami,
        instanceType: a.instanceType,
        subnetId: a.subnetId,
        vpcSecurityGroupIds: a.securityGroupIds,
        associatePublicIpAddress: a.publicIp !== undefined,
        keyName: a.keyPair?.name,
        iamInstanceProfile: profileName,
        metadataOptions: { ...IMDS, instanceMetadataTags: "disabled" },
        rootBlockDevice: {
          ...ROOT_VOLUME,
          volumeSize: a.rootVolume.sizeGiB,
          kmsKeyId: a.rootVolume.kmsKeyArn,
          iops: a.rootVolume.iops,
          throughput: a.rootVolume.throughput,
          tags: mergeTags("HardenedServer", { Name: `${name}-root`, [TAGS.role]: a.role, [TAGS.site]: a.site }),
        },
        monitoring: isOn(a.detailedMonitoring),
        // Outside prod an unset switch leaves AWS's default (the pack advises); only an explicit off needs a waiver.
        disableApiTermination:
          a.terminationProtection === undefined && a.environment !== "prod" ? undefined : isOn(a.terminationProtection),
        userData: a.userData,
        userDataBase64: a.userDataBase64,
        userDataReplaceOnChange: true,
        tags,
      },
      { parent: this, replaceOnChanges: ["userData", "userDataBase64"] },
    );

    this.instanceId = this.instance.id;
    this.privateIp = this.instance.privateIp;
    this.privateDns = this.instance.privateDns;
    this.registerOutputs({ instanceId: this.instanceId, privateIp: this.privateIp });
  }
}
