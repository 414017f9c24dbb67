/**
 * `bulwark plan`: the pack must know the admin ranges the stack declares. In bastion mode a private office range
 * (e.g. 10.20.0.0/16) reaches the bastion on SSH; the lateral-movement control allows that only from `adminCidrs`.
 * Only ranges that are not the internet are passed: a public office range stays judged by the internet-admin control
 * and needs its waiver, as before.
 */
import * as path from "node:path";
import { isInternet } from "../../policies/src/exposure";
import { readStackFile, REPO_ROOT } from "../stack-file";

type PackConfigFile = Record<string, unknown>;

/** The stack's private admin source ranges: `adminAccess.bastion.allowedCidrs` in bastion mode. */
export function stackAdminCidrs(opts: { stack: string; configFile?: string }): string[] {
  const file = opts.configFile ?? path.join(REPO_ROOT, `Pulumi.${opts.stack}.yaml`);
  let access = readStackFile(file).config["bulwark:adminAccess"];
  // The engine hands structured config over as JSON text.
  if (typeof access === "string") access = JSON.parse(access);
  const a = access as { mode?: unknown; bastion?: { allowedCidrs?: unknown } } | undefined;
  if (a?.mode !== "bastion" || !Array.isArray(a.bastion?.allowedCidrs)) return [];
  return a.bastion.allowedCidrs.filter((c): c is string => typeof c === "string" && !isInternet(c));
}

/** The pack config with `ranges` added to `adminCidrs` (under `all`, and wherever a control sets its own). */
export function withAdminCidrs(raw: PackConfigFile | undefined, ranges: readonly string[]): PackConfigFile | undefined {
  if (!ranges.length) return raw;
  const union = (v: unknown) => [...new Set([...(Array.isArray(v) ? (v as string[]) : []), ...ranges])];
  const out: PackConfigFile = { ...(raw ?? {}) };
  for (const [k, v] of Object.entries(out))
    if (k !== "all" && v && typeof v === "object" && "adminCidrs" in v)
      out[k] = { ...v, adminCidrs: union((v as PackConfigFile).adminCidrs) };
  const all = out.all && typeof out.all === "object" ? (out.all as PackConfigFile) : {};
  out.all = { ...all, adminCidrs: union(all.adminCidrs) };
  return out;
}
