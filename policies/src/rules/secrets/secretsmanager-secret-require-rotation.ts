/** Every Secrets Manager secret must rotate within the configured days (default 90), unless RDS manages it. */
import type { Ctx, PolicyDef } from "../../framework";
import { PolicyNames } from "../../names";
import { RDS_TYPES as R } from "../../types";
import { get, isSet, num, str } from "../../values";

function rotationDays(ctx: Ctx): Map<string, number> {
  return ctx.idx.memo("secretRotation", () => {
    const m = new Map<string, number>();
    for (const rot of ctx.idx.ofType(R.rotation)) {
      const days = rotationInterval(get(rot.props, "rotationRules"));
      const l = ctx.idx.resolve(rot, "secretId", rot.props.secretId, [R.secret]);
      if (l.status === "found") for (const s of l.res) m.set(s.urn, Math.min(m.get(s.urn) ?? Infinity, days));
    }
    return m;
  });
}

/** Days between rotations from rotationRules (automaticallyAfterDays or a rate()/cron() schedule). */
export function rotationInterval(rules: unknown): number {
  const d = num(get(rules, "automaticallyAfterDays"));
  if (typeof d === "number") return d;
  const sched = str(get(rules, "scheduleExpression")) ?? "";
  const rate = sched.match(/^rate\(\s*(\d+)\s+(hour|hours|day|days)\s*\)$/i);
  if (rate) return /hour/i.test(rate[2]) ? Number(rate[1]) / 24 : Number(rate[1]);
  if (/^cron\(/i.test(sched)) return 31; // cron schedules rotate at least monthly in practice; AWS caps at 1000 days
  return d === "unknown" || sched ? 0 : Infinity;
}

export const secretRotation: PolicyDef = {
  name: PolicyNames.secretRotation,
  description: "Every Secrets Manager secret must rotate within the configured days (default 90), unless RDS manages it.",
  severity: "medium",
  enforcement: "mandatory",
  family: "secrets",
  securityHub: ["SecretsManager.1", "SecretsManager.4"],
  cis: [],
  remediation: "Add an aws.secretsmanager.SecretRotation for the secret with rotationRules.automaticallyAfterDays ≤ 90 (or let RDS manage the master password).",
  unknowns: "In preview the rotation is linked through propertyDependencies; an unknown schedule counts as rotating.",
  types: [R.secret],
  check(r, ctx, emit) {
    const name = str(r.props.name) ?? "";
    const tags = get(r.props, "tags");
    if (name.startsWith("rds!") || str(get(tags, "aws:secretsmanager:owningService")) === "rds") return;
    let days = rotationDays(ctx).get(r.urn);
    if (days === undefined && isSet(r.props.rotationRules)) days = rotationInterval(r.props.rotationRules);
    if (days === undefined) emit.fail("no rotation: no SecretRotation in this stack targets this secret");
    else if (days > ctx.cfg.rotationDays) emit.fail(`rotates every ${days} days (maximum ${ctx.cfg.rotationDays})`);
  },
};
