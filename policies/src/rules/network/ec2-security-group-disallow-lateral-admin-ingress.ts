/**
 * Lateral movement (issue 11 item 3): remote-admin ports (the exposure model's `remoteAdminPorts`) are reached only
 * from security groups, prefix lists or CIDRs inside `adminCidrs`. A private CIDR such as 10.0.0.0/8 blocks too:
 * it is the postmortem's sideways path. Internet CIDRs are the internet-admin control's (one message per control).
 */
import type { Ctx, Emit, PolicyDef, PolicyMeta, Res } from "../../framework";
import { PolicyNames } from "../../names";
import { adminPortsIn, isInternet, isWithin } from "../../exposure";
import { rulesOf, SG_TYPES, type NormRule } from "../../net";
import { str } from "../../values";

export const metadata: PolicyMeta = {
  name: PolicyNames.sgLateralAdminIngress,
  description:
    "Remote-admin ports (SSH, telnet, RDP, VNC, WinRM) must be reachable only from security groups, prefix " +
    "lists or admin CIDRs, never from a private range.",
  severity: "high",
  enforcement: "mandatory",
  family: "network",
  securityHub: ["EC2.13", "EC2.14"],
  cis: ["5.2", "5.3"],
  remediation:
    "Use a security-group source (e.g. the bastion's group) or a prefix list; list admin source ranges in " +
    "adminCidrs; prefer Session Manager.",
  unknowns: "An unknown source, protocol or port range is advisory in preview and decided at update.",
};

export const types: readonly string[] = [SG_TYPES.group, SG_TYPES.defaultGroup, SG_TYPES.rule, SG_TYPES.ingress];

export interface LateralConfig {
  remoteAdminPorts: readonly number[];
  adminCidrs: readonly string[];
  internalCidrs: readonly string[];
}

/** The findings for one rule: internal CIDR sources outside adminCidrs that reach a remote-admin port. */
export function checkRule(rule: NormRule, cfg: LateralConfig): { fail: string[]; unknown: string[] } {
  const out = { fail: [] as string[], unknown: [] as string[] };
  if (rule.direction === "egress") return out;
  const where = rule.where ? ` ${rule.where}` : "";
  const cidrs = rule.sources.filter((s) => s.kind === "cidr");
  if (!cidrs.length && !rule.sourcesUnknown) return out;
  const ports = rule.ports === "unknown" ? "unknown" : adminPortsIn(rule.ports, cfg.remoteAdminPorts);
  if (ports !== "unknown" && ports.length === 0) return out;
  for (const s of cidrs) {
    const c = str(s.value);
    if (c === "unknown") {
      out.unknown.push(`rule${where}: a source is unknown during preview; checked again at update`);
      continue;
    }
    if (c === undefined) continue; // unparseable: the internet-admin control reports it as the internet
    if (isInternet(c, cfg.internalCidrs)) continue; // the internet-admin control's
    if (isWithin(c, cfg.adminCidrs)) continue;
    if (ports === "unknown" || rule.direction === "unknown") {
      out.unknown.push(
        `rule${where}: direction or ports unknown during preview for source ${c}; checked again at update`,
      );
      continue;
    }
    out.fail.push(
      `rule${where} opens remote-admin port${ports.length > 1 ? "s" : ""} ${ports.join(", ")} to ${c}: use ` +
        `a security group, a prefix list or an adminCidrs range`,
    );
  }
  if (rule.sourcesUnknown && ports !== "unknown")
    out.unknown.push(`rule${where}: sources unknown during preview; checked again at update`);
  return out;
}

export function check(r: Res, ctx: Ctx, emit: Emit): void {
  const cfg: LateralConfig = ctx.cfg;
  for (const rule of rulesOf(r.type, r.props)) {
    const v = checkRule(rule, cfg);
    v.fail.forEach((m) => emit.fail(m));
    v.unknown.forEach((m) => emit.unknown(m));
  }
}

export const policy: PolicyDef = { ...metadata, types, check };
