/**
 * The prod stack file switched to bastion mode with a real (public) office range, as issue 16 describes: one admin,
 * 81.2.69.0/24, and the one waiver the README asks for. Written as JSON, which is YAML.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readStackFile } from "../../cli/plan-runner";

export const ROOT = join(__dirname, "..", "..");
export const OFFICE = "81.2.69.0/24";
/** A private office range (RFC 1918, outside every site CIDR): lateral movement unless it is an admin range. */
export const PRIVATE_OFFICE = "10.200.0.0/16";
/** A real ed25519 public key (no private key anywhere in the repo). */
export const ADMIN_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG0XTLhWu2K3Z3k4S4NhcCyqyOgOVM9kfe7rhFTKzzwg ops@example.com";

const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

export type WaiverCase = "valid" | "none" | "expired";

export function bastionWaiver(kind: Exclude<WaiverCase, "none">) {
  return {
    policy: "ec2-security-group-disallow-internet-admin-ingress",
    reason: "office VPN egress range reaches the bastion only",
    approver: "security@example.com",
    expires: kind === "valid" ? isoDay(180) : isoDay(-2),
  };
}

export function bastionStack(waiver: WaiverCase, allowedCidrs: string[] = [OFFICE]): Record<string, unknown> {
  const { config, secretKeys } = readStackFile(join(ROOT, "Pulumi.prod.yaml"));
  // Secrets stay secrets in the written file (the offline placeholder would read as a plaintext key).
  for (const k of secretKeys) config[k] = { secure: "v1:offline-test-ciphertext" };
  const host = { ...(config["bulwark:host"] as Record<string, unknown>) };
  delete host.managementSources; // bastion mode: the bastion takes SSH from the office, servers from their site
  host.admins = [{ name: "ops", sshKeys: [ADMIN_KEY] }];
  return {
    ...config,
    "bulwark:host": host,
    "bulwark:adminAccess": {
      ...(config["bulwark:adminAccess"] as Record<string, unknown>),
      mode: "bastion",
      bastion: { allowedCidrs, waivers: waiver === "none" ? [] : [bastionWaiver(waiver)] },
    },
  };
}

/** Writes the stack file to a fresh temp folder; `cleanup` removes it. */
export function writeStack(config: Record<string, unknown>): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bastion-"));
  const file = join(dir, "Pulumi.bastion.yaml");
  writeFileSync(file, JSON.stringify({ config }, null, 1));
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
