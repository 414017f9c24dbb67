/**
 * The hosts `bulwark host verify` checks: from a stack file (`bulwark:hosts`, with the bundle hash the stack
 * declares for each) or from an inventory file (YAML/JSON `{hosts: [...]}`, the same entry shape plus an optional
 * `bundleHash`). Every error names the field, the value and the fix.
 */
import { BulwarkError } from "../../components/errors";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { z } from "zod";
import { ConfigError, parseStackConfig } from "../../components/config";
import { bastionOf, entryHostModel, hostEntrySchema, type HostEntry } from "../../components/host/hosts-config";
import type { SshTarget } from "./ssh";

export interface VerifyTarget extends SshTarget {
  site: string;
  os: string;
  role: string;
  expectedBundleHash?: string;
}

export class TargetsError extends BulwarkError {}

function toTarget(e: HostEntry, all: readonly HostEntry[], expectedBundleHash?: string): VerifyTarget {
  const bastion = bastionOf(e, all);
  return {
    name: e.name,
    site: e.site,
    os: e.os,
    role: e.role,
    address: e.address,
    port: e.ssh.port,
    user: e.ssh.user,
    hostKey: e.ssh.hostKey,
    ...(bastion ? { bastion } : {}),
    ...(expectedBundleHash ? { expectedBundleHash } : {}),
  };
}

export async function targetsFromStack(stack: string, configFile?: string): Promise<VerifyTarget[]> {
  const { readStackFile, REPO_ROOT } = await import("../stack-file");
  const file = configFile ?? path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file))
    throw new TargetsError(`no stack file ${file}: give --stack <name> of a Pulumi.<name>.yaml, or --inventory <file>`);
  let cfg;
  try {
    const { config, secretKeys } = readStackFile(file);
    cfg = parseStackConfig(config, { secretKeys });
  } catch (e) {
    if (e instanceof ConfigError) throw new TargetsError(e.message);
    throw e;
  }
  if (cfg.hosts.length === 0) throw new TargetsError(`${file} declares no bulwark:hosts: nothing to verify`);
  const { estateTiers } = await import("../../components/estate");
  const { renderBundle } = await import("../../components/host/render");
  const tiers = estateTiers(cfg);
  return cfg.hosts.map((h) => {
    const site = cfg.sites.find((s) => s.name === h.site)!;
    return toTarget(h, cfg.hosts, renderBundle(entryHostModel(cfg.host, h, cfg.hosts, site.cidr, tiers), h.os).hash);
  });
}

const inventorySchema = z
  .object({
    hosts: z
      .array(
        hostEntrySchema.extend({
          bundleHash: z
            .string()
            .regex(/^[0-9a-f]{64}$/, "use the bundle's sha256 (64 hex digits), or omit it")
            .optional(),
        }),
      )
      .min(1, "list at least one host"),
  })
  .strict();

export function targetsFromInventory(file: string): VerifyTarget[] {
  let raw: unknown;
  try {
    raw = YAML.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new TargetsError(`cannot read inventory ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  const r = inventorySchema.safeParse(raw, { reportInput: true });
  const problems: string[] = [];
  if (!r.success) {
    for (const i of r.error.issues)
      problems.push(
        `${file}: ${i.path
          .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
          .join("")
          .replace(/^\./, "")}: got ${JSON.stringify(i.input) ?? "nothing"}: ${i.message}`,
      );
  } else {
    const names = new Set<string>();
    r.data.hosts.forEach((h, i) => {
      if (names.has(h.name)) problems.push(`${file}: hosts[${i}].name: got "${h.name}": names must be unique`);
      names.add(h.name);
      if (typeof h.via === "string" && !r.data.hosts.some((b) => b.name === h.via && b.role === "bastion"))
        problems.push(
          `${file}: hosts[${i}].via: got "${h.via}": name a host of this inventory with role bastion, or ` +
            `give {address, user, hostKey}`,
        );
    });
  }
  if (problems.length)
    throw new TargetsError(
      `invalid inventory (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ` +
        `- ${problems.join("\n  - ")}`,
    );
  const hosts = r.data!.hosts;
  return hosts.map((h) => toTarget(h, hosts, h.bundleHash));
}
