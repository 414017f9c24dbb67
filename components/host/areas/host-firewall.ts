/**
 * Host firewall (nftables; the AWS security group is network/firewall.ts): default-drop input and forward for v4+v6
 * in one inet table, replaced atomically.
 */
import * as path from "path";
import type { HostModel } from "../model";
import { EGRESS_NFT, egressHostSets, egressRules, nonPublicCidrs } from "./egress";
import { collapseCidrs, nftComment, portExpr } from "./nft";

export function renderNftables(m: HostModel): string {
  const v4 = (xs: string[]) => collapseCidrs(xs).filter((c) => !c.includes(":"));
  const v6 = (xs: string[]) => collapseCidrs(xs).filter((c) => c.includes(":"));
  const open = m.egress.mode === "open";
  const mgmt4 = v4(m.ssh.managementSources);
  const mgmt6 = v6(m.ssh.managementSources);
  const set = (name: string, type: string, els: string[]) => [
    `\tset ${name} {`,
    `\t\ttype ${type}`,
    "\t\tflags interval",
    "\t\tauto-merge",
    ...(els.length ? [`\t\telements = { ${els.join(", ")} }`] : []),
    "\t}",
  ];
  // One line per set: the user data is limited to 16 KiB.
  const oneLineSet = (name: string, type: string, els?: string[]) =>
    `\tset ${name} { type ${type}; flags interval; auto-merge;${els ? ` elements = { ${els.join(", ")} };` : ""} }`;
  const rules: string[] = [];
  for (const r of m.inbound) {
    const dport = `${r.protocol} dport ${portExpr(r.port)}`;
    const note = r.description ? ` comment ${JSON.stringify(nftComment(r.description))}` : "";
    const s4 = v4(r.sources);
    const s6 = v6(r.sources);
    if (s4.includes("0.0.0.0/0")) rules.push(`\t\tmeta nfproto ipv4 ${dport} accept${note}`);
    else if (s4.length) rules.push(`\t\tip saddr { ${s4.join(", ")} } ${dport} accept${note}`);
    if (s6.includes("::/0")) rules.push(`\t\tmeta nfproto ipv6 ${dport} accept${note}`);
    else if (s6.length) rules.push(`\t\tip6 saddr { ${s6.join(", ")} } ${dport} accept${note}`);
  }
  return [
    "#!/usr/sbin/nft -f",
    `# Bulwark host firewall, role ${m.role} (CIS U22 4.2.x / AL 3.4.x). Generated: edits are overwritten.`,
    "# Replaces only table inet bulwark, in one transaction; fail2ban's own table is left alone.",
    "# Protocols are keywords or numbers: minimal images have no /etc/protocols.",
    "table inet bulwark",
    "delete table inet bulwark",
    "table inet bulwark {",
    ...set("mgmt_v4", "ipv4_addr", mgmt4),
    ...set("mgmt_v6", "ipv6_addr", mgmt6),
    "\tchain input {",
    "\t\ttype filter hook input priority filter; policy drop;",
    '\t\tct state established,related accept comment "keeps running sessions, including the one applying this"',
    "\t\tct state invalid drop",
    '\t\tiif "lo" accept',
    "\t\tip saddr 127.0.0.0/8 drop",
    "\t\tip6 saddr ::1 drop",
    "\t\ticmp type { echo-request, destination-unreachable, time-exceeded, parameter-problem } " +
      "limit rate 10/second accept",
    "\t\ticmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem, echo-request, " +
      "nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept",
    `\t\tip saddr @mgmt_v4 tcp dport ${m.ssh.port} accept comment "management SSH"`,
    `\t\tip6 saddr @mgmt_v6 tcp dport ${m.ssh.port} accept comment "management SSH"`,
    ...rules,
    "\t}",
    "\tchain forward {",
    "\t\ttype filter hook forward priority filter; policy drop;",
    "\t}",
    ...(open
      ? []
      : [
          oneLineSet("nonpublic_v4", "ipv4_addr", nonPublicCidrs().v4),
          oneLineSet("nonpublic_v6", "ipv6_addr", nonPublicCidrs().v6),
          ...egressHostSets(m).flatMap((n) => [4, 6].map((f) => oneLineSet(`${n}_v${f}`, `ipv${f}_addr`))),
        ]),
    "\tchain output {",
    `\t\ttype filter hook output priority filter; policy ${open ? "accept" : "drop"};`,
    ...(open ? [] : egressRules(m)),
    "\t}",
    "}",
    // Set elements found by apply (a glob: no file, no error). Loaded in the same transaction as the table.
    ...(open ? [] : [`include "${path.dirname(EGRESS_NFT)}/*.nft"`]),
    "",
  ].join("\n");
}
