/** Waivers must be complete (policy, reason, approver, expiry) and unexpired; a broken waiver blocks. */
import type { PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { tagWaivers, waiverLib } from "../../waiver-tags";

export const waiverValid: PolicyDef = {
  name: PolicyNames.waiverValid,
  description: "Waivers must be complete (policy, reason, approver, expiry) and unexpired; a broken waiver blocks.",
  severity: "high",
  enforcement: "mandatory",
  family: "governance",
  securityHub: [],
  cis: [],
  remediation:
    "Fix the waiver tags bulwark:waiver:<policy>:reason|approver|expires (YYYY-MM-DD), renew the expiry with " +
    "a new approval, or remove the waiver.",
  unknowns: "Unknown tags are not read.",
  types: ["*"],
  check(r, ctx, emit) {
    const read = tagWaivers(r.props);
    if (!read) return;
    for (const p of read.problems) emit.fail(`waiver for ${p.policy} is incomplete: ${p.message}`);
    const today = ctx.today;
    for (const w of read.waivers)
      if (waiverLib().isExpired(w, today))
        emit.fail(`waiver for ${w.policy} expired on ${w.expires} (approved by ${w.approver})`);
  },
  stack(ctx, emit) {
    for (const w of ctx.cfg.waivers) {
      if (waiverLib().isExpired(w, ctx.today))
        emit(
          ctx.idx.byUrn.has(w.resource) ? w.resource : undefined,
          `config waiver for ${w.policy} on ${w.resource} expired on ${w.expires} (approved by ${w.approver})`,
        );
    }
  },
};
