/**
 * Restricted egress (the output chain): DNS, metadata, time, HTTP(S) to public addresses, the log collector and
 * IDS manager found by apply, and the declared flows; everything else dropped and logged. See docs/host-egress.md.
 */
import * as ipaddr from "ipaddr.js";
import { INTERNAL_RANGES } from "../../../policies/src/exposure";
import type { HostModel } from "../model";
import { collapseCidrs, portExpr } from "./nft";

/**
 * Destinations HTTP(S) may not reach without a declared flow: the exposure model's internal ranges, plus every
 * other special-purpose range (ipaddr.js), since egress fails closed the other way round: only routable public
 * unicast is "the internet" a host may fetch updates from.
 */
// ipaddr.js's own table of special ranges (what its range() reads); not in its type declarations.
const specialRanges = (k: typeof ipaddr.IPv4 | typeof ipaddr.IPv6) =>
  (k.prototype as unknown as { SpecialRanges: Record<string, unknown> }).SpecialRanges;
export function nonPublicCidrs(): { v4: string[]; v6: string[] } {
  const pick = (ranges: Record<string, unknown>, names: string[]) =>
    names.flatMap((n) => {
      const r = ranges[n] as [ipaddr.IPv4 | ipaddr.IPv6, number] | [ipaddr.IPv4 | ipaddr.IPv6, number][];
      return (Array.isArray(r[0]) ? (r as [ipaddr.IPv4, number][]) : [r as [ipaddr.IPv4, number]]).map(
        ([a, l]) => `${a.toString()}/${l}`,
      );
    });
  // NAT64 (64:ff9b::/96) stays public: IPv6-only subnets reach the internet through it.
  const v4 = pick(specialRanges(ipaddr.IPv4), [
    "unspecified",
    "broadcast",
    "multicast",
    "linkLocal",
    "loopback",
    "carrierGradeNat",
    "private",
    "reserved",
  ]);
  const v6 = pick(specialRanges(ipaddr.IPv6), [
    "unspecified",
    "linkLocal",
    "multicast",
    "loopback",
    "uniqueLocal",
    "ipv4Mapped",
    "deprecatedSiteLocal",
    "discard",
    "rfc6145",
    "reserved",
    "segmentRouting",
  ]);
  const internal = (v6: boolean) => INTERNAL_RANGES.filter((c) => c.includes(":") === v6);
  return { v4: collapseCidrs([...internal(false), ...v4]), v6: collapseCidrs([...internal(true), ...v6]) };
}

/** Where apply writes the addresses it finds on the host (resolvers, log collector, IDS manager) as set elements. */
export const EGRESS_NFT = "/etc/bulwark/nft.d/egress.nft";

/** The sets egress rules match that apply fills (EGRESS_NFT), by name. */
export function egressHostSets(m: HostModel): string[] {
  return ["dns", ...(m.logs.kind === "rsyslog-tls" ? ["logs"] : []), ...(m.ids.kind === "wazuh" ? ["ids"] : [])];
}

/** Rules of the output chain (restricted egress): the `output` chain's body after its hook line. */
export function egressRules(m: HostModel): string[] {
  // Terse on purpose (no comments but the flows'): the ruleset travels verbatim in the 16 KiB user data.
  const rule = (family: 4 | 6, dst: string, l4: string, note = "") =>
    `\t\t${family === 4 ? "ip" : "ip6"} daddr ${dst} ${l4} accept${note && ` comment ${JSON.stringify(note)}`}`;
  const both = (set: string, l4: string) => [rule(4, `@${set}_v4`, l4), rule(6, `@${set}_v6`, l4)];
  const flows = m.egress.flows.flatMap((f) => {
    const l4 = `${f.protocol} dport ${portExpr(f.port)}`;
    const note = f.description.replace(/"/g, "'").slice(0, 120);
    const to4 = collapseCidrs(f.to).filter((c) => !c.includes(":"));
    const to6 = collapseCidrs(f.to).filter((c) => c.includes(":"));
    return [
      ...(to4.length ? [rule(4, `{ ${to4.join(", ")} }`, l4, note)] : []),
      ...(to6.length ? [rule(6, `{ ${to6.join(", ")} }`, l4, note)] : []),
    ];
  });
  return [
    "\t\tct state established,related accept",
    // A session opened before conntrack tracked anything (the first apply over SSH) is picked up mid-stream as
    // new: sshd's own output to the management sources is accepted as such, so that session is never cut.
    `\t\tip daddr @mgmt_v4 tcp sport ${m.ssh.port} accept`,
    `\t\tip6 daddr @mgmt_v6 tcp sport ${m.ssh.port} accept`,
    "\t\tct state invalid drop",
    '\t\toif "lo" accept',
    "\t\ticmp type { destination-unreachable, time-exceeded, parameter-problem } accept",
    "\t\ticmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem, " +
      "nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld2-listener-report } accept",
    "\t\tudp dport { 67, 547 } accept", // DHCP, DHCPv6
    ...both("dns", "meta l4proto { tcp, udp } th dport 53"),
    // EC2 instance metadata and Amazon Time Sync; NTP, HTTP and HTTPS to public addresses.
    "\t\tip daddr . meta l4proto . th dport { 169.254.169.254 . tcp . 80, 169.254.169.123 . udp . 123 } accept",
    "\t\tip daddr != @nonpublic_v4 meta l4proto . th dport { udp . 123, tcp . 80, tcp . 443 } accept",
    "\t\tip6 daddr != @nonpublic_v6 meta l4proto . th dport { udp . 123, tcp . 80, tcp . 443 } accept",
    ...(m.logs.kind === "rsyslog-tls" ? both("logs", `tcp dport ${m.logs.port}`) : []),
    ...(m.ids.kind === "wazuh" ? both("ids", `tcp dport { ${m.ids.managerPort}, ${m.ids.registrationPort} }`) : []),
    ...flows,
    '\t\tlimit rate 6/minute log prefix "bulwark-egress-drop: "',
  ];
}
