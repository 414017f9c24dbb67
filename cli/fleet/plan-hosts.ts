/** The "Existing hosts" section of `bulwark plan`: the `existingHosts` stack output, one line per server. */
import type { ExistingHostSummary } from "../../components/host/existing-hosts";

export function renderExistingHosts(outputs: Record<string, unknown>): string[] {
  const hosts = outputs.existingHosts as Record<string, ExistingHostSummary> | undefined;
  if (!hosts || Object.keys(hosts).length === 0) return [];
  const lines = ["", `Existing hosts (hardened over SSH): ${Object.keys(hosts).length}`];
  for (const [name, h] of Object.entries(hosts)) {
    lines.push(
      `  host ${name} [${h.role} @ ${h.site}]: ${h.address}:${h.port}, ${h.os}, bundle ` +
        `sha256 ${h.bundleHash.slice(0, 12)}, bastion ${h.bastion ?? "none (direct)"}`,
    );
  }
  return lines;
}
