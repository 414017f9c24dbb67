/** SSM management: instance profile → role → AmazonSSMManagedInstanceCore, followed through every attachment shape. */
import type { Ctx, Emit, Res } from "../framework";
import { COMPUTE_TYPES as T } from "../types";
import { arr, get, isSet, str, strs } from "../values";

const SSM_CORE = /:policy\/AmazonSSMManagedInstanceCore$/;

export function rolesWithSsm(ctx: Ctx): Set<string> {
  return ctx.idx.memo("rolesWithSsm", () => {
    const s = new Set<string>();
    for (const role of ctx.idx.ofType(T.role)) {
      const m = strs(role.props.managedPolicyArns);
      if (m !== "unknown" && m.some((a) => SSM_CORE.test(a))) s.add(role.urn);
    }
    for (const a of ctx.idx.ofType(T.rolePolicyAttachment)) {
      if (!SSM_CORE.test(str(a.props.policyArn) ?? "")) continue;
      const l = ctx.idx.resolve(a, "role", a.props.role, [T.role]);
      if (l.status === "found") for (const r of l.res) s.add(r.urn);
    }
    for (const a of ctx.idx.ofType("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive")) {
      const arns = strs(a.props.policyArns);
      if (arns === "unknown" || !arns.some((x) => SSM_CORE.test(x))) continue;
      const l = ctx.idx.resolve(a, "roleName", a.props.roleName, [T.role]);
      if (l.status === "found") for (const r of l.res) s.add(r.urn);
    }
    for (const a of ctx.idx.ofType(T.policyAttachment)) {
      if (!SSM_CORE.test(str(a.props.policyArn) ?? "")) continue;
      const roles = arr(a.props.roles);
      for (const name of roles === "unknown" ? [] : (roles ?? [])) {
        const l = ctx.idx.resolve(a, "roles", name, [T.role]);
        if (l.status === "found") for (const r of l.res) s.add(r.urn);
      }
      if (roles === "unknown") {
        const l = ctx.idx.resolve(a, "roles", undefined, [T.role]);
        if (l.status === "found") for (const r of l.res) s.add(r.urn);
      }
    }
    return s;
  });
}

/** The SSM verdict for an instance profile named (or linked) from `holder.iamInstanceProfile`. */
export function profileSsm(holder: Res, ref: string, ctx: Ctx, emit: Emit): void {
  const p = ctx.idx.resolve(holder, "iamInstanceProfile", ref === "unknown" ? undefined : ref, [T.profile]);
  if (p.status !== "found")
    return emit.unknown(
      `instance profile ${p.status === "external" ? p.ref + " is not in this stack" : "cannot be resolved"}; ` +
        `SSM management not verified`,
    );
  const profile = p.res[0];
  const role = ctx.idx.resolve(profile, "role", profile.props.role, [T.role]);
  if (role.status !== "found") {
    if (role.status === "none") return emit.fail(`instance profile ${profile.name} has no role`);
    return emit.unknown(
      `the role of instance profile ${profile.name} is not in this stack; SSM management not verified`,
    );
  }
  const ssm = rolesWithSsm(ctx);
  if (!role.res.some((x) => ssm.has(x.urn)))
    emit.fail(`role ${role.res[0].name} does not have AmazonSSMManagedInstanceCore`);
}

/** Instances an Auto Scaling group launches take their profile from its launch template or configuration. */
export function asgSsm(r: Res, ctx: Ctx, emit: Emit): void {
  const lt = get(r.props, "launchTemplate");
  const mixed = get(r.props, "mixedInstancesPolicy", "launchTemplate", "launchTemplateSpecification");
  const ltRef = isSet(lt)
    ? (get(lt, "id") ?? get(lt, "name"))
    : isSet(mixed)
      ? (get(mixed, "launchTemplateId") ?? get(mixed, "launchTemplateName"))
      : undefined;
  const ltProp = isSet(lt) ? "launchTemplate" : "mixedInstancesPolicy";
  let holder: Res | undefined;
  let ref: string | undefined;
  if (isSet(ltRef) || (r.propertyDependencies[ltProp] ?? []).length) {
    const l = ctx.idx.resolve(r, ltProp, ltRef, [T.launchTemplate]);
    if (l.status !== "found")
      return emit.unknown("its launch template is not in this stack; SSM management not verified");
    holder = l.res[0];
    ref = str(get(holder.props, "iamInstanceProfile", "name")) ?? str(get(holder.props, "iamInstanceProfile", "arn"));
  } else if (isSet(r.props.launchConfiguration) || (r.propertyDependencies.launchConfiguration ?? []).length) {
    const l = ctx.idx.resolve(r, "launchConfiguration", r.props.launchConfiguration, [T.launchConfiguration]);
    if (l.status !== "found")
      return emit.unknown("its launch configuration is not in this stack; SSM management not verified");
    holder = l.res[0];
    ref = str(holder.props.iamInstanceProfile);
  } else return;
  if (ref === undefined && !(holder.propertyDependencies.iamInstanceProfile ?? []).length)
    return emit.fail(
      `its ${holder.type === T.launchTemplate ? "launch template" : "launch configuration"} ${holder.name} ` +
        `has no instance profile`,
    );
  profileSsm(holder, ref ?? "unknown", ctx, emit);
}
