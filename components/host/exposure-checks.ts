/**
 * The host model's exposure refusals (issue 9 item 6), by the one exposure model and the very function the stack
 * config and Firewall use (judgeIngress): SSH from any spelling of the whole internet is refused; a public SSH source,
 * or an admin/high-risk port from the internet in `inbound`, needs the same unexpired waiver the stack config needs.
 */
import { z } from "zod";
import { waiverSchema } from "../../policies/src/waiver";
import { DEFAULT_WEB_PORTS } from "../../policies/src/exposure";
import { isAnywhere, judgeIngress, type PeerSpec, type PortSpec } from "../rules";

/** Filled by the estate from the server's config (stack.ts); a hand-written host config may set it too. */
export const hostExposureSchema = z
  .object({
    /** The server's exposure waivers (policy names as in the pack), e.g. the bastion's admin-ingress waiver. */
    waivers: z.array(waiverSchema).default([]),
    /** Declared internal ranges beyond RFC 1918/ULA/loopback/link-local (site CIDRs, bulwark:internalCidrs). */
    internalCidrs: z.array(z.string()).default([]),
    /** Ports the internet may reach (bulwark:authorizedWebPorts). */
    webPorts: z.array(z.number().int().min(1).max(65535)).default([...DEFAULT_WEB_PORTS]),
  })
  .strict();

interface Exposed {
  ssh: { port: number; managementSources: string[] };
  inbound: { port: number | { from: number; to: number }; protocol: "tcp" | "udp"; sources: string[] }[];
  exposure: z.output<typeof hostExposureSchema>;
}

const peerOf = (cidr: string): PeerSpec => ({ kind: cidr.includes(":") ? "ipv6" : "ipv4", cidr, label: cidr });

export function exposureChecks(m: Exposed, ctx: z.RefinementCtx): void {
  const { waivers, internalCidrs, webPorts } = m.exposure;
  const add = (path: (string | number)[], input: unknown, message: string) =>
    ctx.addIssue({ code: "custom", path, input, message });
  // SSH is remote admin on whatever port sshd listens: judged as tcp/22.
  const ssh: PortSpec = { protocol: "tcp", fromPort: 22, toPort: 22, label: `ssh (tcp${m.ssh.port})` };
  const sources = m.ssh.managementSources;
  if (sources.length > 1 && isAnywhere(sources, internalCidrs) && !sources.some((s) => isAnywhere(s))) {
    add(
      ["ssh", "managementSources"],
      sources,
      "SSH from the internet is refused (these ranges together cover it): use your VPN, bastion or office CIDR",
    );
  }
  sources.forEach((cidr, i) => {
    if (isAnywhere([cidr])) return; // refused by the field's own check
    const v = judgeIngress(peerOf(cidr), ssh, webPorts, waivers, new Date(), internalCidrs);
    if (!v.ok) add(["ssh", "managementSources", i], cidr, `${v.message}; ${v.fix} (waivers go in exposure.waivers)`);
  });
  m.inbound.forEach((r, i) => {
    const [from, to] = typeof r.port === "number" ? [r.port, r.port] : [r.port.from, r.port.to];
    if (from > to) return; // reported by the port check
    const port: PortSpec = {
      protocol: r.protocol,
      fromPort: from,
      toPort: to,
      label: `${r.protocol}${from === to ? from : `${from}-${to}`}`,
    };
    r.sources.forEach((cidr, si) => {
      const v = judgeIngress(peerOf(cidr), port, webPorts, waivers, new Date(), internalCidrs);
      if (!v.ok) add(["inbound", i, "sources", si], cidr, `${v.message}; ${v.fix} (waivers go in exposure.waivers)`);
    });
  });
}
