/** EC2 instances (also those an Auto Scaling group launches) must be SSM-managed: an instance profile whose role has
 * AmazonSSMManagedInstanceCore. */
import type { PolicyDef, Res } from "../../framework";
import { inherit, templateOf } from "../../launch";
import { asgSsm, profileSsm } from "../../lib/ssm";
import { PolicyNames } from "../../names";
import { COMPUTE_TYPES as T, INSTANCE_TYPES } from "../../types";
import { get, isSet, str } from "../../values";

export const instanceSsmManaged: PolicyDef = {
  name: PolicyNames.instanceSsmManaged,
  description:
    "EC2 instances (also those an Auto Scaling group launches) must be SSM-managed: an instance profile " +
    "whose role has AmazonSSMManagedInstanceCore.",
  severity: "medium",
  enforcement: "mandatory",
  family: "compute",
  securityHub: ["SSM.1"],
  cis: [],
  remediation:
    "Give the instance (or its launch template) an instance profile whose role attaches " +
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore.",
  unknowns:
    "Profile, role and attachments are followed by name/ARN in update and propertyDependencies in preview; a " +
    "profile or role outside the stack is advisory.",
  types: [...INSTANCE_TYPES, T.asg],
  check(r, ctx, emit) {
    if (r.type === T.asg) return asgSsm(r, ctx, emit);
    const inh = inherit<string>(
      r,
      ctx,
      () =>
        isSet(r.props.iamInstanceProfile) || (r.propertyDependencies.iamInstanceProfile ?? []).length
          ? (str(r.props.iamInstanceProfile) ?? "unknown")
          : undefined,
      (lt) => str(get(lt.props, "iamInstanceProfile", "name")) ?? str(get(lt.props, "iamInstanceProfile", "arn")),
    );
    if (inh.value === undefined) return emit.fail("no instance profile: the SSM agent cannot register");
    const holder = inh.from === "instance" ? r : (templateOf(r, ctx) as { res: Res[] }).res?.[0];
    if (!holder) return emit.unknown("instance profile cannot be resolved during preview");
    profileSsm(holder, inh.value, ctx, emit);
  },
};
