/** No role, user or group may hold AdministratorAccess or a policy allowing "*" (or "iam:*") on "*". */
import type { PolicyDef, Res } from "../../framework";
import { adminDoc, ATTACHING_TYPES, attachedPolicyRefs, grantText } from "../../lib/iam";
import { IAM_TYPES } from "../../types";
import { PolicyNames } from "../../names";
import { arr, get, str, strs } from "../../values";

export const iamAdminAccess: PolicyDef = {
  name: PolicyNames.iamAdminAccess,
  description:
    'No role, user or group may hold AdministratorAccess or a policy allowing "*" (or "iam:*", which grants ' +
    'the rest) on "*".',
  severity: "critical",
  enforcement: "mandatory",
  family: "iam",
  securityHub: ["IAM.1"],
  cis: ["1.16"],
  remediation: "Grant the actions the workload needs on its own resources; keep break-glass admin outside the stack.",
  unknowns:
    "An unknown policy document or ARN is advisory in preview; attachments follow a customer policy by ARN " +
    "or propertyDependencies.",
  types: [...ATTACHING_TYPES, IAM_TYPES.policy, IAM_TYPES.rolePolicy, IAM_TYPES.userPolicy, IAM_TYPES.groupPolicy],
  check(r, ctx, emit) {
    const judgeDoc = (doc: unknown, where: string) => {
      const a = adminDoc(doc);
      if (a === "unknown") emit.unknown(`${where} is unknown during preview`);
      else if (a) emit.fail(`${where} ${grantText(a)}`);
    };
    const judgeArn = (arn: unknown, where: string, from: Res, prop: string) => {
      const s = str(arn);
      if (s && s !== "unknown" && /:policy\/AdministratorAccess$/.test(s))
        return emit.fail(`${where} attaches AdministratorAccess`);
      const l = ctx.idx.resolve(from, prop, s === "unknown" ? undefined : s, [IAM_TYPES.policy]);
      if (l.status === "found") {
        for (const p of l.res) {
          const a = adminDoc(p.props.policy);
          if (a && a !== "unknown") emit.fail(`${where} attaches ${p.name}, which ${grantText(a)}`);
        }
      }
      if (s === "unknown" && l.status !== "found") emit.unknown(`${where} policy ARN is unknown during preview`);
    };
    switch (r.type) {
      case IAM_TYPES.role: {
        const m = strs(r.props.managedPolicyArns);
        if (m !== "unknown")
          for (const a of m)
            if (/:policy\/AdministratorAccess$/.test(a)) emit.fail("managedPolicyArns include AdministratorAccess");
        const inl = arr(r.props.inlinePolicies);
        if (Array.isArray(inl)) inl.forEach((p, i) => judgeDoc(get(p, "policy"), `inlinePolicies[${i}]`));
        return;
      }
      case IAM_TYPES.policy:
        return judgeDoc(r.props.policy, "the policy document");
      case IAM_TYPES.rolePolicy:
      case IAM_TYPES.userPolicy:
      case IAM_TYPES.groupPolicy:
        return judgeDoc(r.props.policy, "the inline policy");
      default:
        for (const a of attachedPolicyRefs(r)) judgeArn(a.value, a.where, r, a.prop);
    }
  },
};
