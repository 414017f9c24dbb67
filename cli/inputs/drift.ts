import { PolicyNames } from "../../policies/src/names";
import { resolveConfig } from "../../policies/src/engine";
import { classifyCidr, portClasses, portsOf, waiverPolicies } from "../../policies/src/net";
import { WAIVER_TAG_PREFIX } from "../../policies/src/waiver-prefix";
import { nameFromUrn, normaliseProps, UNKNOWN_STATE_VALUE } from "./encoding";
import type { Change, RawState } from "./changes";
import { diffProps, getPath, parsePath, type PathSegment } from "./paths";

/**
 * Drift = what changed out of band, and which hardening control each change touches.
 * critical: the change breaks a control (SG opened to the internet, IMDSv1 allowed, public IP added, DB made
 * public, a waiver tag appearing by hand, ...); warning: it touches a control's property but the control still
 * holds; info: no control involved (e.g. an ordinary tag).
 */
export type DriftSeverity = "critical" | "warning" | "info";

/** Where the drift came from: `pulumi refresh --preview-only` (old = recorded, new = cloud) or
 * `pulumi preview --refresh` (old = refreshed cloud, new = what the program wants). */
export type DriftSource = "refresh" | "preview";

export interface DriftChange {
  path: string;
  /** As seen from the recorded/desired state towards what runs: add, delete, update. */
  kind: string;
  /** Values after decoding; secrets are "[secret]". */
  before?: unknown;
  after?: unknown;
  severity: DriftSeverity;
  /** Policy name of the hardening control the change touches, when one does. */
  control?: string;
  reason: string;
}

export interface DriftedResource {
  urn: string;
  type: string;
  name: string;
  /** `update`: properties differ; `delete`: the resource is gone from the cloud. */
  drift: "update" | "delete";
  severity: DriftSeverity;
  controls: string[];
  changes: DriftChange[];
  /** Mandatory policy findings the resource has in the cloud but not in the recorded/desired state. */
  violations: { policy: string; message: string }[];
}

const RANK: Record<DriftSeverity, number> = { critical: 0, warning: 1, info: 2 };
const worst = (a: DriftSeverity, b: DriftSeverity): DriftSeverity => (RANK[a] <= RANK[b] ? a : b);

/** Public (internet-routable) source, judged exactly as the pack judges it. */
const internet = (cidr: string): boolean => classifyCidr(cidr).internet;

/** The pack config's one port list (remote-admin, high-risk, authorized): the exposure model classifies by it. */
export type PortLists = Parameters<typeof portClasses>[1];
const DEFAULT_PORTS: PortLists = resolveConfig();

/**
 * The control internet ingress on these ports breaks, by the exposure model (as the pack judges it): the
 * admin-ingress one when its classes need that waiver (remote-admin, high-risk), else the ingress one.
 * Unknown ports count as admin: fail closed.
 */
function ingressControl(protocol: unknown, from: unknown, to: unknown, ports: PortLists): string {
  const ps = portsOf(protocol, from, to);
  const admin = ps === "unknown" || waiverPolicies(portClasses(ps, ports)).includes(PolicyNames.sgInternetAdminIngress);
  return admin ? PolicyNames.sgInternetAdminIngress : PolicyNames.sgInternetIngress;
}

function props(s: RawState | undefined): Record<string, unknown> | undefined {
  if (!s) return undefined;
  const { value } = normaliseProps({ ...(s.inputs ?? {}), ...(s.outputs ?? {}) }, { unknown: UNKNOWN_STATE_VALUE });
  return value as Record<string, unknown>;
}

interface Rule {
  protocol: string;
  from: number;
  to: number;
  cidrs: string[];
}

function rules(v: unknown): Rule[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((r) => {
    if (!r || typeof r !== "object") return [];
    const o = r as Record<string, unknown>;
    const cidrs = [...((o.cidrBlocks as string[]) ?? []), ...((o.ipv6CidrBlocks as string[]) ?? [])];
    return [{ protocol: String(o.protocol ?? ""), from: Number(o.fromPort ?? 0), to: Number(o.toPort ?? 0), cidrs }];
  });
}

const allPorts = (r: Rule) => r.protocol === "-1" || r.protocol === "all";
const key = (r: Rule, c: string) => `${r.protocol}/${r.from}-${r.to}/${c}`;

/** Internet-open rules present after but not before. */
function newlyOpen(before: Rule[], after: Rule[]): Rule[] {
  const had = new Set(before.flatMap((r) => r.cidrs.filter(internet).map((c) => key(r, c))));
  return after.filter((r) => r.cidrs.some((c) => internet(c) && !had.has(key(r, c))));
}

function describeRule(r: Rule): string {
  const ports = allPorts(r) ? "all ports" : r.from === r.to ? `port ${r.from}` : `ports ${r.from}-${r.to}`;
  return `${ports}/${allPorts(r) ? "any" : r.protocol} from ${r.cidrs.filter(internet).join(", ")}`;
}

interface Ctx {
  type: string;
  top: string;
  segs: PathSegment[];
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  valBefore: unknown;
  valAfter: unknown;
  ports: PortLists;
}
type Verdict = Pick<DriftChange, "severity" | "control" | "reason">;

function securityGroupRules(c: Ctx, direction: "ingress" | "egress"): Verdict {
  const opened = newlyOpen(rules(c.before[direction]), rules(c.after[direction]));
  if (direction === "ingress") {
    if (opened.length > 0) {
      const controls = opened.map((r) => ingressControl(r.protocol, r.from, r.to, c.ports));
      return {
        severity: "critical",
        control: controls.includes(PolicyNames.sgInternetAdminIngress)
          ? PolicyNames.sgInternetAdminIngress
          : PolicyNames.sgInternetIngress,
        reason: `ingress opened to the internet: ${opened.map(describeRule).join("; ")}`,
      };
    }
    return {
      severity: "warning",
      control: PolicyNames.sgInternetIngress,
      reason: "ingress rules changed (not open to the internet)",
    };
  }
  if (opened.some(allPorts))
    return {
      severity: "critical",
      control: PolicyNames.sgUnrestrictedEgress,
      reason: `egress opened: ${opened.map(describeRule).join("; ")}`,
    };
  return { severity: "warning", control: PolicyNames.sgUnrestrictedEgress, reason: "egress rules changed" };
}

function standaloneRule(c: Ctx, ingressFields: string[]): Verdict | undefined {
  if (!ingressFields.includes(c.top)) return undefined;
  const isIngress = c.type !== "aws:ec2/securityGroupRule:SecurityGroupRule" || c.after.type === "ingress";
  const world = (p: Record<string, unknown>) =>
    [p.cidrBlocks, p.ipv6CidrBlocks, p.cidrIpv4, p.cidrIpv6].flat().some((x) => typeof x === "string" && internet(x));
  const a = c.after;
  if (isIngress && world(a) && !world(c.before))
    return {
      severity: "critical",
      control: ingressControl(a.ipProtocol ?? a.protocol, a.fromPort, a.toPort, c.ports),
      reason: "security group rule opened to the internet",
    };
  return { severity: "warning", control: PolicyNames.sgInternetIngress, reason: "security group rule changed" };
}

/** One function per resource type: which property touches which control, and when it breaks it. */
const CLASSIFIERS: Record<string, (c: Ctx) => Verdict | undefined> = {
  "aws:ec2/securityGroup:SecurityGroup": (c) =>
    c.top === "ingress" || c.top === "egress" ? securityGroupRules(c, c.top) : undefined,
  "aws:ec2/securityGroupRule:SecurityGroupRule": (c) =>
    standaloneRule(c, ["cidrBlocks", "ipv6CidrBlocks", "fromPort", "toPort", "protocol", "type"]),
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (c) =>
    standaloneRule(c, ["cidrIpv4", "cidrIpv6", "fromPort", "toPort", "ipProtocol"]),
  "aws:ec2/instance:Instance": (c) => {
    switch (c.top) {
      case "metadataOptions": {
        const mo = (c.after.metadataOptions ?? {}) as Record<string, unknown>;
        if (mo.httpTokens === "optional")
          return {
            severity: "critical",
            control: PolicyNames.instanceImdsv2,
            reason: "IMDS relaxed: IMDSv1 (httpTokens optional) allowed",
          };
        if (Number(mo.httpPutResponseHopLimit ?? 1) > 1)
          return {
            severity: "critical",
            control: PolicyNames.instanceImdsv2,
            reason: `IMDS relaxed: hop limit ${String(mo.httpPutResponseHopLimit)}`,
          };
        return {
          severity: "warning",
          control: PolicyNames.instanceImdsv2,
          reason: "instance metadata options changed",
        };
      }
      case "associatePublicIpAddress":
      case "publicIp":
      case "publicDns": {
        const has = (p: Record<string, unknown>) =>
          p.associatePublicIpAddress === true || (typeof p.publicIp === "string" && p.publicIp !== "");
        if (has(c.after) && !has(c.before))
          return { severity: "critical", control: PolicyNames.instancePublicIp, reason: "public IP address added" };
        return { severity: "warning", control: PolicyNames.instancePublicIp, reason: "public addressing changed" };
      }
      case "rootBlockDevice":
      case "ebsBlockDevices":
        if (c.segs[c.segs.length - 1] === "encrypted" && c.valAfter === false)
          return {
            severity: "critical",
            control: PolicyNames.instanceEncryptedVolumes,
            reason: "volume encryption turned off",
          };
        return { severity: "warning", control: PolicyNames.instanceEncryptedVolumes, reason: "block devices changed" };
      case "iamInstanceProfile":
        if (!c.after.iamInstanceProfile)
          return {
            severity: "critical",
            control: PolicyNames.instanceSsmManaged,
            reason: "instance profile removed: no SSM management",
          };
        return { severity: "warning", control: PolicyNames.instanceSsmManaged, reason: "instance profile changed" };
      case "vpcSecurityGroupIds":
      case "securityGroups":
        return {
          severity: "warning",
          control: PolicyNames.sgInternetIngress,
          reason: "firewall (security groups) of the instance changed",
        };
      default:
        return undefined;
    }
  },
  "aws:rds/instance:Instance": (c) => {
    switch (c.top) {
      case "publiclyAccessible":
        return c.after.publiclyAccessible === true
          ? { severity: "critical", control: PolicyNames.rdsPublic, reason: "database made public" }
          : { severity: "warning", control: PolicyNames.rdsPublic, reason: "database public access changed" };
      case "iamDatabaseAuthenticationEnabled":
        return c.after.iamDatabaseAuthenticationEnabled === false
          ? { severity: "critical", control: PolicyNames.rdsIamAuth, reason: "IAM database authentication turned off" }
          : { severity: "warning", control: PolicyNames.rdsIamAuth, reason: "IAM database authentication changed" };
      case "manageMasterUserPassword":
      case "password":
        return c.after.manageMasterUserPassword !== true
          ? {
              severity: "critical",
              control: PolicyNames.rdsManagedPassword,
              reason: "master password no longer managed by Secrets Manager",
            }
          : {
              severity: "warning",
              control: PolicyNames.rdsManagedPassword,
              reason: "master password settings changed",
            };
      case "vpcSecurityGroupIds":
        return {
          severity: "warning",
          control: PolicyNames.rdsPublic,
          reason: "firewall (security groups) of the database changed",
        };
      default:
        return undefined;
    }
  },
};

function classifyTags(c: Ctx): Verdict | undefined {
  if (c.top !== "tags" && c.top !== "tagsAll") return undefined;
  const tag = c.segs[1];
  if (typeof tag === "string" && tag.startsWith(WAIVER_TAG_PREFIX)) {
    const rest = tag.slice(WAIVER_TAG_PREFIX.length);
    const policy = rest.includes(":") ? rest.slice(0, rest.lastIndexOf(":")) : rest;
    if (c.valAfter !== undefined && c.valBefore === undefined)
      return { severity: "critical", control: policy, reason: `waiver tag added by hand: it switches off ${policy}` };
    return { severity: "warning", control: policy, reason: "waiver tag changed" };
  }
  return { severity: "info", reason: "tag changed: no hardening control involved" };
}

export function classifyChange(
  type: string,
  path: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  ports: PortLists = DEFAULT_PORTS,
): Verdict {
  const segs = parsePath(path);
  const ctx: Ctx = {
    ports,
    type,
    top: String(segs[0] ?? ""),
    segs,
    before,
    after,
    valBefore: getPath(before, segs),
    valAfter: getPath(after, segs),
  };
  return classifyTags(ctx) ?? CLASSIFIERS[type]?.(ctx) ?? { severity: "info", reason: "no hardening control involved" };
}

/** Resources whose deletion out of band removes a control. */
const DELETION_CONTROLS: Record<string, Verdict> = {
  "aws:secretsmanager/secretRotation:SecretRotation": {
    severity: "critical",
    control: PolicyNames.secretRotation,
    reason: "secret rotation removed",
  },
};

const INVERT: Record<string, string> = {
  add: "delete",
  "add-replace": "delete-replace",
  delete: "add",
  "delete-replace": "add-replace",
};

/**
 * Drifted resources of a refresh preview (or of `preview --refresh`), classified. Unchanged resources, the root
 * stack and providers are left out.
 */
/** The states on each side of a drift: what was expected (recorded or desired) and what runs in the cloud. */
export function driftSides(changes: Change[], source: DriftSource): { expected: RawState[]; actual: RawState[] } {
  const expected: RawState[] = [];
  const actual: RawState[] = [];
  for (const c of changes) {
    const [exp, act] =
      source === "refresh"
        ? [c.old, c.op === "delete" ? undefined : c.new]
        : [c.new, c.op === "create" ? undefined : c.old];
    if (exp && !REMOVING.has(c.op)) expected.push(exp);
    if (act) actual.push(act);
  }
  return { expected, actual };
}
const REMOVING = new Set(["delete-replaced", "discard", "discard-replaced", "remove-pending-replace"]);

/**
 * Escalates drifted resources that now break a mandatory policy of the pack: findings present on the cloud side but
 * not on the expected side (by policy and resource), as evaluated by `evaluate` on each whole side.
 */
export function addPolicyBreaks(
  drifted: DriftedResource[],
  findingsExpected: readonly { policy: string; urn?: string; enforcement: string; waived?: unknown }[],
  findingsActual: readonly { policy: string; urn?: string; enforcement: string; waived?: unknown; message: string }[],
): void {
  const blocks = (f: { enforcement: string; waived?: unknown }) => f.enforcement === "mandatory" && !f.waived;
  const before = new Set(findingsExpected.filter(blocks).map((f) => `${f.policy}\u0000${f.urn ?? ""}`));
  const byUrn = new Map(drifted.map((d) => [d.urn, d]));
  for (const f of findingsActual) {
    if (!blocks(f) || !f.urn || before.has(`${f.policy}\u0000${f.urn}`)) continue;
    const d = byUrn.get(f.urn);
    if (!d || d.violations.some((v) => v.policy === f.policy && v.message === f.message)) continue;
    d.violations.push({ policy: f.policy, message: f.message });
    d.severity = "critical";
    if (!d.controls.includes(f.policy)) d.controls.push(f.policy);
  }
  drifted.sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.urn.localeCompare(b.urn));
}

/** `ports`: the pack config's port lists (`--policy-config`), so drift names the control the pack would. */
export function detectDrift(
  changes: Change[],
  source: DriftSource,
  ports: PortLists = DEFAULT_PORTS,
): DriftedResource[] {
  const out: DriftedResource[] = [];
  for (const ch of changes) {
    if (ch.type === "pulumi:pulumi:Stack" || ch.type.startsWith("pulumi:providers:")) continue;
    // What was expected (recorded state or program) and what runs in the cloud.
    let expected: RawState | undefined;
    let actual: RawState | undefined;
    let gone: boolean;
    if (source === "refresh") {
      if (!["update", "delete", "refresh"].includes(ch.op)) continue;
      expected = ch.old;
      actual = ch.op === "delete" ? undefined : ch.new;
      gone = ch.op === "delete" || (ch.old !== undefined && ch.new === undefined);
    } else {
      // preview --refresh: the program would `update`/`replace` what drifted, `create` what was deleted by hand.
      if (!["update", "replace", "create"].includes(ch.op)) continue;
      expected = ch.new;
      actual = ch.op === "create" ? undefined : ch.old;
      gone = ch.op === "create";
    }
    const type = ch.type || expected?.type || actual?.type || "";
    const base = { urn: ch.urn, type, name: nameFromUrn(ch.urn) };
    if (gone) {
      const v = DELETION_CONTROLS[type] ?? { severity: "warning" as const, reason: "resource deleted outside Pulumi" };
      out.push({
        ...base,
        drift: "delete",
        severity: v.severity,
        controls: v.control ? [v.control] : [],
        changes: [{ path: "", kind: "delete", ...v }],
        violations: [],
      });
      continue;
    }
    const before = props(expected) ?? {};
    const after = props(actual) ?? {};
    let paths: { path: string; kind: string }[];
    if (ch.detailedDiff && ch.detailedDiff.length > 0) {
      paths = ch.detailedDiff.map((d) => ({
        path: d.path,
        kind: source === "preview" ? (INVERT[d.kind] ?? d.kind) : d.kind,
      }));
    } else {
      paths = diffProps(before, after);
    }
    if (paths.length === 0) continue;
    const changes: DriftChange[] = paths.map((p) => {
      const segs = parsePath(p.path);
      return {
        path: p.path,
        kind: p.kind,
        before: getPath(before, segs),
        after: getPath(after, segs),
        ...classifyChange(type, p.path, before, after, ports),
      };
    });
    const severity = changes.map((c) => c.severity).reduce(worst, "info" as DriftSeverity);
    const controls = [...new Set(changes.flatMap((c) => (c.control ? [c.control] : [])))];
    out.push({ ...base, drift: "update", severity, controls, changes, violations: [] });
  }
  return out.sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.urn.localeCompare(b.urn));
}
