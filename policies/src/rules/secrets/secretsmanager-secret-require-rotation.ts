/** Every Secrets Manager secret must rotate within the configured days (default 90), unless RDS manages it. */
import type { Ctx, Emit, PolicyDef, Res } from "../../framework";
import { rotationPeriod, type Period } from "../../lib/schedule";
import { PolicyNames } from "../../names";
import { RDS_TYPES as R } from "../../types";
import { get, isSet, str } from "../../values";

/** Each secret's shortest rotation period among the SecretRotations in the stack that target it. */
function rotationsBySecret(ctx: Ctx): Map<string, Period> {
  return ctx.idx.memo("secretRotation", () => {
    const m = new Map<string, Period>();
    for (const rot of ctx.idx.ofType(R.rotation)) {
      const p = rotationPeriod(get(rot.props, "rotationRules"));
      const l = ctx.idx.resolve(rot, "secretId", rot.props.secretId, [R.secret]);
      if (l.status !== "found") continue;
      for (const s of l.res) {
        const cur = m.get(s.urn);
        // A readable period beats an unknown or unreadable one; the shortest readable period wins.
        if (cur === undefined || typeof cur !== "number" || (typeof p === "number" && p < cur)) m.set(s.urn, p);
      }
    }
    return m;
  });
}

const days = (n: number) => (Number.isInteger(n) ? `${n} days` : `${(n * 24).toFixed(0)} hours`);

/** The verdict on one period; `where` prefixes messages about a rotation's own settings. */
function judge(p: Period | undefined, max: number, emit: Emit, where = ""): void {
  if (p === undefined) return emit.fail("no rotation: no SecretRotation in this stack targets this secret");
  if (p === "unknown")
    return emit.unknown(`${where}the rotation period is unknown during preview; checked again at update`);
  if (typeof p === "object") return emit.fail(`${where}${p.invalid}`);
  if (p === Infinity)
    return emit.fail(`${where}no rotation period is set (automaticallyAfterDays or scheduleExpression)`);
  if (p > max) emit.fail(`${where}rotates every ${days(p)} (maximum ${max})`);
}

const rdsOwned = (r: Res) =>
  (str(r.props.name) ?? "").startsWith("rds!") ||
  str(get(r.props, "tags", "aws:secretsmanager:owningService")) === "rds";

export const secretRotation: PolicyDef = {
  name: PolicyNames.secretRotation,
  description:
    "Every Secrets Manager secret must rotate within the configured days (default 90), unless RDS manages it.",
  severity: "medium",
  enforcement: "mandatory",
  family: "secrets",
  securityHub: ["SecretsManager.1", "SecretsManager.4"],
  cis: [],
  remediation:
    "Add an aws.secretsmanager.SecretRotation for the secret with rotationRules.automaticallyAfterDays ≤ 90, " +
    "or a scheduleExpression whose longest gap is ≤ 90 days (rate(N days) or cron) — or let RDS manage the " +
    "master password.",
  unknowns:
    "A SecretRotation's period (automaticallyAfterDays, rate(N days|hours), or a cron's longest gap) is " +
    "judged on the rotation itself; an unknown period is advisory in preview and decided at update. In " +
    "preview the rotation is linked to its secret through propertyDependencies.",
  types: [R.secret, R.rotation],
  check(r, ctx, emit) {
    if (r.type === R.rotation) {
      const p = rotationPeriod(get(r.props, "rotationRules"));
      // A known period is reported on the secret when the secret is in this stack (one finding per problem);
      // an unknown or unreadable period, or a rotation of a secret declared elsewhere, is reported here.
      if (typeof p === "number") {
        const l = ctx.idx.resolve(r, "secretId", r.props.secretId, [R.secret]);
        if (l.status === "found" && !l.res.every(rdsOwned)) return;
      }
      return judge(p, ctx.cfg.rotationDays, emit, "rotationRules: ");
    }
    if (rdsOwned(r)) return;
    const p = rotationsBySecret(ctx).get(r.urn);
    // Legacy inline rotationRules on the secret itself.
    if (p === undefined && isSet(r.props.rotationRules))
      return judge(rotationPeriod(r.props.rotationRules), ctx.cfg.rotationDays, emit, "rotationRules: ");
    // The rotation reports its own unknown or unreadable period.
    if (p === "unknown" || typeof p === "object") return;
    judge(p, ctx.cfg.rotationDays, emit);
  },
};
