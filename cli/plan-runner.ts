/**
 * Offline plan: runs index.ts's program under `pulumi.runtime.setMocks` with a stack's config and records every
 * resource registration as the engine would see it (inputs, parent, provider, dependencies, property
 * dependencies). No cloud, no Pulumi CLI. Secret values are masked; their paths are listed in `secretPaths`.
 *
 * Runs are serialised (the Pulumi runtime is process-global); a later run resets the mocks and config.
 */
import { RESOURCE_REF_SIG as RESOURCE_SIG, SECRET_SIG, SIG_KEY } from "../policies/src/values";
import * as path from "path";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../components/config";
import { REPO_ROOT } from "./stack-file";
import { validatePlanConfig, type ValidatedPlanConfig } from "./plan-config";

export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent?: string;
  provider?: string;
  inputs: Record<string, unknown>;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  /** Property paths (e.g. `userData`, `tags.x`) whose values were secret; they read as SECRET_MASK in inputs. */
  secretPaths?: string[];
  /** The `replaceOnChanges` resource option, when set. */
  replaceOnChanges?: string[];
}

export interface PlanResult {
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  /** The stack's private admin ranges from its parsed config, for the pack's adminCidrs (stack-admin-cidrs.ts). */
  adminCidrs?: string[];
}

export interface RunPlanOptions {
  /** Stack name (default `prod`): reads `Pulumi.<stack>.yaml` next to index.ts unless `configFile`/`config` given. */
  stack?: string;
  configFile?: string;
  /** Config as the engine passes it: `{"bulwark:sites": [...]}` (values may be JSON strings). Overrides files. */
  config?: Record<string, unknown>;
  /** With `config`: the keys the engine marks secret (as `readStackFile` returns them). */
  secretKeys?: string[];
  /** Run as a preview (`isDryRun()` true; outputs the mocks do not return are unknown). Default false. */
  preview?: boolean;
  /** Program module to run (default: the repository's index.ts). */
  program?: string;
  /** Called with the estate's server count once the config is valid, before any resource is declared. */
  onValidated?: (servers: number) => void;
  /** The config as validatePlanConfig(these options) returned it, when the caller validated it already. */
  validated?: ValidatedPlanConfig;
}

export const SECRET_MASK = "[secret]";

// The stack file reader lives apart (no Pulumi SDK), so `bulwark plan`'s main thread never loads the SDK.
export { readStackFile, REPO_ROOT } from "./stack-file";

/** Deterministic fake ids in AWS shapes, so plan output and policy checks read like the real thing. */
const ID_PREFIX: Record<string, string> = {
  "aws:ec2/vpc:Vpc": "vpc",
  "aws:ec2/subnet:Subnet": "subnet",
  "aws:ec2/securityGroup:SecurityGroup": "sg",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
  "aws:ec2/instance:Instance": "i",
  "aws:ec2/routeTable:RouteTable": "rtb",
  "aws:ec2/networkAcl:NetworkAcl": "acl",
  "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
  "aws:ec2/natGateway:NatGateway": "nat",
  "aws:ec2/internetGateway:InternetGateway": "igw",
  "aws:ec2/eip:Eip": "eipalloc",
  "aws:ec2/flowLog:FlowLog": "fl",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
};

export const MOCK_ACCOUNT = "123456789012";
export const MOCK_REGION = "eu-west-1";

function fakeId(type: string, name: string): string {
  const hash = crypto.createHash("sha1").update(`${type}::${name}`).digest("hex");
  const prefix = ID_PREFIX[type];
  return prefix ? `${prefix}-${hash.slice(0, 17)}` : `${name}-${hash.slice(0, 8)}`;
}

/**
 * The mocks: echo inputs, add the computed outputs Bulwark's components read (ids, ARNs, names, IPs).
 * In preview mode they behave like a first `pulumi preview`: inputs (and auto-names) are known, ids and every
 * computed output are unknown, so inputs that depend on them carry the engine's unknown sentinel.
 */
export function planMocks(region: string = MOCK_REGION, preview = false): pulumi.runtime.Mocks {
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
      if (preview)
        return {
          id: undefined,
          state: {
            ...args.inputs,
            ...(args.custom && args.type.startsWith("aws:") ? { name: args.inputs.name ?? args.name } : {}),
          },
        };
      const id = fakeId(args.type, args.name);
      const [pkg, mod] = args.type.split(":");
      const service = (mod ?? "").split("/")[0];
      const state: Record<string, unknown> = {
        ...args.inputs,
        name: args.inputs.name ?? args.name,
        arn: args.inputs.arn ?? `arn:aws:${service}:${region}:${MOCK_ACCOUNT}:${args.name}`,
      };
      if (pkg !== "aws") return { id, state: args.inputs };
      switch (args.type) {
        case "aws:ec2/instance:Instance": {
          const n = parseInt(crypto.createHash("sha1").update(args.name).digest("hex").slice(0, 4), 16);
          state.privateIp = `10.255.${(n >> 8) & 255}.${n & 255 || 1}`;
          state.privateDns = `ip-10-255-${(n >> 8) & 255}-${n & 255 || 1}.${region}.compute.internal`;
          state.publicIp = args.inputs.associatePublicIpAddress ? "198.51.100.10" : "";
          break;
        }
        case "aws:kms/key:Key":
          state.keyId = id;
          state.arn = `arn:aws:kms:${region}:${MOCK_ACCOUNT}:key/${id}`;
          break;
        case "aws:sns/topic:Topic":
          state.arn = `arn:aws:sns:${region}:${MOCK_ACCOUNT}:${args.inputs.name ?? args.name}`;
          break;
        case "aws:cloudwatch/logGroup:LogGroup":
          state.arn = `arn:aws:logs:${region}:${MOCK_ACCOUNT}:log-group:${args.inputs.name ?? args.name}`;
          break;
        case "aws:s3/bucket:Bucket":
          state.bucket = args.inputs.bucket ?? `${args.name}-${id.slice(-8)}`;
          state.arn = `arn:aws:s3:::${state.bucket}`;
          break;
        case "aws:iam/role:Role":
        case "aws:iam/instanceProfile:InstanceProfile":
          state.arn =
            `arn:aws:iam::${MOCK_ACCOUNT}:` +
            `${args.type.endsWith("Role") ? "role" : "instance-profile"}/${String(state.name)}`;
          break;
        case "aws:ec2/vpcEndpoint:VpcEndpoint":
          state.dnsEntries = [
            {
              dnsName: `${id}.${String(args.inputs.serviceName ?? "")}.vpce.amazonaws.com`,
              hostedZoneId: "Z0000000000000",
            },
          ];
          break;
        case "aws:guardduty/detector:Detector":
          state.accountId = MOCK_ACCOUNT;
          break;
        default:
          break;
      }
      return { id, state };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      switch (args.token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return {
            accountId: MOCK_ACCOUNT,
            arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/plan`,
            userId: "AIDAPLAN",
            id: MOCK_ACCOUNT,
          };
        case "aws:index/getRegion:getRegion":
          return { region, name: region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
        case "aws:index/getPartition:getPartition":
          return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws", reverseDnsPrefix: "com.amazonaws" };
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
          return {
            names: [`${region}a`, `${region}b`, `${region}c`],
            zoneIds: ["euw1-az1", "euw1-az2", "euw1-az3"],
            id: region,
          };
        case "aws:ec2/getAmi:getAmi": {
          const key = JSON.stringify(args.inputs.filters ?? args.inputs);
          return {
            id: `ami-${crypto.createHash("sha1").update(key).digest("hex").slice(0, 17)}`,
            architecture: "x86_64",
          };
        }
        default:
          return args.inputs as Record<string, unknown>;
      }
    },
  };
}

interface RecordedRegistration {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string;
  provider: string;
  object: Record<string, unknown>;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  replaceOnChanges: string[];
}

/** The subset of the SDK's RegisterResourceRequest we read (the mock monitor receives the real protobuf). */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getProvider(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
  getReplaceonchangesList(): string[];
}
type Callback = (err: Error | null, resp?: { getUrn(): string }) => void;
interface Monitor {
  registerResource(req: RegisterRequest, cb: Callback): void;
  resources: Map<string, { urn: string; state: unknown }>;
}

/**
 * Installs the mocks and a recorder on the mock monitor. Tests use this directly around their own component code.
 * Returns `finish()`, which waits for outstanding registrations and gives the recorded resources.
 */
export async function startRecording(
  opts: { project?: string; stack?: string; preview?: boolean; mocks?: pulumi.runtime.Mocks } = {},
): Promise<{
  finish(): Promise<PlannedResource[]>;
  stackOutputs(): Record<string, unknown>;
}> {
  const stack = opts.stack ?? "prod";
  await pulumi.runtime.setMocks(opts.mocks ?? planMocks(), opts.project ?? PROJECT, stack, opts.preview ?? false);

  const settings = require("@pulumi/pulumi/runtime/settings") as {
    getMonitor(): Monitor;
    waitForRPCs(): Promise<void>;
  };
  const monitor = settings.getMonitor();
  const recorded: RecordedRegistration[] = [];
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: RegisterRequest, cb: Callback) => {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v, k) => {
      propertyDependencies[k] = v.getUrnsList();
    });
    const entry: RecordedRegistration = {
      urn: "",
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      parent: req.getParent(),
      provider: req.getProvider(),
      object: req.getObject()?.toJavaScript() ?? {},
      dependencies: req.getDependenciesList(),
      propertyDependencies,
      replaceOnChanges: req.getReplaceonchangesList(),
    };
    recorded.push(entry);
    original(req, (err, resp) => {
      if (resp) entry.urn = resp.getUrn();
      cb(err, resp);
    });
  };
  return {
    async finish() {
      await settings.waitForRPCs();
      return recorded.map(toPlanned);
    },
    stackOutputs() {
      const stackRes = [...monitor.resources.values()].find((r) => r.urn.includes("::pulumi:pulumi:Stack::"));
      const state = stackRes?.state as
        { toJavaScript?: () => Record<string, unknown> } | Record<string, unknown> | undefined;
      const raw =
        state && typeof (state as { toJavaScript?: unknown }).toJavaScript === "function"
          ? (state as { toJavaScript(): Record<string, unknown> }).toJavaScript()
          : ((state as Record<string, unknown>) ?? {});
      const secretPaths: string[] = [];
      return mask(raw, "", secretPaths) as Record<string, unknown>;
    },
  };
}

function toPlanned(r: RecordedRegistration): PlannedResource {
  const secretPaths: string[] = [];
  const inputs = mask(r.object, "", secretPaths) as Record<string, unknown>;
  const out: PlannedResource = {
    urn: r.urn,
    type: r.type,
    name: r.name,
    custom: r.custom,
    inputs,
    dependencies: [...new Set(r.dependencies)],
    propertyDependencies: r.propertyDependencies,
  };
  if (r.parent) out.parent = r.parent;
  if (r.provider) out.provider = r.provider;
  if (secretPaths.length) out.secretPaths = secretPaths;
  if (r.replaceOnChanges.length) out.replaceOnChanges = r.replaceOnChanges;
  return out;
}

/** Replaces secret-wrapped values by SECRET_MASK (recording their paths) and resource references by their id/urn. */
function mask(value: unknown, at: string, secretPaths: string[]): unknown {
  if (Array.isArray(value)) return value.map((v, i) => mask(v, `${at}[${i}]`, secretPaths));
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) {
      secretPaths.push(at || "(value)");
      return SECRET_MASK;
    }
    if (obj[SIG_KEY] === RESOURCE_SIG) return typeof obj.id === "string" && obj.id ? obj.id : obj.urn;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = mask(v, at ? `${at}.${k}` : k, secretPaths);
    return out;
  }
  return value;
}

/**
 * Runs a program as the root stack, as the language host does. A program that throws (bad config, a component
 * refusing unsafe args) rejects here with its own error; the stack itself completes empty, so no stray rejection
 * is left inside the runtime.
 */
export async function runProgram(program: () => Promise<unknown>): Promise<unknown> {
  const { runInPulumiStack } = require("@pulumi/pulumi/runtime/stack") as {
    runInPulumiStack(init: () => Promise<unknown>): Promise<unknown>;
  };
  let failure: { error: unknown } | undefined;
  const restore = leanRuntime();
  try {
    const outputs = await runInPulumiStack(async () => {
      try {
        return await program();
      } catch (error) {
        failure = { error };
        return {};
      }
    });
    if (failure) throw failure.error;
    return outputs;
  } finally {
    restore();
  }
}

/**
 * Makes the SDK cheap to run a program in, until the returned function restores it. Registrations go on after the
 * program returns (outputs resolve, properties serialise): a plan keeps this on until its recorder finishes.
 * BULWARK_PLAN_TRACES=1 keeps full traces (and source positions) for debugging a component.
 */
export function leanRuntime(): () => void {
  // The SDK records a stack trace for every promise and resource; source-map remapping of those traces (installed
  // by the TypeScript loader) costs more than the whole plan. Plain V8 traces meanwhile.
  const errorCtor = Error as { prepareStackTrace?: ErrorConstructor["prepareStackTrace"]; stackTraceLimit: number };
  const saved = errorCtor.prepareStackTrace;
  const savedLimit = errorCtor.stackTraceLimit;
  // Each Resource also captures an unlimited stack for its source position (Resource.callsites): the plan does
  // not use it, and on 1,000 servers it cost seconds and memory.
  const resourceClass = pulumi.Resource as unknown as { callsites(): unknown[] };
  const savedCallsites = resourceClass.callsites;
  // The SDK wraps every promise with three debug properties and a stack (debuggablePromise): on 1,000 servers
  // that was seconds of CPU and garbage. Meanwhile the wrapper keeps only the leak bookkeeping.
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: DebuggablePromise };
  const savedDebuggable = debuggable.debuggablePromise;
  if (!process.env.BULWARK_PLAN_TRACES) {
    errorCtor.prepareStackTrace = undefined;
    errorCtor.stackTraceLimit = 0;
    resourceClass.callsites = () => [];
    debuggable.debuggablePromise = leanDebuggablePromise(savedDebuggable);
  }
  return () => {
    errorCtor.prepareStackTrace = saved;
    errorCtor.stackTraceLimit = savedLimit;
    resourceClass.callsites = savedCallsites;
    debuggable.debuggablePromise = savedDebuggable;
  };
}

type DebuggablePromise = <T>(p: Promise<T>, ctx: unknown) => Promise<T>;

/**
 * The SDK's debuggablePromise without its per-promise debug properties and stack: the same promise chain (so the
 * same order of registrations) and the same leak bookkeeping. The first call goes to the SDK's own, which
 * schedules the leak report at exit.
 */
function leanDebuggablePromise(sdk: DebuggablePromise): DebuggablePromise {
  const state = require("@pulumi/pulumi/runtime/state") as {
    getStore(): { leakCandidates: Set<Promise<unknown>> };
  };
  let first = true;
  return <T>(p: Promise<T>, ctx: unknown): Promise<T> => {
    if (first) {
      first = false;
      return sdk(p, ctx);
    }
    const leaks = state.getStore().leakCandidates;
    leaks.add(p);
    return p
      .then((v) => {
        leaks.delete(p);
        return v;
      })
      .catch((err: unknown) => {
        leaks.delete(p);
        if (err && typeof err === "object") (err as { promise?: unknown }).promise = p;
        throw err;
      });
  };
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs the estate program offline. Throws ConfigError (before any resource exists) on bad config. */
export function runPlan(opts: RunPlanOptions = {}): Promise<PlanResult> {
  const run = queue.then(() => runPlanNow(opts));
  queue = run.catch(() => undefined);
  return run;
}

async function runPlanNow(opts: RunPlanOptions): Promise<PlanResult> {
  // Validated before the SDK loads in the CLI's worker (cli/plan-worker.js), which passes the result on.
  const { stack, config, secretKeys, servers, adminCidrs } = opts.validated ?? validatePlanConfig(opts);
  opts.onValidated?.(servers);

  const engineConfig: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) engineConfig[k] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(engineConfig, secretKeys);
  const region = typeof config["aws:region"] === "string" ? (config["aws:region"] as string) : MOCK_REGION;

  const recorder = await startRecording({
    stack,
    preview: opts.preview,
    mocks: planMocks(region, opts.preview ?? false),
  });

  const loaded = require(opts.program ?? path.join(REPO_ROOT, "index.ts")) as unknown;
  const program = (
    typeof loaded === "function" ? loaded : (loaded as { default?: unknown }).default
  ) as () => Promise<unknown>;
  if (typeof program !== "function")
    throw new Error("index.ts must export its program as a function (export = async () => ...)");
  const restore = leanRuntime();
  try {
    await runProgram(program);
    const resources = await recorder.finish();
    return { resources, outputs: recorder.stackOutputs(), adminCidrs };
  } finally {
    restore();
  }
}
