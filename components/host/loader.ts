/**
 * EC2 user data is limited to 16 KiB, and the full host bundle no longer fits. HardenedServer boots a small,
 * fixed loader instead: the bundle is an S3 object (a self-extracting shell archive), fetched at first boot with
 * the instance role and run only if its sha256 is the one pinned here. `renderCloudInit` (the bundle inline)
 * stays for on-prem/NoCloud, where there is no size limit.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import * as YAML from "yaml";
import { BUNDLE_ON_HOST, bundleEntries, type HostBundle } from "./render";

/** Where the loader lives on the host; cloud-init's runcmd runs it once, at first boot. */
export const LOADER_ON_HOST = "/opt/bulwark/loader.py";
/** The loader's user data must stay tiny whatever the bundle grows to (EC2 allows 16 KiB). */
export const LOADER_USER_DATA_MAX_GZIP = 4096;

export const LOADER_PY = fs.readFileSync(path.join(__dirname, "scripts", "loader.py"), "utf8");

export function sha256Hex(s: string | Buffer): string {
  return createHash("sha256").update(s).digest("hex");
}

/** The S3 key of a bundle: one object per distinct bundle, so identical servers share it. */
export function bundleObjectKey(b: HostBundle): string {
  return `bundles/${b.os}/${b.model.role}/${b.hash}.sh`;
}

/**
 * The bundle as a self-extracting POSIX shell archive: `sh archive DIR` writes exactly what writeBundle writes
 * (same bytes, same modes, directories 0700). Contents travel base64-encoded, so no byte needs shell quoting.
 */
export function renderBundleArchive(b: HostBundle): string {
  const entries = bundleEntries(b);
  const odd = entries.find((e) => !/^[A-Za-z0-9._@+/-]+$/.test(e.rel) || e.rel.split("/").includes(".."));
  if (odd)
    throw new Error(
      `bundle entry ${JSON.stringify(odd.rel)}: an archive path uses letters, digits and . _ @ + - / only`,
    );
  const dirs = [...new Set(entries.map((e) => path.posix.dirname(e.rel)).filter((d) => d !== "."))].flatMap((d) =>
    d.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/")),
  );
  const out = [
    "#!/bin/sh",
    `# Bulwark host bundle ${b.hash} for ${b.os}, role ${b.model.role}: self-extracting archive. Usage: sh THIS DIR`,
    "set -eu",
    "d=${1:?usage: sh bundle.sh DIR}",
    "umask 077",
    'install -d -m 0700 "$d"',
    ...[...new Set(dirs)].map((d) => `install -d -m 0700 "$d/${d}"`),
  ];
  for (const e of entries) {
    const b64 = Buffer.from(e.content).toString("base64").replace(/.{76}/g, "$&\n").replace(/\n$/, "");
    out.push(
      `base64 -d > "$d/${e.rel}" <<'EOF_B64'`,
      ...(b64 ? [b64] : []),
      "EOF_B64",
      `chmod 0${(e.mode & 0o7777).toString(8)} "$d/${e.rel}"`,
    );
  }
  return out.join("\n") + "\n";
}

export interface LoaderTarget {
  bucket: string;
  key: string;
  region: string;
  /** sha256 of the archive object's content: the loader runs nothing else. */
  sha256: string;
  /** Shown in the user data's header (and by `bulwark plan`). */
  bundle: { hash: string; os: string; role: string };
}

/** A bundle as its S3 object: the archive, its key and sha256, and what the loader's header shows. */
export interface BundleObject extends Omit<LoaderTarget, "bucket" | "region"> {
  content: string;
}

export function bundleObject(b: HostBundle): BundleObject {
  const content = renderBundleArchive(b);
  const bundle = { hash: b.hash, os: b.os, role: b.model.role };
  return { key: bundleObjectKey(b), content, sha256: sha256Hex(content), bundle };
}

/** The loader's target: a bundle's object in `bucket` (in `region`). */
export function loaderTarget(o: BundleObject, bucket: string, region: string): LoaderTarget {
  return { bucket, key: o.key, region, sha256: o.sha256, bundle: o.bundle };
}

/** Render-time overrides for tests only (loopback fakes); never read from the instance's environment. */
export interface LoaderTestOverrides {
  endpoint?: string;
  imds?: string;
  dest?: string;
  deadline?: number;
  /** Seconds before the first retry (then doubling, at most 30). */
  retryDelay?: number;
}

const SAFE = /^[A-Za-z0-9._/:-]+$/;

/** The loader's cloud-config: the loader file, and one runcmd that fetches, checks, extracts, applies, verifies. */
export function renderLoaderCloudInit(t: LoaderTarget, test: LoaderTestOverrides = {}): string {
  for (const [k, v] of Object.entries({ bucket: t.bucket, key: t.key, region: t.region })) {
    if (!SAFE.test(v)) throw new Error(`loader ${k} = ${JSON.stringify(v)}: use letters, digits and . _ / : - only`);
  }
  if (!/^[0-9a-f]{64}$/.test(t.sha256))
    throw new Error(`loader sha256 = ${JSON.stringify(t.sha256)}: give the archive's hex sha256`);
  const cfg = { bucket: t.bucket, key: t.key, region: t.region, sha256: t.sha256, ...test };
  const doc = {
    // No image default user (ubuntu, admin, debian): cloud-init would give it passwordless sudo, a grant nobody
    // declared. Admins and the Session Manager user come from the bundle.
    users: [],
    write_files: [{ path: LOADER_ON_HOST, permissions: "0700", owner: "root:root", content: LOADER_PY }],
    runcmd: [["python3", LOADER_ON_HOST, JSON.stringify(cfg)]],
  };
  return (
    `#cloud-config\n# Bulwark host bundle ${t.bundle.hash} for ${t.bundle.os}, role ${t.bundle.role}\n` +
    `# Bulwark bundle loader: s3://${t.bucket}/${t.key} sha256 ${t.sha256} into ${test.dest ?? BUNDLE_ON_HOST}\n` +
    YAML.stringify(doc, { lineWidth: 0, blockQuote: "literal", indentSeq: false })
  );
}

/** The loader user data, gzipped and base64 for userDataBase64 (cloud-init detects gzip). */
export function renderLoaderUserData(t: LoaderTarget, test: LoaderTestOverrides = {}): string {
  const gz = gzipSync(Buffer.from(renderLoaderCloudInit(t, test)), { level: 9 });
  if (gz.length > LOADER_USER_DATA_MAX_GZIP)
    throw new Error(`loader user data is ${gz.length} bytes gzipped; keep it under ${LOADER_USER_DATA_MAX_GZIP}`);
  return gz.toString("base64");
}

/** The entries of an archive renderBundleArchive wrote (rel -> content): plan checks and tests read bundles back. */
export function archiveEntries(archive: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of archive.matchAll(/^base64 -d > "\$d\/([^"]+)" <<'EOF_B64'\n([A-Za-z0-9+/=\n]*?)EOF_B64$/gm)) {
    out.set(m[1], Buffer.from(m[2].replace(/\n/g, ""), "base64").toString("utf8"));
  }
  return out;
}
