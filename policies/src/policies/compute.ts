/** Compute controls: public IPs, IMDSv2, encrypted volumes, SSM management, user data, key pairs, monitoring. */
import { gunzipSync } from "zlib";
import type { Ctx, Emit, PolicyDef, Res } from "../framework";
import { COMPUTE_TYPES as T, INSTANCE_TYPES, isInstance, effectiveImds, imdsOf, inherit, templateOf, templatePublicIp, templateSubnet } from "../launch";
import { PolicyNames } from "../names";
import { arr, bool, get, isObj, isSet, isUnknown, str, strs, type Obj } from "../values";

const SERVER_TYPES = [...INSTANCE_TYPES, T.launchTemplate, T.launchConfiguration];
const SUBNET_TYPES = [T.subnet, T.defaultSubnet];
const SSM_CORE = /:policy\/AmazonSSMManagedInstanceCore$/;

// ------------------------------------------------------------------------------------------- user data

/** User data as text: plain for instances, base64 for launch templates and `userDataBase64`. */
export function userDataTexts(r: Res): { text: string[]; unknown: boolean } {
  const text: string[] = [];
  let unknown = false;
  const keys = r.type === T.launchTemplate ? [["userData", true]] : [["userData", false], ["userDataBase64", true]];
  for (const [k, b64] of keys as [string, boolean][]) {
    const v = get(r.props, k);
    if (isUnknown(v)) unknown = true;
    if (typeof v !== "string" || isUnknown(v)) continue;
    text.push(v);
    const decoded = decodeB64(v, b64);
    if (decoded !== undefined) text.push(decoded);
  }
  return { text, unknown };
}

function decodeB64(v: string, sure: boolean): string | undefined {
  const t = v.replace(/\s+/g, "");
  if (!t || t.length % 4 !== 0 || !/^[A-Za-z0-9+/]+=*$/.test(t)) return undefined;
  let bytes = Buffer.from(t, "base64");
  // cloud-init accepts gzip-compressed user data (Bulwark's own bundle is shipped that way).
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: 4 * 1024 * 1024 });
    } catch {
      return undefined;
    }
  }
  const s = bytes.toString("utf8");
  // Only trust a guess when the result is text.
  if (!sure && /[\u0000-\u0008\u000e-\u001f\ufffd]/.test(s)) return undefined;
  return s;
}

// References and placeholders, not secrets: variables, templates, file paths, ARNs and parameter names, URLs.
const PLACEHOLDER = /^(\$|<|\{\{|%\(|`|\/|~\/|\.\/|arn:|ssm:|resolve:|https?:\/\/)|^(yes|no|true|false|none|null|prompt)$/i;
const SECRET_KEY = /(password|passwd|pwd|secret|token|api[_-]?key)/i;
const KEY_CHAR = /[\w.-]/;
const MAX_LINE = 4096;

/** `key = value` / `key: value` pairs, found by one linear scan (no backtracking regex over user data). */
function assignments(line: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (let i = 0; i < line.length; i++) {
    if (line[i] !== "=" && line[i] !== ":") continue;
    let j = i - 1;
    while (j >= 0 && (line[j] === " " || line[j] === "\t")) j--;
    if (j >= 0 && (line[j] === '"' || line[j] === "'")) j--;
    let k = j;
    while (k >= 0 && j - k < 128 && KEY_CHAR.test(line[k])) k--;
    const key = line.slice(k + 1, j + 1);
    if (!key) continue;
    let v = i + 1;
    while (v < line.length && (line[v] === " " || line[v] === "\t")) v++;
    if (line[v] === '"' || line[v] === "'") v++;
    let e = v;
    while (e < line.length && e - v < 256 && !/[\s"']/.test(line[e])) e++;
    out.push({ key, value: line.slice(v, e) });
  }
  return out;
}

/** Credentials written into user data (each finding names the kind, never the value). Linear in the input. */
export function credentialsIn(text: string): string[] {
  const found = new Set<string>();
  // Inside a cloud-config `chpasswd:` block, `user:password` entries (list: | or list: [..]) set passwords.
  let chpasswd = false;
  for (let line of text.split("\n")) {
    if (line.length > MAX_LINE) line = line.slice(0, MAX_LINE);
    if (/^\s*chpasswd\s*:/.test(line)) chpasswd = true;
    else if (/^\S/.test(line)) chpasswd = false;
    if (chpasswd) {
      for (const m of line.matchAll(/(?:^|[\s[,"'])[a-z_][\w.-]{0,63}:([^\s,\]"':][^\s,\]"']{0,255})/gi)) {
        if (!/^(R|RANDOM)$/.test(m[1]) && !PLACEHOLDER.test(m[1])) found.add("a password in a cloud-config chpasswd list");
      }
    }
    if (/\bmysqladmin\b.*\spassword\s+["']?(?![$<{`'"])\S{4,}/.test(line)) found.add("a mysqladmin password");
    // Shell variables and command substitutions ($PW, ${PW}, $(...), `...`) are fetched at boot, not written here.
    if (/\b(AKIA|ASIA)[0-9A-Z]{16}\b/.test(line)) found.add("an AWS access key id");
    if (/aws_secret_access_key\s*[=:]\s*\S{8,}/i.test(line)) found.add("an AWS secret access key");
    if (/-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----/.test(line)) found.add("a private key");
    if (/IDENTIFIED\s+(WITH\s+\S{1,64}\s+)?BY\s+(PASSWORD\s+)?['"](?![$`])[^'"]+['"]/i.test(line)) found.add("a SQL password (IDENTIFIED BY)");
    if (/\bmysql(admin|dump)?\s/.test(line) && /\s-p(?![\s-])(?!["']?[$`])\S+/.test(line)) found.add("a mysql -p password");
    if (/\becho\s+["']?[\w.-]{1,64}:(?![$`])[^\s"'|]+["']?\s*\|\s*(sudo\s+)?chpasswd/.test(line)) found.add("a user password piped to chpasswd");
    // Prose in comments ("# passwords: kept in root-only files") is not an assignment.
    if (!SECRET_KEY.test(line) || /^\s*#/.test(line)) continue;
    // ARNs (arn:aws:secretsmanager:…:secret:name) name secrets; their colons are not assignments.
    for (const { key, value } of assignments(line.replace(/\barn:aws[\w-]*:[^\s"']*/g, "arn"))) {
      if (!SECRET_KEY.test(key)) continue;
      // Names of secrets, not secrets: references (file, ARN, id...), settings (TTL, length...), and the
      // `secretsmanager:` service prefix of ARNs and IAM actions.
      if (/authentication$/i.test(key) || /[_-](file|path|arn|id|name|ttl|ttl-seconds|seconds|timeout|length|header|url)$/i.test(key) || /^secretsmanager$/i.test(key)) continue;
      if (value.length < 4 || PLACEHOLDER.test(value)) continue;
      found.add(`a value assigned to ${key.replace(/^-+/, "")}`);
    }
  }
  return [...found];
}

/** SSH password authentication switched on by user data (sshd_config lines, echo/heredoc, sed replacements, cloud-config). */
export function enablesPasswordAuth(text: string): boolean {
  if (/^\s*ssh_pwauth\s*:\s*(true|yes|1|"true"|'true')\s*$/im.test(text)) return true;
  for (let line of text.split("\n")) {
    if (!/PasswordAuthentication/i.test(line) || /^\s*#/.test(line)) continue;
    if (line.length > MAX_LINE) line = line.slice(0, MAX_LINE);
    // In `sed s/old/new/` only what is written (`new`) counts.
    const sed = line.match(/\bs([/|#,])([^\n]*?)\1([^\n]*?)\1/);
    const written = sed ? sed[3] : line;
    if (/PasswordAuthentication["']?\s+["']?yes\b/i.test(written)) return true;
  }
  return false;
}

// ------------------------------------------------------------------------------------------- volumes

function ebsDefaultOn(ctx: Ctx): boolean {
  return ctx.idx.memo("ebsDefault", () => ctx.idx.ofType(T.ebsDefault).some((r) => bool(r.props.enabled) !== false));
}

/** Unencrypted volumes of an instance/launch configuration/launch template ("" when all are encrypted). */
function volumeProblems(r: Res, ctx: Ctx): { bad: string[]; unknown: string[] } {
  const bad: string[] = [];
  const unknown: string[] = [];
  const judge = (where: string, v: unknown) => {
    const b = bool(v);
    if (b === true) return;
    if (b === "unknown") unknown.push(where);
    else bad.push(where);
  };
  if (r.type === T.launchTemplate) {
    const l = arr(get(r.props, "blockDeviceMappings"));
    if (l === "unknown") unknown.push("blockDeviceMappings");
    (l === "unknown" ? [] : l ?? []).forEach((m, i) => {
      if (isSet(get(m, "ebs")) && !isSet(get(m, "virtualName"))) judge(`blockDeviceMappings[${i}].ebs`, get(m, "ebs", "encrypted"));
    });
    return { bad, unknown };
  }
  // Instance root volume: own setting, else the template's mappings, else unencrypted (AWS default).
  if (isInstance(r)) {
    const own = get(r.props, "rootBlockDevice", "encrypted");
    if (isSet(own)) judge("rootBlockDevice", own);
    else {
      const l = templateOf(r, ctx);
      if (l.status === "found") {
        const lt = volumeProblems(l.res[0], ctx);
        const maps = arr(get(l.res[0].props, "blockDeviceMappings"));
        if (Array.isArray(maps) && maps.length) {
          bad.push(...lt.bad.map((w) => `launch template ${w}`));
          unknown.push(...lt.unknown.map((w) => `launch template ${w}`));
        } else bad.push("root volume (no encryption set on the instance or its launch template)");
      } else if (l.status === "none") bad.push("root volume (rootBlockDevice.encrypted not set)");
      else unknown.push("root volume (launch template not resolvable)");
    }
  } else judge("rootBlockDevice", get(r.props, "rootBlockDevice", "encrypted"));
  const ebs = arr(get(r.props, "ebsBlockDevices"));
  if (ebs === "unknown") unknown.push("ebsBlockDevices");
  else (ebs ?? []).forEach((d, i) => judge(`ebsBlockDevices[${i}]`, get(d, "encrypted")));
  return { bad, unknown };
}

// ------------------------------------------------------------------------------------------- SSM

function rolesWithSsm(ctx: Ctx): Set<string> {
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
      for (const name of roles === "unknown" ? [] : roles ?? []) {
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

// ------------------------------------------------------------------------------------------- IMDS remediation

function remediateImds(type: string, props: Obj, hopLimit: number): Obj | undefined {
  if (!SERVER_TYPES.includes(type as never)) return undefined;
  const cur = imdsOf(props);
  if (cur?.endpoint === "disabled") return undefined;
  const hop = typeof cur?.hop === "number" ? Math.min(cur.hop, hopLimit) : hopLimit;
  if (cur?.tokens === "required" && typeof cur.hop === "number" && cur.hop <= hopLimit) return undefined;
  const mo = isObj(props.metadataOptions) ? props.metadataOptions : {};
  return { ...props, metadataOptions: { ...mo, httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: hop } };
}

/** The SSM verdict for an instance profile named (or linked) from `holder.iamInstanceProfile`. */
function profileSsm(holder: Res, ref: string, ctx: Ctx, emit: Emit): void {
  const p = ctx.idx.resolve(holder, "iamInstanceProfile", ref === "unknown" ? undefined : ref, [T.profile]);
  if (p.status !== "found") return emit.unknown(`instance profile ${p.status === "external" ? p.ref + " is not in this stack" : "cannot be resolved"}; SSM management not verified`);
  const profile = p.res[0];
  const role = ctx.idx.resolve(profile, "role", profile.props.role, [T.role]);
  if (role.status !== "found") {
    if (role.status === "none") return emit.fail(`instance profile ${profile.name} has no role`);
    return emit.unknown(`the role of instance profile ${profile.name} is not in this stack; SSM management not verified`);
  }
  const ssm = rolesWithSsm(ctx);
  if (!role.res.some((x) => ssm.has(x.urn))) emit.fail(`role ${role.res[0].name} does not have AmazonSSMManagedInstanceCore`);
}

/** Instances an Auto Scaling group launches take their profile from its launch template or configuration. */
function asgSsm(r: Res, ctx: Ctx, emit: Emit): void {
  const lt = get(r.props, "launchTemplate");
  const mixed = get(r.props, "mixedInstancesPolicy", "launchTemplate", "launchTemplateSpecification");
  const ltRef = isSet(lt) ? (get(lt, "id") ?? get(lt, "name")) : isSet(mixed) ? (get(mixed, "launchTemplateId") ?? get(mixed, "launchTemplateName")) : undefined;
  const ltProp = isSet(lt) ? "launchTemplate" : "mixedInstancesPolicy";
  let holder: Res | undefined;
  let ref: string | undefined;
  if (isSet(ltRef) || (r.propertyDependencies[ltProp] ?? []).length) {
    const l = ctx.idx.resolve(r, ltProp, ltRef, [T.launchTemplate]);
    if (l.status !== "found") return emit.unknown("its launch template is not in this stack; SSM management not verified");
    holder = l.res[0];
    ref = str(get(holder.props, "iamInstanceProfile", "name")) ?? str(get(holder.props, "iamInstanceProfile", "arn"));
  } else if (isSet(r.props.launchConfiguration) || (r.propertyDependencies.launchConfiguration ?? []).length) {
    const l = ctx.idx.resolve(r, "launchConfiguration", r.props.launchConfiguration, [T.launchConfiguration]);
    if (l.status !== "found") return emit.unknown("its launch configuration is not in this stack; SSM management not verified");
    holder = l.res[0];
    ref = str(holder.props.iamInstanceProfile);
  } else return;
  if (ref === undefined && !(holder.propertyDependencies.iamInstanceProfile ?? []).length) return emit.fail(`its ${holder.type === T.launchTemplate ? "launch template" : "launch configuration"} ${holder.name} has no instance profile`);
  profileSsm(holder, ref ?? "unknown", ctx, emit);
}

// ------------------------------------------------------------------------------------------- policies

export const computePolicies: PolicyDef[] = [
  {
    name: PolicyNames.instancePublicIp,
    description: "EC2 instances must not get a public IP, whether set on the instance, its launch template or its subnet.",
    severity: "high",
    enforcement: "mandatory",
    family: "compute",
    securityHub: ["EC2.9"],
    cis: [],
    remediation: "Set associatePublicIpAddress: false, launch into a private subnet, and publish through a load balancer; administer with SSM.",
    unknowns: "In preview the template and subnet are followed through propertyDependencies; a subnet outside the stack, or an unknown flag, is advisory.",
    types: [...INSTANCE_TYPES, "aws:ec2/eip:Eip", "aws:ec2/eipAssociation:EipAssociation"],
    check(r, ctx, emit) {
      if (!isInstance(r)) {
        // An Elastic IP bound to an instance (directly or through its interface) is a public IP too.
        const v = get(r.props, r.type === "aws:ec2/eip:Eip" ? "instance" : "instanceId");
        if (isSet(v) && v !== "") return emit.fail(`an Elastic IP is attached to instance ${isUnknown(v) ? "(unknown during preview)" : String(v)}`);
        const ni = get(r.props, r.type === "aws:ec2/eip:Eip" ? "networkInterface" : "networkInterfaceId");
        if (isSet(ni) && ni !== "") emit.fail(`an Elastic IP is attached to network interface ${isUnknown(ni) ? "(unknown during preview)" : String(ni)}`);
        return;
      }
      const own = bool(r.props.associatePublicIpAddress);
      if (own === true) return emit.fail("associatePublicIpAddress is true");
      if (own === false) return;
      if (own === "unknown") return emit.unknown("associatePublicIpAddress is unknown during preview");
      const lt = templateOf(r, ctx);
      let subnetRef: unknown = get(r.props, "subnetId");
      let subnetProp = "subnetId";
      if (lt.status === "found") {
        const v = templatePublicIp(lt.res[0]);
        if (v === true) return emit.fail(`its launch template ${lt.res[0].name} associates a public IP`);
        if (v === false) return;
        if (v === "unknown") return emit.unknown("the launch template's associatePublicIpAddress is unknown during preview");
        if (!isSet(subnetRef) && !(r.propertyDependencies.subnetId ?? []).length) {
          subnetRef = templateSubnet(lt.res[0]);
          subnetProp = "networkInterfaces";
        }
      } else if (lt.status !== "none") return emit.unknown("its launch template cannot be resolved; set associatePublicIpAddress: false on the instance");
      // An existing network interface as eth0 never gets an auto-assigned public IP (its subnet is the ENI's).
      if (!isSet(subnetRef) && (isSet(get(r.props, "primaryNetworkInterface", "networkInterfaceId")) || (arr(r.props.networkInterfaces) ?? []).length)) return;
      if (!isSet(subnetRef) && !(r.propertyDependencies.subnetId ?? []).length) {
        return emit.fail("no subnet: it launches into the default VPC, whose subnets map public IPs");
      }
      const from = subnetProp === "subnetId" ? r : (lt as { res: Res[] }).res[0];
      const s = ctx.idx.resolve(from, subnetProp, subnetRef, SUBNET_TYPES);
      if (s.status === "found") {
        const m = bool(s.res[0].props.mapPublicIpOnLaunch);
        const on = m === undefined ? s.res[0].type === T.defaultSubnet : m;
        if (on === true) emit.fail(`its subnet ${s.res[0].name} maps public IPs on launch`);
        else if (on === "unknown") emit.unknown(`its subnet's mapPublicIpOnLaunch is unknown during preview`);
      } else emit.unknown("its subnet is not in this stack; set associatePublicIpAddress: false explicitly");
    },
  },
  {
    name: "ec2-launch-template-disallow-public-ip",
    description: "Launch templates must not associate public IPs on any network interface.",
    severity: "high",
    enforcement: "mandatory",
    family: "compute",
    securityHub: ["EC2.25"],
    cis: [],
    remediation: "Set associatePublicIpAddress: \"false\" on every network interface of the template.",
    unknowns: "An unknown interface list or flag is advisory in preview.",
    types: [T.launchTemplate],
    check(r, _ctx, emit) {
      const v = templatePublicIp(r);
      if (v === true) emit.fail("a network interface sets associatePublicIpAddress \"true\"");
      else if (v === "unknown") emit.unknown("networkInterfaces are unknown during preview");
    },
  },
  {
    name: "ec2-launch-configuration-disallow-public-ip",
    description: "Launch configurations must not associate public IPs.",
    severity: "high",
    enforcement: "mandatory",
    family: "compute",
    securityHub: ["Autoscaling.5"],
    cis: [],
    remediation: "Set associatePublicIpAddress: false.",
    unknowns: "An unknown flag is advisory in preview.",
    types: [T.launchConfiguration],
    check(r, _ctx, emit) {
      const v = bool(r.props.associatePublicIpAddress);
      if (v === true) emit.fail("associatePublicIpAddress is true");
      else if (v === "unknown") emit.unknown("associatePublicIpAddress is unknown during preview");
    },
  },
  {
    name: PolicyNames.instanceImdsv2,
    description: "EC2 instances, launch templates and launch configurations must require IMDSv2 with a small hop limit.",
    severity: "high",
    enforcement: "mandatory",
    family: "compute",
    securityHub: ["EC2.8", "EC2.170", "Autoscaling.3"],
    cis: ["5.7"],
    remediation: "Set metadataOptions { httpTokens: \"required\", httpPutResponseHopLimit: 1 } (remediate does this), on the instance or its launch template.",
    unknowns: "An instance without its own metadataOptions inherits its launch template's (preview: via propertyDependencies); unknown values are advisory.",
    types: SERVER_TYPES,
    check(r, ctx, emit) {
      const { imds, from } = effectiveImds(r, ctx);
      if (imds.endpoint === "disabled") return;
      const src = from === "launch template" ? " (from its launch template)" : "";
      if (imds.tokens === "unknown") emit.unknown(`metadataOptions.httpTokens is unknown during preview${src}`);
      else if (imds.tokens !== "required") emit.fail(`metadataOptions.httpTokens is ${imds.tokens === undefined ? "not set (IMDSv1 allowed)" : `"${imds.tokens}"`}${src}`);
      if (imds.hop === "unknown") emit.unknown("metadataOptions.httpPutResponseHopLimit is unknown during preview");
      else if (typeof imds.hop === "number" && imds.hop > ctx.cfg.hopLimit) emit.fail(`metadataOptions.httpPutResponseHopLimit is ${imds.hop} (max ${ctx.cfg.hopLimit})`);
    },
    remediate: (type, props, cfg) => remediateImds(type, props, cfg.hopLimit),
  },
  {
    name: PolicyNames.instanceEncryptedVolumes,
    description: "EC2 root and data volumes (instances, launch templates, launch configurations, standalone volumes) must be encrypted, unless EBS encryption by default is on in this stack.",
    severity: "high",
    enforcement: "mandatory",
    family: "compute",
    securityHub: ["EC2.3", "EC2.7"],
    cis: ["2.2.1"],
    remediation: "Set encrypted: true on every volume (rootBlockDevice, ebsBlockDevices, template mappings), or enable aws.ebs.EncryptionByDefault in the stack.",
    unknowns: "An unknown flag is advisory in preview; an instance without its own setting inherits its launch template's mappings.",
    types: [...SERVER_TYPES, T.volume],
    check(r, ctx, emit) {
      const p =
        r.type === T.volume
          ? (() => {
              const b = bool(r.props.encrypted);
              return b === true ? { bad: [], unknown: [] } : b === "unknown" ? { bad: [], unknown: ["encrypted"] } : { bad: ["volume"], unknown: [] };
            })()
          : volumeProblems(r, ctx);
      if (!p.bad.length && !p.unknown.length) return;
      if (ebsDefaultOn(ctx)) return;
      for (const w of p.bad) emit.fail(`not encrypted: ${w}`);
      for (const w of p.unknown) emit.unknown(`${w} encryption is unknown during preview`);
    },
  },
  {
    name: PolicyNames.instanceSsmManaged,
    description: "EC2 instances (also those an Auto Scaling group launches) must be SSM-managed: an instance profile whose role has AmazonSSMManagedInstanceCore.",
    severity: "medium",
    enforcement: "mandatory",
    family: "compute",
    securityHub: ["SSM.1"],
    cis: [],
    remediation: "Give the instance (or its launch template) an instance profile whose role attaches arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore.",
    unknowns: "Profile, role and attachments are followed by name/ARN in update and propertyDependencies in preview; a profile or role outside the stack is advisory.",
    types: [...INSTANCE_TYPES, T.asg],
    check(r, ctx, emit) {
      if (r.type === T.asg) return asgSsm(r, ctx, emit);
      const inh = inherit<string>(
        r,
        ctx,
        () => (isSet(r.props.iamInstanceProfile) || (r.propertyDependencies.iamInstanceProfile ?? []).length ? (str(r.props.iamInstanceProfile) ?? "unknown") : undefined),
        (lt) => str(get(lt.props, "iamInstanceProfile", "name")) ?? str(get(lt.props, "iamInstanceProfile", "arn")),
      );
      if (inh.value === undefined) return emit.fail("no instance profile: the SSM agent cannot register");
      const holder = inh.from === "instance" ? r : (templateOf(r, ctx) as { res: Res[] }).res?.[0];
      if (!holder) return emit.unknown("instance profile cannot be resolved during preview");
      profileSsm(holder, inh.value, ctx, emit);
    },
  },
  {
    name: "ec2-instance-disallow-secrets-in-user-data",
    description: "User data must not carry credentials or passwords (it is readable by anyone who can describe the instance).",
    severity: "critical",
    enforcement: "mandatory",
    family: "compute",
    securityHub: [],
    cis: [],
    remediation: "Fetch secrets at boot from Secrets Manager or SSM Parameter Store with the instance role; never template them into user data.",
    unknowns: "Unknown user data is advisory in preview; secret-wrapped user data is scanned as plaintext.",
    types: SERVER_TYPES,
    check(r, _ctx, emit) {
      const ud = userDataTexts(r);
      const hits = new Set<string>();
      for (const t of ud.text) for (const h of credentialsIn(t)) hits.add(h);
      if (hits.size) emit.fail(`user data contains ${[...hits].join(", ")}`);
      if (ud.unknown) emit.unknown("user data is unknown during preview");
    },
  },
  {
    name: "ec2-instance-disallow-ssh-password-auth",
    description: "Servers must not enable SSH password authentication in user data (keys or SSM only).",
    severity: "high",
    enforcement: "mandatory",
    family: "compute",
    securityHub: [],
    cis: [],
    remediation: "Remove PasswordAuthentication yes / ssh_pwauth: true; use Bulwark's host bundle (PasswordAuthentication no) and SSM Session Manager.",
    unknowns: "Unknown user data is not reported (the secrets policy already flags it).",
    types: SERVER_TYPES,
    check(r, _ctx, emit) {
      if (userDataTexts(r).text.some(enablesPasswordAuth)) emit.fail("user data enables SSH password authentication");
    },
  },
  {
    name: "ec2-instance-disallow-key-pair",
    description: "Instances should not carry an SSH key pair: administer through SSM Session Manager.",
    severity: "low",
    enforcement: "advisory",
    family: "compute",
    securityHub: [],
    cis: [],
    remediation: "Remove keyName; use SSM Session Manager (audited, no inbound port).",
    unknowns: "An unknown key name counts as set.",
    types: SERVER_TYPES,
    check(r, _ctx, emit) {
      const k = get(r.props, "keyName");
      if (isSet(k) && k !== "") emit.fail(`keyName is ${isUnknown(k) ? "set (unknown during preview)" : `"${String(k)}"`}`);
    },
  },
  {
    name: "ec2-instance-require-detailed-monitoring",
    description: "Instances should have detailed (1-minute) CloudWatch monitoring.",
    severity: "low",
    enforcement: "advisory",
    family: "compute",
    securityHub: [],
    cis: [],
    remediation: "Set monitoring: true (launch templates: monitoring.enabled).",
    unknowns: "Unknown values are not reported.",
    types: [...INSTANCE_TYPES, T.launchTemplate],
    check(r, ctx, emit) {
      const v =
        r.type === T.launchTemplate
          ? bool(get(r.props, "monitoring", "enabled"))
          : inherit<boolean>(r, ctx, () => bool(r.props.monitoring) as never, (lt) => bool(get(lt.props, "monitoring", "enabled")) as never).value;
      if (v !== true && v !== "unknown") emit.fail("detailed monitoring is off");
    },
  },
  {
    name: "iam-principal-disallow-admin-access",
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
  },
  {
    name: "ssm-document-require-encrypted-session-logging",
    description: "Session Manager preference documents must encrypt sessions with KMS and log them to an encrypted destination.",
    severity: "medium",
    enforcement: "mandatory",
    family: "compute",
    securityHub: ["SSM.6"],
    cis: [],
    remediation: "In the Session document set inputs.kmsKeyId, and cloudWatchLogGroupName with cloudWatchEncryptionEnabled: true (or s3BucketName with s3EncryptionEnabled: true).",
    unknowns: "Unknown document content is advisory in preview.",
    types: ["aws:ssm/document:Document"],
    check(r, _ctx, emit) {
      const dt = str(r.props.documentType);
      if (dt !== "Session") return;
      const content = str(r.props.content);
      if (content === "unknown") return emit.unknown("document content is unknown during preview");
      const c = content ?? "";
      const val = (k: string) => c.match(new RegExp(`["']?${k}["']?\\s*:\\s*["']?([^"',\\n}]*)`))?.[1]?.trim() ?? "";
      if (!val("kmsKeyId")) emit.fail("sessions are not encrypted (inputs.kmsKeyId is empty)");
      const cw = val("cloudWatchLogGroupName");
      const s3 = val("s3BucketName");
      const on = (k: string) => /^(true|yes)$/i.test(val(k));
      if (!cw && !s3) emit.fail("sessions are not logged (no cloudWatchLogGroupName or s3BucketName)");
      if (cw && !on("cloudWatchEncryptionEnabled")) emit.fail("session logs to CloudWatch are not encrypted (cloudWatchEncryptionEnabled)");
      if (s3 && !on("s3EncryptionEnabled")) emit.fail("session logs to S3 are not encrypted (s3EncryptionEnabled)");
    },
  },
];

/** Whether a policy document allows every action on every resource. */
export function adminDoc(doc: unknown): boolean | "unknown" {
  let d = get(doc);
  if (isUnknown(d)) return "unknown";
  if (typeof d === "string") {
    try {
      d = JSON.parse(d);
    } catch {
      return false;
    }
  }
  const st = get(d, "Statement");
  const list = Array.isArray(st) ? st : isObj(st) ? [st] : [];
  for (const s of list) {
    if (str(get(s, "Effect"))?.toLowerCase() !== "allow") continue;
    // Allow + NotAction grants every action but the listed ones; Allow + NotResource every resource but the
    // listed ones: with the other side "*" both are admin in all but name.
    const notActs = get(s, "NotAction");
    const notRess = get(s, "NotResource");
    const acts = isSet(notActs) ? notStar(strs(notActs)) : strs(get(s, "Action"));
    const ress = isSet(notRess) ? notStar(strs(notRess)) : strs(get(s, "Resource"));
    if (acts === "unknown" || ress === "unknown") return "unknown";
    if (acts.some((a) => a === "*" || a === "*:*") && ress.includes("*")) return true;
  }
  return false;
}

/** A Not* list read as what it grants: "*" unless it excludes everything. */
function notStar(l: string[] | "unknown"): string[] | "unknown" {
  if (l === "unknown") return l;
  return l.some((x) => x === "*" || x === "*:*") ? [] : ["*"];
}
