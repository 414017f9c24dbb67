/** No role, user or group may hold AdministratorAccess or a policy allowing "*" on "*". */
import type { PolicyDef, Res } from "../../framework";
import { adminDoc } from "../../lib/iam";
import { PolicyNames } from "../../names";
import { arr, get, str, strs } from "../../values";

export const iamAdminAccess: PolicyDef = {
  name: PolicyNames.iamAdminAccess,
  description: "No role, user or group may hold AdministratorAccess or a policy allowing \"*\" on \"*\".",
  severity: "critical",
  enforcement: "mandatory",
  family: "iam",
  securityHub: ["IAM.1"],
  cis: ["1.16"],
  remediation: "Grant the actions the workload needs on its own resources; keep break-glass admin outside the stack.",
  unknowns: "An unknown policy document or ARN is advisory in preview; attachments follow a customer policy by ARN or propertyDependencies.",
  types: [
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
    "aws:iam/role:Role",
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
  ],
  check(r, ctx, emit) {
    const judgeDoc = (doc: unknown, where: string) => {
      const a = adminDoc(doc);
      if (a === true) emit.fail(`${where} allows "*" on "*"`);
      else if (a === "unknown") emit.unknown(`${where} is unknown during preview`);
    };
    const judgeArn = (arn: unknown, where: string, from: Res, prop: string) => {
      const s = str(arn);
      if (s && s !== "unknown" && /:policy\/AdministratorAccess$/.test(s)) return emit.fail(`${where} attaches AdministratorAccess`);
      const l = ctx.idx.resolve(from, prop, s === "unknown" ? undefined : s, ["aws:iam/policy:Policy"]);
      if (l.status === "found") for (const p of l.res) if (adminDoc(p.props.policy) === true) emit.fail(`${where} attaches ${p.name}, which allows "*" on "*"`);
      if (s === "unknown" && l.status !== "found") emit.unknown(`${where} policy ARN is unknown during preview`);
    };
    switch (r.type) {
      case "aws:iam/role:Role": {
        const m = strs(r.props.managedPolicyArns);
        if (m !== "unknown") for (const a of m) if (/:policy\/AdministratorAccess$/.test(a)) emit.fail("managedPolicyArns include AdministratorAccess");
        const inl = arr(r.props.inlinePolicies);
        if (Array.isArray(inl)) inl.forEach((p, i) => judgeDoc(get(p, "policy"), `inlinePolicies[${i}]`));
        return;
      }
      case "aws:iam/policy:Policy":
        return judgeDoc(r.props.policy, "the policy document");
      case "aws:iam/rolePolicy:RolePolicy":
      case "aws:iam/userPolicy:UserPolicy":
      case "aws:iam/groupPolicy:GroupPolicy":
        return judgeDoc(r.props.policy, "the inline policy");
      default:
        if (r.type.includes("AttachmentsExclusive")) {
          const l = arr(r.props.policyArns);
          return (l === "unknown" ? [] : l ?? []).forEach((a, i) => judgeArn(a, `policyArns[${i}]`, r, "policyArns"));
        }
        return judgeArn(r.props.policyArn, "the attachment", r, "policyArn");
    }
  },
};
