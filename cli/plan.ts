/**
 * `bulwark plan [--stack prod] [--format text|json]`: the offline plan of a stack (Pulumi mocks, no cloud).
 * Prints the resources grouped by component with the hardening settings that matter. Exit 0 ok, 2 on bad config.
 */
import { Option, type Command } from "commander";
import { gunzipSync } from "zlib";
import * as YAML from "yaml";
import { ConfigError } from "../components/config";
import { ADMIN_PORTS, INSTANCE_MANAGED_POLICIES } from "../components/controls";
import { coversInternet } from "../components/rules";
import { LOADER_ON_HOST, LOADER_PY, sha256Hex } from "../components/host/loader";
import type { ExitHolder } from "./index";
import { PlanTooBigError } from "./plan-limits";
import { maskCredentials, redactOutput, REDACTED, SecretValues, userDataHasCredentials } from "./redact";
import { renderExistingHosts } from "./fleet/plan-hosts";
import { emitReports, parseWrites, writeOption } from "./report/io";
// plan-runner loads @pulumi/pulumi: imported when `plan` runs, so `check`/`drift` start fast.
import type { PlanResult, PlannedResource } from "./plan-runner";
import type { AnalyzerClient } from "./analyzer";
import { stderr } from "./streams";

const T = {
  instance: "aws:ec2/instance:Instance",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  profile: "aws:iam/instanceProfile:InstanceProfile",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  stack: "pulumi:pulumi:Stack",
};

/** The hardening facts of one server, read from the planned inputs (not from what the components meant to do). */
export interface ServerHardening {
  name: string;
  site?: string;
  role?: string;
  imdsv2: boolean;
  imdsHopLimit?: number;
  rootEncrypted: boolean;
  rootKms: "cmk" | "aws-managed" | "none";
  publicIp: boolean;
  ssmManaged: boolean;
  /** Ingress rules reaching admin ports, as `port from source`. */
  adminIngress: string[];
  /** Admin ports reachable from a public range. Must be empty. */
  internetAdminPorts: string[];
  terminationProtection: boolean;
  replaceOnUserDataChange: boolean;
  /** The host hardening bundle the server boots with (read back from its user data), or undefined: none. */
  hostBundle?: HostBundleRef;
}

export interface HostBundleRef {
  /** sha256 of the bundle (BUNDLE_HASH). */
  hash: string;
  os: string;
  role: string;
  /** Loader user data: the S3 object the loader fetches and the sha256 it pins (checked against the planned object). */
  object?: { key: string; sha256: string };
}

/**
 * Reads the host bundle out of an instance's planned user data (gzipped cloud-config in userDataBase64, or plain
 * userData): present only when the bundle's files are written AND its apply and verify entry points run at boot.
 */
export function hostBundleOf(inputs: Record<string, unknown>): HostBundleRef | undefined {
  // Identical servers carry the same user data: decode each distinct text once (a 1,000-server plan has ~30).
  const key =
    typeof inputs.userDataBase64 === "string"
      ? `b${inputs.userDataBase64}`
      : typeof inputs.userData === "string"
        ? `t${inputs.userData}`
        : undefined;
  if (key === undefined) return undefined;
  if (bundleCache.has(key)) return bundleCache.get(key);
  const found = readHostBundle(inputs);
  if (bundleCache.size > 1000) bundleCache.clear();
  bundleCache.set(key, found);
  return found;
}
const bundleCache = new Map<string, HostBundleRef | undefined>();

function readHostBundle(inputs: Record<string, unknown>): HostBundleRef | undefined {
  let text: string | undefined;
  try {
    if (typeof inputs.userDataBase64 === "string") {
      const raw = Buffer.from(inputs.userDataBase64, "base64");
      text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString("utf8");
    } else if (typeof inputs.userData === "string") text = inputs.userData;
    if (!text?.startsWith("#cloud-config")) return undefined;
    const head = /^# Bulwark host bundle ([0-9a-f]{64}) for (\S+), role (\S+)$/m.exec(text);
    const doc = YAML.parse(text) as { write_files?: { path?: string; content?: string }[]; runcmd?: unknown[] };
    const written = new Map((doc.write_files ?? []).map((f) => [f.path, f.content]));
    const runs = (doc.runcmd ?? []).map((c) => (Array.isArray(c) ? c.join(" ") : String(c)));
    if (head && runs.length === 1 && Array.isArray(doc.runcmd?.[0])) {
      const loader = loaderTargetOf(doc.runcmd[0] as unknown[], written);
      if (loader) return { hash: head[1], os: head[2], role: head[3], object: loader };
    }
    const dir = "/opt/bulwark/bundle";
    const ok =
      head &&
      written.get(`${dir}/BUNDLE_HASH`)?.trim() === head[1] &&
      [`${dir}/apply`, `${dir}/verify`].every((e) => written.has(e) && runs.includes(e));
    return ok ? { hash: head[1], os: head[2], role: head[3] } : undefined;
  } catch {
    return undefined;
  }
}

/** The loader's target when the cloud-config writes Bulwark's loader and its one runcmd runs it. */
function loaderTargetOf(
  cmd: unknown[],
  written: Map<string | undefined, string | undefined>,
): { key: string; sha256: string } | undefined {
  if (
    cmd.length !== 3 ||
    cmd[0] !== "python3" ||
    cmd[1] !== LOADER_ON_HOST ||
    written.get(LOADER_ON_HOST) !== LOADER_PY
  )
    return undefined;
  const cfg = JSON.parse(String(cmd[2])) as { key?: unknown; sha256?: unknown };
  return typeof cfg.key === "string" && typeof cfg.sha256 === "string" && /^[0-9a-f]{64}$/.test(cfg.sha256)
    ? { key: cfg.key, sha256: cfg.sha256 }
    : undefined;
}

/** Planned bundle objects: key -> sha256 of the content and the bundle hash its archive header names. */
function plannedBundleObjects(plan: PlanResult): Map<string, { sha256: string; bundle?: string }> {
  const out = new Map<string, { sha256: string; bundle?: string }>();
  for (const r of plan.resources) {
    if (
      r.type !== "aws:s3/bucketObjectv2:BucketObjectv2" ||
      typeof r.inputs.key !== "string" ||
      typeof r.inputs.content !== "string"
    )
      continue;
    const content = r.inputs.content;
    out.set(r.inputs.key, {
      sha256: sha256Hex(content),
      bundle: /^# Bulwark host bundle ([0-9a-f]{64}) /m.exec(content.slice(0, 300))?.[1],
    });
  }
  return out;
}

export function serverHardening(plan: PlanResult): ServerHardening[] {
  const objects = plannedBundleObjects(plan);
  // A loader counts only when the plan stores the very object it pins (same key, same sha256, same bundle).
  const checked = (ref: HostBundleRef | undefined): HostBundleRef | undefined => {
    if (!ref?.object) return ref;
    const o = objects.get(ref.object.key);
    return o && o.sha256 === ref.object.sha256 && o.bundle === ref.hash ? ref : undefined;
  };
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const rulesBySg = new Map<string, PlannedResource[]>();
  for (const r of plan.resources) {
    if (r.type !== T.ingress) continue;
    for (const sg of r.propertyDependencies.securityGroupId ?? []) {
      const g = rulesBySg.get(sg);
      if (g) g.push(r);
      else rulesBySg.set(sg, [r]);
    }
  }
  const attachmentsByRole = new Map<string, string[]>();
  for (const r of plan.resources) {
    if (r.type !== T.attachment) continue;
    for (const role of r.propertyDependencies.role ?? []) {
      const g = attachmentsByRole.get(role);
      if (g) g.push(String(r.inputs.policyArn));
      else attachmentsByRole.set(role, [String(r.inputs.policyArn)]);
    }
  }
  return plan.resources
    .filter((r) => r.type === T.instance)
    .map((r) => {
      const i = r.inputs as Record<string, unknown>;
      const md = (i.metadataOptions ?? {}) as Record<string, unknown>;
      const root = (i.rootBlockDevice ?? {}) as Record<string, unknown>;
      const tags = (i.tags ?? {}) as Record<string, string>;
      const profileUrns = r.propertyDependencies.iamInstanceProfile ?? [];
      const policies = profileUrns.flatMap((p) =>
        (byUrn.get(p)?.propertyDependencies.role ?? []).flatMap((role) => attachmentsByRole.get(role) ?? []),
      );
      const adminIngress: string[] = [];
      const internetAdminPorts: string[] = [];
      for (const sg of r.propertyDependencies.vpcSecurityGroupIds ?? []) {
        for (const rule of rulesBySg.get(sg) ?? []) {
          const ri = rule.inputs as Record<string, unknown>;
          const all = ri.ipProtocol === "-1";
          const from = Number(ri.fromPort ?? 0);
          const to = Number(ri.toPort ?? 65535);
          for (const p of ADMIN_PORTS) {
            if (!all && (p < from || p > to)) continue;
            const source = String(
              ri.cidrIpv4 ??
                ri.cidrIpv6 ??
                ri.prefixListId ??
                (ri.referencedSecurityGroupId ? `sg ${String(ri.referencedSecurityGroupId)}` : "?"),
            );
            adminIngress.push(`${p} from ${source}`);
            const cidr = (ri.cidrIpv4 ?? ri.cidrIpv6) as string | undefined;
            if (cidr && coversInternet(cidr)) internetAdminPorts.push(`${p} from ${cidr}`);
          }
        }
      }
      return {
        name: r.name,
        site: tags["bulwark:site"],
        role: tags["bulwark:role"],
        imdsv2: md.httpTokens === "required",
        imdsHopLimit: typeof md.httpPutResponseHopLimit === "number" ? md.httpPutResponseHopLimit : undefined,
        rootEncrypted: root.encrypted === true,
        rootKms: root.encrypted !== true ? "none" : root.kmsKeyId ? "cmk" : "aws-managed",
        publicIp: i.associatePublicIpAddress === true,
        ssmManaged: policies.includes(INSTANCE_MANAGED_POLICIES.ssmCore),
        adminIngress,
        internetAdminPorts,
        terminationProtection: i.disableApiTermination === true,
        replaceOnUserDataChange:
          i.userDataReplaceOnChange === true ||
          (r.replaceOnChanges ?? []).some((k) => k === "userData" || k === "userDataBase64"),
        hostBundle: checked(hostBundleOf(i)),
      };
    });
}

/** The top-level component (a direct child of the stack) each resource belongs to. */
export function groupByComponent(plan: PlanResult): Map<string, PlannedResource[]> {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const groups = new Map<string, PlannedResource[]>();
  for (const r of plan.resources) {
    if (r.type === T.stack || !r.custom) continue;
    let top: PlannedResource = r;
    for (
      let p = r.parent ? byUrn.get(r.parent) : undefined;
      p && p.type !== T.stack;
      p = p.parent ? byUrn.get(p.parent) : undefined
    )
      top = p;
    const key = top === r ? "(stack)" : `${top.type} ${top.name}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return groups;
}

const yes = (b: boolean) => (b ? "yes" : "NO");

export function renderText(plan: PlanResult, stack: string): string {
  const lines: string[] = [];
  const servers = serverHardening(plan);
  const groups = groupByComponent(plan);
  // Map lookups: `servers.find` per instance was quadratic in the estate.
  // (serverHardening keeps the order of the instances, so index i is instance i; names repeat across sites).
  const serverByUrn = new Map(plan.resources.filter((r) => r.type === T.instance).map((r, i) => [r.urn, servers[i]]));
  lines.push(
    `Bulwark plan for stack "${stack}" (offline, mocks): ` +
      `${plan.resources.filter((r) => r.custom).length} resources in ${groups.size} components`,
  );
  for (const [component, resources] of groups) {
    lines.push("", `${component}  (${resources.length} resources)`);
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    lines.push(`  ${[...counts].map(([t, n]) => `${n} ${t.split(":").pop()}`).join(", ")}`);
    for (const r of resources) {
      const i = r.inputs;
      if (r.type === T.ingress) {
        const src = i.cidrIpv4 ?? i.cidrIpv6 ?? i.prefixListId ?? `sg:${String(i.referencedSecurityGroupId)}`;
        const ports =
          i.ipProtocol === "-1"
            ? "all traffic"
            : `${String(i.ipProtocol)} ${String(i.fromPort)}${i.toPort !== i.fromPort ? `-${String(i.toPort)}` : ""}`;
        lines.push(`  ingress ${r.name}: ${ports} from ${String(src)}`);
      } else if (r.type === T.instance) {
        const s = serverByUrn.get(r.urn);
        if (s) {
          const b = s.hostBundle;
          const bundle = b ? `yes (sha256 ${b.hash.slice(0, 12)}, ${b.os}${b.object ? ", loaded from S3" : ""})` : "NO";
          lines.push(
            `  server ${s.name} [${s.role ?? "?"} @ ${s.site ?? "?"}]: IMDSv2 ${yes(s.imdsv2)} ` +
              `(hop ${s.imdsHopLimit ?? "?"}), root encrypted ${yes(s.rootEncrypted)} (${s.rootKms}), ` +
              `public IP ${s.publicIp ? "YES" : "no"}, SSM ${yes(s.ssmManaged)}, ` +
              `admin ports ${s.adminIngress.length ? s.adminIngress.join("; ") : "none"}, ` +
              `termination protection ${s.terminationProtection ? "on" : "off"}, host bundle ${bundle}`,
          );
        }
      } else if (r.type === "aws:ec2/flowLog:FlowLog") {
        lines.push(`  flow log ${r.name}: ${String(i.trafficType)} traffic to ${String(i.logDestinationType)}`);
      } else if (r.type === "aws:cloudwatch/logGroup:LogGroup") {
        lines.push(
          `  log group ${String(i.name)}: KMS ${i.kmsKeyId ? "yes" : "NO"}, ` +
            `retention ${String(i.retentionInDays)} days`,
        );
      } else if (r.type === "aws:cloudtrail/trail:Trail") {
        lines.push(
          `  trail ${r.name}: multi-region ${yes(i.isMultiRegionTrail === true)}, ` +
            `validation ${yes(i.enableLogFileValidation === true)}, KMS ${yes(!!i.kmsKeyId)}`,
        );
      } else if (r.type === "aws:ssm/document:Document" && i.documentType === "Session") {
        const doc = JSON.parse(String(i.content ?? "{}")) as { inputs?: Record<string, unknown> };
        const d = doc.inputs ?? {};
        lines.push(
          `  session preferences: KMS ${yes(!!d.kmsKeyId)}, CloudWatch ${yes(!!d.cloudWatchLogGroupName)}, ` +
            `S3 ${yes(!!d.s3BucketName)}, idle timeout ${String(d.idleSessionTimeout)} min, ` +
            `run as ${String(d.runAsDefaultUser)}`,
        );
      }
    }
  }
  lines.push("", "Servers:");
  const bad = servers.filter(
    (s) =>
      !s.imdsv2 || !s.rootEncrypted || s.publicIp || !s.ssmManaged || s.internetAdminPorts.length > 0 || !s.hostBundle,
  );
  const of = (ok: (s: ServerHardening) => unknown) => `${servers.filter(ok).length}/${servers.length}`;
  lines.push(
    `  ${servers.length} servers; IMDSv2 ${of((s) => s.imdsv2)}, encrypted root ${of((s) => s.rootEncrypted)}, ` +
      `no public IP ${of((s) => !s.publicIp)}, SSM-managed ${of((s) => s.ssmManaged)}, ` +
      `internet-facing admin ports ${servers.reduce((n, s) => n + s.internetAdminPorts.length, 0)}, ` +
      `host bundle ${of((s) => s.hostBundle)}`,
  );
  for (const s of bad) {
    const problems = [
      !s.imdsv2 && "IMDSv1 allowed",
      !s.rootEncrypted && "unencrypted root",
      s.publicIp && "public IP",
      !s.ssmManaged && "not SSM-managed",
      !s.hostBundle && "no host hardening bundle",
      ...s.internetAdminPorts.map((p) => `admin port ${p}`),
    ];
    lines.push(`  ATTENTION ${s.name}: ${problems.filter(Boolean).join(", ")}`);
  }
  lines.push(...renderExistingHosts(plan.outputs));
  lines.push("", "Outputs:");
  for (const [k, v] of Object.entries(plan.outputs)) {
    const text = typeof v === "string" ? v : JSON.stringify(v);
    lines.push(`  ${k}: ${text.length > 160 ? `${text.slice(0, 157)}...` : text}`);
  }
  return lines.join("\n");
}

/** A planned resource as printed: credential-named values masked, user data carrying credentials withheld. */
function printable(r: PlannedResource): PlannedResource {
  const inputs = maskCredentials(r.inputs);
  if (userDataHasCredentials(r.type, r.inputs)) {
    if (typeof inputs.userData === "string") inputs.userData = REDACTED;
    if (typeof inputs.userDataBase64 === "string") inputs.userDataBase64 = REDACTED;
  }
  return { ...r, inputs };
}

const PLAN_FORMATS = ["text", "json"] as const;
type PlanFormat = (typeof PLAN_FORMATS)[number];

export function register(program: Command, exit: ExitHolder): void {
  program
    .command("plan")
    .description("offline plan of a stack's estate (Pulumi mocks, no cloud access)")
    .option("--stack <name>", "stack whose Pulumi.<stack>.yaml to read", "prod")
    .option("--config <file>", "read config from this stack file instead (alias: --config-file)")
    .addOption(new Option("--config-file <file>").hideHelp())
    .addOption(new Option("--format <format>", "output format").choices([...PLAN_FORMATS]).default("text"))
    .option("--policy-config <file>", "policy pack config, same format as `pulumi --policy-pack-config`")
    .option("-o, --output <file>", "write the plan to a file instead of stdout")
    .addOption(writeOption("json:plan.json"))
    .action(
      async (
        o: {
          stack: string;
          config?: string;
          configFile?: string;
          format: PlanFormat;
          policyConfig?: string;
          output?: string;
          write?: string[];
        },
        cmd: Command,
      ) => {
        // A refusal (usage, config, input): the message, exit 2, nothing planned or printed.
        const refuse = (message: string): void => {
          stderr().write(`${message}\n`);
          exit.code = 2;
        };
        if (o.config && o.configFile && o.config !== o.configFile) {
          return refuse("bulwark plan: give the stack file once: --config (or its alias --config-file)");
        }
        if ((o.config ?? o.configFile) && cmd.getOptionValueSource("stack") === "cli") {
          return refuse("bulwark plan: --stack and --config both name the stack file: give one");
        }
        const targets = parseWrites(o.write, PLAN_FORMATS, o.output);
        if (typeof targets === "string") return refuse(`bulwark plan: ${targets}`);
        o.configFile = o.config ?? o.configFile;
        const { packVerdictForPlan, readPlanPolicyConfig, startPack, stopPack } = await import("./report/pack-verdict");
        const policy = await readPlanPolicyConfig(o.policyConfig);
        if (!policy.ok) {
          return refuse(policy.error);
        }
        let plan: PlanResult;
        // The pack starts once the worker has validated the config, and runs its start-up while the plan runs
        // (another process, another core). A bad config never starts it; the plan's errors come first.
        const { runPlanIsolated } = await import("./plan-isolated");
        const early: { validated?: boolean; start?: () => Promise<AnalyzerClient>; pack?: Promise<AnalyzerClient> } =
          {};
        const planning = runPlanIsolated({ stack: o.stack, configFile: o.configFile }, undefined, () => {
          early.validated = true;
          if (early.start) early.pack = early.start();
        });
        planning.catch(() => undefined); // awaited below
        early.start = startPack;
        if (early.validated && !early.pack) early.pack = startPack();
        try {
          plan = await planning;
        } catch (e) {
          if (early.pack) await stopPack(early.pack);
          if (e instanceof PlanTooBigError) {
            return refuse(`bulwark plan: ${e.message}`);
          }
          if (e instanceof ConfigError) {
            return refuse(e.message);
          }
          throw e;
        }
        // The pack's verdict through the engine's analyzer path (PIPELINES, cli/report/pack-verdict.ts).
        const verdict = await packVerdictForPlan(plan.resources, policy.value, early.pack, plan.adminCidrs);
        if (!verdict.ok) {
          return refuse(verdict.error);
        }
        // Credentials never reach the output: values under credential-named keys, user data the pack's detector
        // flags, and any place the same values recur (cli/redact.ts).
        const secrets = new SecretValues();
        for (const r of plan.resources) secrets.collect(r.inputs);
        secrets.collect(plan.outputs);
        const shown: PlanResult = { resources: plan.resources.map(printable), outputs: maskCredentials(plan.outputs) };
        const doc = () => ({ stack: o.stack, servers: serverHardening(plan), ...shown, policy: verdict.report });
        const render = (format: PlanFormat) =>
          redactOutput(
            format === "json"
              ? `${JSON.stringify(doc(), null, 2)}\n`
              : `${renderText({ resources: plan.resources, outputs: shown.outputs }, o.stack)}\n\n${verdict.text}`,
            secrets,
          );
        emitReports(render, o.format, o.output, targets);
        exit.code = verdict.report.verdict === "pass" ? 0 : 1;
      },
    );
}
