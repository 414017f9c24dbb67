/** nftables building blocks shared by the input chain (firewall.ts) and the output chain (egress.ts). */
import * as ipaddr from "ipaddr.js";
import type { HostModel } from "../model";
import { normaliseCidr } from "../model";

/** Drops CIDRs contained in another of the list (nft interval sets reject overlaps); sorted, per family. */
export function collapseCidrs(cidrs: readonly string[]): string[] {
  const parsed = [...new Set(cidrs.map((c) => normaliseCidr(c).cidr))].map((c) => ({ c, p: ipaddr.parseCIDR(c) }));
  const kept = parsed.filter(
    (a) =>
      !parsed.some(
        (b) =>
          b.c !== a.c &&
          b.p[0].kind() === a.p[0].kind() &&
          b.p[1] <= a.p[1] &&
          a.p[0].match(b.p as [ipaddr.IPv4, number] & [ipaddr.IPv6, number]),
      ),
  );
  return kept.map((k) => k.c).sort();
}

export function portExpr(p: HostModel["inbound"][number]["port"]): string {
  return typeof p === "number" ? String(p) : `${p.from}-${p.to}`;
}

/** nft comments hold at most 128 bytes: cut by UTF-8 bytes at a character boundary (a cut by characters can
 * leave a multi-byte description over the limit, and `nft -c` refuses the ruleset). */
export const NFT_COMMENT_MAX_BYTES = 128;
export function nftComment(text: string): string {
  const clean = text
    .replace(/"/g, "'")
    .replace(/\\/g, "/")
    .replace(/[\u0000-\u001f\u007f]/g, " ");
  const bytes = Buffer.from(clean, "utf8");
  if (bytes.length <= NFT_COMMENT_MAX_BYTES) return clean;
  let end = NFT_COMMENT_MAX_BYTES;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // never split a character
  return bytes.subarray(0, end).toString("utf8");
}
