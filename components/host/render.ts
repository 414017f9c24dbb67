/**
 * Renders the host model into a bundle for one OS: files placed by `apply`, plus `apply` and `verify`.
 * The same bundle is written by the CLI, shipped as EC2 user data (cloud-init) and copied by HardenedHost.
 * One control area per file in areas/ (like dev-sec hardening's tasks), per-OS differences as data in vars/.
 */
import { gzipSync } from "zlib";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { accountsFiles } from "./areas/accounts";
import { authorizedKeysFiles, sudoersFile } from "./areas/admins";
import { aideFiles } from "./areas/aide";
import { auditdFiles } from "./areas/auditd";
import { fail2banFile } from "./areas/fail2ban";
import { renderNftables } from "./areas/host-firewall";
import { cloudwatchHook, logFiles } from "./areas/logging";
import { mysqlParts } from "./areas/mysql-hooks";
import { suricataHook, wazuhFiles, wazuhHook } from "./areas/ids";
import { permissionsFiles } from "./areas/permissions";
import { hostSshSettings, renderSshdConfig, sshCryptoPolicyFiles } from "./areas/ssh";
import { sysctlFile } from "./areas/sysctl";
import { updatesFiles } from "./areas/updates";
import { bundleEnv } from "./bundle-env";
import { HOST_CONTROLS } from "./host-controls";
import { HostConfigError, parseHostModel, type HostModel, type HostOs } from "./model";
import { sha256 } from "./sh";
import { stripShellCommentLines } from "./shell-strip";
import { OS_PROFILES } from "./vars";

// The bundle's public pieces, where tests and the CLI have always imported them from.
export { AIDE_CONF, AIDE_DB } from "./areas/aide";
export { EGRESS_NFT, nonPublicCidrs } from "./areas/egress";
export { renderNftables } from "./areas/host-firewall";
export { collapseCidrs, nftComment, NFT_COMMENT_MAX_BYTES } from "./areas/nft";
export { renderSshdConfig, sshEffective } from "./areas/ssh";
export { AGENT_KEYS } from "./host-controls";

export interface BundleFile {
  /** Absolute path on the host. */
  path: string;
  content: string;
  mode: number;
  owner?: string;
  group?: string;
}

/** A file of the bundle directory itself (relative path), e.g. `apply`, `manifest`, `files/etc/...`. */
export interface BundleEntry {
  rel: string;
  content: string;
  mode: number;
}

export interface HostBundle {
  os: HostOs;
  model: HostModel;
  /** Files `apply` installs on the host. */
  files: BundleFile[];
  apply: string;
  verify: string;
  /** Settings both scripts source (bundle.env). */
  env: string;
  /** Generated hooks run by apply/verify (lib/<name>). */
  hooks: { name: string; content: string }[];
  /** sha256 over every entry: HardenedHost re-applies when it changes. */
  hash: string;
}

export const BUNDLE_ON_HOST = "/opt/bulwark/bundle";

const SCRIPTS_DIR = path.join(__dirname, "scripts");
/** The static script bodies, without their comment-only lines (the commented source is in the repo; EC2 user
 * data is limited to 16 KiB). */
const staticBody = (name: string): string =>
  stripShellCommentLines(fs.readFileSync(path.join(SCRIPTS_DIR, `${name}.sh`), "utf8"));
/** One concern per file (functions only): apply's own are part of it, shared ones ship once as lib/<name>.sh. */
const APPLY_CONCERNS = ["ssh-switch"];
const CONCERNS = ["mta", "accounts", "updates", "listeners"];
/** Shipped as lib/<name>.sh but sourced by apply at its own step, since sourcing it acts. */
const STEPS = ["egress"];

/** Renders the bundle for `os`. Accepts raw input (validated here) or an already parsed model. */
export function renderBundle(input: unknown, os: HostOs): HostBundle {
  const m = parseHostModel(input);
  const p = OS_PROFILES[os];
  if (!p)
    throw new HostConfigError("os", [`os = ${JSON.stringify(os)}: use one of ${Object.keys(OS_PROFILES).join(", ")}`]);
  if (m.ids.kind === "suricata" && p.noSuricata) {
    throw new HostConfigError("host config", [
      `ids.kind = "suricata": ${p.noSuricata}; use kind wazuh (default), or put Suricata at the network edge`,
    ]);
  }
  const settings = hostSshSettings(m, p);
  const my = mysqlParts(m);
  const files: BundleFile[] = [
    { path: "/etc/ssh/sshd_config", content: renderSshdConfig(settings, os), mode: 0o600 },
    ...authorizedKeysFiles(m),
    { path: p.nftConf, content: renderNftables(m), mode: 0o644 },
    fail2banFile(m, p),
    sysctlFile(),
    ...auditdFiles(),
    ...aideFiles(p),
    ...updatesFiles(m, p),
    ...accountsFiles(),
    sudoersFile(m),
    ...permissionsFiles(),
    ...sshCryptoPolicyFiles(p),
    ...logFiles(m, p),
    ...wazuhFiles(m),
    ...my.files,
    {
      path: "/etc/bulwark/bundle.json",
      content: JSON.stringify({ os, role: m.role, controls: Object.keys(HOST_CONTROLS) }, null, 2) + "\n",
      mode: 0o644,
    },
  ];
  const agents = [
    { name: "10-wazuh.apply.sh", content: wazuhHook(m, p) },
    { name: "10-suricata.apply.sh", content: suricataHook(m, p) },
    { name: "20-cloudwatch.apply.sh", content: cloudwatchHook(m, p) },
  ];
  const hooks = [
    ...[...CONCERNS, ...STEPS].map((c) => ({
      name: `${c}.sh`,
      content: fs.readFileSync(path.join(SCRIPTS_DIR, `${c}.sh`), "utf8"),
    })),
    ...agents.filter((h) => h.content), // "" when the model does not use that agent
    ...my.hooks,
  ];
  const env = bundleEnv(m, os, p, settings);
  const script = (kind: "apply" | "verify") =>
    [
      "#!/usr/bin/env bash",
      `# Bulwark host hardening: ${kind} for ${os}, role ${m.role}. Generated from the host model: do not edit.`,
      "# shellcheck disable=SC2317 # helpers are called indirectly",
      "set -euo pipefail",
      "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C",
      'BUNDLE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)',
      'BUNDLE_HASH=$(cat "$BUNDLE_DIR/BUNDLE_HASH" 2>/dev/null || echo unknown)',
      "# shellcheck source=bundle.env",
      '. "$BUNDLE_DIR/bundle.env"',
      "",
      ...CONCERNS.flatMap((c) => [`# shellcheck source=lib/${c}.sh`, `. "$BUNDLE_DIR/lib/${c}.sh"`]),
      "",
    ].join("\n") + [...(kind === "apply" ? APPLY_CONCERNS : []), kind].map(staticBody).join("\n");
  const apply = script("apply");
  const verify = script("verify");
  const partial: Omit<HostBundle, "hash"> = { os, model: m, files, apply, verify, env, hooks };
  return {
    ...partial,
    hash: sha256(JSON.stringify(bundleEntries({ ...partial, hash: "" }).filter((e) => e.rel !== "BUNDLE_HASH"))),
  };
}

/** The bundle directory's entries: `apply`, `verify`, `manifest`, `BUNDLE_HASH`, `lib/*`, `files/<abs path>`. */
export function bundleEntries(b: HostBundle): BundleEntry[] {
  const manifest = b.files
    .map((f) => `${(f.mode & 0o7777).toString(8).padStart(4, "0")} ${f.owner ?? "root"} ${f.group ?? "root"} ${f.path}`)
    .join("\n");
  return [
    { rel: "apply", content: b.apply, mode: 0o755 },
    { rel: "verify", content: b.verify, mode: 0o755 },
    { rel: "bundle.env", content: b.env, mode: 0o644 },
    { rel: "manifest", content: manifest + "\n", mode: 0o644 },
    { rel: "BUNDLE_HASH", content: b.hash + "\n", mode: 0o644 },
    ...b.hooks.map((h) => ({ rel: `lib/${h.name}`, content: h.content, mode: 0o755 })),
    ...b.files.map((f) => ({ rel: `files${f.path}`, content: f.content, mode: 0o600 })),
  ];
}

/** Writes the bundle directory (created 0700: it holds the host's security config). */
export function writeBundle(b: HostBundle, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  for (const e of bundleEntries(b)) {
    const p = path.join(dir, e.rel);
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 });
    fs.writeFileSync(p, e.content, { mode: e.mode });
    fs.chmodSync(p, e.mode);
    written.push(e.rel);
  }
  return written;
}

/** Lines spelled as comments that are directives: sudoers `#include`/`#includedir`, apt.conf `#clear`. */
const COMMENT_DIRECTIVE = /^#(include|includedir|clear)\b/;

/** Bundle entries that are bash/sh: the bundle's scripts, its sourced settings, hooks and files with a shell `#!`. */
export const isShellEntry = (e: BundleEntry) =>
  e.rel === "apply" ||
  e.rel === "verify" ||
  e.rel === "bundle.env" ||
  e.rel.startsWith("lib/") ||
  /^#!(\/usr\/bin\/env |\/bin\/|\/usr\/bin\/)(ba)?sh\n/.test(e.content);

/**
 * The user-data form of a bundle entry: comment-only lines are dropped, nothing else, so every control fits
 * EC2's 16 KiB (the commented bundle is what writeBundle and `bulwark host render` write, and BUNDLE_HASH names
 * that). Shell scripts go through stripShellCommentLines (heredoc bodies, shebang and `# shellcheck` directives
 * kept); config files keep their comment-spelled directives; other `#!` files (nft -f) stay verbatim.
 */
export function compactEntry(e: BundleEntry): BundleEntry {
  if (isShellEntry(e)) return { ...e, content: stripShellCommentLines(e.content) };
  if (!e.rel.startsWith("files/") || e.content.startsWith("#!")) return e;
  const kept = e.content.split("\n").filter((l) => !/^\s*#/.test(l) || COMMENT_DIRECTIVE.test(l));
  return { ...e, content: kept.join("\n") };
}

/**
 * EC2 user data: cloud-init writes the bundle to /opt/bulwark/bundle, then runs apply and verify at first boot
 * (a failing verify fails cloud-init's final stage and is in /var/log/cloud-init-output.log).
 * Holds no secret: the Wazuh enrolment password is fetched from SSM on the host.
 */
export function renderCloudInit(b: HostBundle): string {
  const doc = {
    users: [], // no image default user with passwordless sudo (see loader.ts)
    write_files: bundleEntries(b)
      .map(compactEntry)
      .map((e) => ({
        path: `${BUNDLE_ON_HOST}/${e.rel}`,
        permissions: `0${e.mode.toString(8)}`,
        owner: "root:root",
        content: e.content,
      })),
    runcmd: [[`${BUNDLE_ON_HOST}/apply`], [`${BUNDLE_ON_HOST}/verify`]],
  };
  return (
    `#cloud-config\n# Bulwark host bundle ${b.hash} for ${b.os}, role ${b.model.role}\n` +
    // Sequences not indented under their key: the same YAML, about 200 bytes less gzipped.
    YAML.stringify(doc, { lineWidth: 0, blockQuote: "literal", indentSeq: false })
  );
}

/**
 * The inline cloud-config gzipped (cloud-init detects gzip) and base64, for a seed with EC2's 16 KiB limit. The full
 * bundle has outgrown it: HardenedServer boots the loader instead (components/host/loader.ts).
 */
export function renderUserDataBase64(b: HostBundle): string {
  const gz = gzipSync(Buffer.from(renderCloudInit(b)), { level: 9 });
  if (gz.length > 16384) {
    throw new Error(
      `host bundle user data is ${gz.length} bytes gzipped; EC2 allows 16384: boot EC2 servers through the loader ` +
        "(renderLoaderUserData, components/host/loader.ts) and keep the inline bundle for NoCloud",
    );
  }
  return gz.toString("base64");
}
