/** The estate's host bundles in S3: one object per distinct bundle, loader user data pinned to it, a scoped read
 * grant. */
import { createHash } from "crypto";
import { gunzipSync } from "zlib";
import * as YAML from "yaml";
import { parseStackConfig } from "../../components/config";
import { buildEstate, estateTiers } from "../../components/estate";
import {
  bundleObjectKey,
  LOADER_ON_HOST,
  LOADER_PY,
  LOADER_USER_DATA_MAX_GZIP,
  renderBundleArchive,
} from "../../components/host/loader";
import { renderBundle } from "../../components/host/render";
import { serverHostModel } from "../../components/host/stack";
import { BUNDLE_GRANT_MAX_OBJECTS, InstanceIdentity } from "../../components/compute/instance-identity";
import { smallConfig } from "./fixtures/estate";
import { T, record } from "./harness";

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

function loaderConfig(userDataBase64: string): { bucket: string; key: string; region: string; sha256: string } {
  const doc = YAML.parse(gunzipSync(Buffer.from(userDataBase64, "base64")).toString()) as {
    write_files: { path: string; content: string }[];
    runcmd: string[][];
  };
  expect(doc.write_files).toEqual([
    expect.objectContaining({ path: LOADER_ON_HOST, permissions: "0700", content: LOADER_PY }),
  ]);
  expect(doc.runcmd).toHaveLength(1);
  expect(doc.runcmd[0].slice(0, 2)).toEqual(["python3", LOADER_ON_HOST]);
  return JSON.parse(doc.runcmd[0][2]) as { bucket: string; key: string; region: string; sha256: string };
}

/** smallConfig with hq holding two identical web servers (same site, role, OS: the same bundle). */
function twinConfig(): Record<string, unknown> {
  const c = smallConfig();
  const sites = c["bulwark:sites"] as { servers: { name: string; role: string }[] }[];
  sites[0].servers.push({ name: "web-2", role: "web" });
  return c;
}

describe("BundleStore: host bundles as S3 objects, loader user data", () => {
  test("each server's user data is the tiny loader pinned to the sha256 of an object the estate stores", async () => {
    const cfg = parseStackConfig(twinConfig());
    const r = await record(() => buildEstate(cfg));
    const objects = r.ofType(OBJECT);
    const byKey = new Map(objects.map((o) => [String(o.inputs.key), o]));
    const bucket = r.ofType(T.bucket).find((b) => b.name === "host-bundles")!;
    expect(bucket).toBeDefined();
    const instances = r.ofType(T.instance);
    expect(instances).toHaveLength(5);
    for (const i of instances) {
      const b64 = String(i.inputs.userDataBase64);
      expect(Buffer.from(b64, "base64").length).toBeLessThan(LOADER_USER_DATA_MAX_GZIP);
      const c = loaderConfig(b64);
      // The store's own bucket (the object's bucket input is that bucket's id).
      expect(c.bucket).toMatch(/^host-bundles-/);
      expect(byKey.get(c.key)!.propertyDependencies.bucket).toEqual([bucket.urn]);
      expect(c.region).toBe("eu-west-1");
      const o = byKey.get(c.key);
      expect(o).toBeDefined();
      // The user data pins exactly the object's content.
      expect(sha256(String(o!.inputs.content))).toBe(c.sha256);
      expect(o!.inputs).toMatchObject({
        serverSideEncryption: "aws:kms",
        kmsKeyId: expect.stringMatching(/^arn:aws:kms:/),
      });
    }
    // The object is the archive of that server's own bundle (site, role and OS).
    const tags = (i: (typeof instances)[number]) => i.inputs.tags as Record<string, string>;
    const web1 = instances.find((i) => i.name === "hq-web-1")!;
    const b = renderBundle(
      serverHostModel(
        cfg.host,
        { name: "hq", cidr: "10.10.0.0/16" },
        { name: "web-1", role: "web", os: "ubuntu-24.04" },
        estateTiers(cfg),
      ),
      "ubuntu-24.04",
    );
    expect(tags(web1)["bulwark:role"]).toBe("web");
    expect(loaderConfig(String(web1.inputs.userDataBase64)).key).toBe(bundleObjectKey(b));
    expect(byKey.get(bundleObjectKey(b))!.inputs.content).toBe(renderBundleArchive(b));
  });

  // Two tests read the twin estate: it is built once.
  let twinEstate: ReturnType<typeof record> | undefined;
  const twins = () => (twinEstate ??= record(() => buildEstate(parseStackConfig(twinConfig()))));

  test(
    "identical bundles share one object: " + "5 servers, 4 distinct bundles (hq web x2, hq app, hq db, branch app)",
    async () => {
      const r = await twins();
      const objects = r.ofType(OBJECT);
      expect(objects).toHaveLength(4);
      const ud = (n: string) => String(r.one(T.instance, n).inputs.userDataBase64);
      expect(ud("hq-web-2")).toBe(ud("hq-web-1"));
      // Same role, other site: its own bundle (the site CIDR is in its firewall), its own object.
      expect(loaderConfig(ud("branch-a-app-1")).key).not.toBe(loaderConfig(ud("hq-app-1")).key);
    },
  );

  test("the instance role reads exactly the stored objects, and decrypts only through S3 for that bucket", async () => {
    const r = await twins();
    const bucket = loaderConfig(String(r.one(T.instance, "hq-web-1").inputs.userDataBase64)).bucket;
    const bucketArn = `arn:aws:s3:::${bucket}`;
    const arns = r
      .ofType(OBJECT)
      .map((o) => `${bucketArn}/${String(o.inputs.key)}`)
      .sort();
    const grant = r.one(T.rolePolicy, "server-host-bundles");
    const doc = JSON.parse(String(grant.inputs.policy)) as {
      Statement: { Sid: string; Action: string; Resource: unknown; Condition?: unknown }[];
    };
    expect(doc.Statement).toEqual([
      { Sid: "HostBundles", Effect: "Allow", Action: "s3:GetObject", Resource: arns },
      {
        Sid: "HostBundleKey",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: expect.stringMatching(/^arn:aws:kms:eu-west-1:\d{12}:key\//),
        Condition: {
          StringEquals: {
            "kms:ViaService": "s3.eu-west-1.amazonaws.com",
            "kms:EncryptionContext:aws:s3:arn": bucketArn,
          },
        },
      },
    ]);
    expect(arns.length).toBeLessThanOrEqual(BUNDLE_GRANT_MAX_OBJECTS);
  });

  test(
    "past BUNDLE_GRANT_MAX_OBJECTS objects the grant is the bundles/ prefix (IAM's inline policy size), never " +
      "wider",
    async () => {
      const grant = async (n: number) => {
        const r = await record(() =>
          new InstanceIdentity("srv").grantBundleRead({
            bucketArn: "arn:aws:s3:::b1",
            objectArns: Array.from(
              { length: n },
              (_, i) => `arn:aws:s3:::b1/bundles/debian-12/web/${String(i).padStart(64, "0")}.sh`,
            ),
            kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k",
            region: "eu-west-1",
          }),
        );
        const policy = String(r.one(T.rolePolicy, "srv-host-bundles").inputs.policy);
        expect(policy.length).toBeLessThan(10240);
        return (JSON.parse(policy) as { Statement: { Resource: unknown }[] }).Statement[0].Resource;
      };
      expect(await grant(BUNDLE_GRANT_MAX_OBJECTS)).toHaveLength(BUNDLE_GRANT_MAX_OBJECTS);
      expect(await grant(BUNDLE_GRANT_MAX_OBJECTS + 1)).toBe("arn:aws:s3:::b1/bundles/*");
    },
  );

  test(
    "the bundle bucket is an EncryptedBucket: " + "SSE-KMS on the estate key, public access blocked, TLS only",
    async () => {
      const r = await record(() => buildEstate(parseStackConfig(smallConfig())));
      const sse = r.ofType(T.sse).find((x) => x.name === "host-bundles")!;
      expect(sse.inputs.rules).toEqual([
        expect.objectContaining({
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: "aws:kms",
            kmsMasterKeyId: expect.stringMatching(/^arn:aws:kms:/),
          },
        }),
      ]);
      expect(r.ofType(T.pab).find((x) => x.name === "host-bundles")!.inputs).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      const policy = JSON.parse(
        String(r.ofType(T.bucketPolicy).find((x) => x.name === "host-bundles")!.inputs.policy),
      ) as { Statement: { Sid: string }[] };
      expect(policy.Statement.map((s) => s.Sid)).toEqual(["DenyInsecureTransport"]);
    },
  );

  test("a renderer given to buildEstate replaces the store: no bucket, no objects, no grant", async () => {
    const r = await record(() => buildEstate(parseStackConfig(smallConfig()), { userData: () => "#cloud-config\n" }));
    expect(r.ofType(OBJECT)).toEqual([]);
    expect(r.ofType(T.bucket).map((b) => b.name)).not.toContain("host-bundles");
    expect(r.ofType(T.rolePolicy).map((p) => p.name)).not.toContain("server-host-bundles");
  });
});
