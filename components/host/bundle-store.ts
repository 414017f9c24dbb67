/**
 * BundleStore: the estate's private bucket of host bundles. Each distinct bundle is one S3 object (a
 * self-extracting archive keyed by the bundle's hash), so identical servers share it; each server's user data is
 * the small loader pinned to that object's sha256 (components/host/loader.ts). EC2 user data is limited to
 * 16 KiB and the bundle is not: this keeps every server fully hardened at first boot, with room to grow.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { EncryptedBucket } from "../storage/encrypted-bucket";
import { parseArgs } from "../config";
import { input, mergeTags, tagsField } from "../common";
import { bundleObject, bundleObjectKey, loaderTarget, renderLoaderUserData } from "./loader";
import type { HostBundle } from "./render";

const storeArgsSchema = z
  .object({
    kmsKeyArn: input<string>("the estate CMK's ARN"),
    tags: tagsField,
  })
  .strict();

export interface StoredBundle {
  object: aws.s3.BucketObjectv2;
  key: string;
  /** sha256 of the object's content: what the loader pins. */
  sha256: string;
  objectArn: pulumi.Output<string>;
  /** The loader user data (gzip+base64) for servers booting this bundle. */
  userDataBase64: pulumi.Output<string>;
}

export class BundleStore extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly region: pulumi.Output<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  private readonly objects = new Map<string, StoredBundle>();
  private readonly tags: Record<string, string>;

  constructor(name: string, args: z.input<typeof storeArgsSchema>, opts?: pulumi.ComponentResourceOptions) {
    const a = parseArgs(storeArgsSchema, args, "BundleStore", name);
    super("bulwark:host:BundleStore", name, {}, opts);
    this.kmsKeyArn = a.kmsKeyArn;
    this.tags = a.tags;
    this.bucket = new EncryptedBucket(name, { kmsKeyArn: a.kmsKeyArn, tags: a.tags }, { parent: this }).bucket;
    this.region = aws.getRegionOutput({}, { parent: this }).region;
    this.registerOutputs({ bucket: this.bucket.bucket });
  }

  /** The stored object for a bundle: created once per distinct bundle (memoised by the bundle's hash). */
  store(b: HostBundle): StoredBundle {
    const key = bundleObjectKey(b);
    const found = this.objects.get(key);
    if (found) return found;
    const o = bundleObject(b);
    const { content, sha256 } = o;
    const object = new aws.s3.BucketObjectv2(
      `host-bundle-${b.hash.slice(0, 16)}`,
      {
        bucket: this.bucket.id,
        key,
        content,
        contentType: "text/x-shellscript",
        serverSideEncryption: "aws:kms",
        kmsKeyId: this.kmsKeyArn,
        bucketKeyEnabled: true,
        tags: mergeTags("BundleStore", { Name: key, "bulwark:bundle-sha256": sha256, ...this.tags }),
      },
      { parent: this },
    );
    const stored: StoredBundle = {
      object,
      key,
      sha256,
      objectArn: pulumi.interpolate`${this.bucket.arn}/${key}`,
      // The object first, then the server: the loader never races its object's upload.
      userDataBase64: pulumi
        .all([this.bucket.bucket, this.region, object.id])
        .apply(([bucket, region]) => renderLoaderUserData(loaderTarget(o, bucket, region))),
    };
    this.objects.set(key, stored);
    return stored;
  }

  /** Every object stored so far (for the instance role's read grant). */
  get stored(): StoredBundle[] {
    return [...this.objects.values()];
  }
}
