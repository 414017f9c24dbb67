/**
 * The real engine path to a CrossGuard policy pack: starts the pack exactly as the Pulumi CLI's nodejs language host
 * does (`node node_modules/@pulumi/pulumi/cmd/run-policy-pack <engineAddr> .`, cwd = pack folder), reads the port
 * from the first stdout line, and talks gRPC with the stubs shipped in `@pulumi/pulumi/proto`.
 * Property values are encoded as the engine encodes them (unknowns as typed sentinel strings, secrets as signature
 * objects with the plaintext inside; see pulumi-cli-formats.md §3.2).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as pluginpb from "@pulumi/pulumi/proto/plugin_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { ListValue, NullValue, Struct, Value } from "google-protobuf/google/protobuf/struct_pb";

// The engine's unknown sentinels and signatures are defined once, beside the policies that read them.
export { UNKNOWN_SENTINELS as UnknownSentinels, SIG_KEY, SECRET_SIG } from "../policies/src/values";
import { SIG_KEY, SECRET_SIG } from "../policies/src/values";

/** A secret property value: sent as `{<sig>: <secret sig>, value}` with the plaintext inside, as the engine does. */
export class SecretValue {
  constructor(readonly value: unknown) {}
}
export function secret(value: unknown): SecretValue {
  return new SecretValue(value);
}

export type EnforcementLevel = "advisory" | "mandatory" | "disabled" | "remediate";
export type Severity = "unspecified" | "low" | "medium" | "high" | "critical";
export type AnalyzeMode = "preview" | "update";

// The proto enum order is ADVISORY=0, MANDATORY=1, DISABLED=2, REMEDIATE=3.
const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "disabled", "remediate"];
const SEVERITIES: Severity[] = ["unspecified", "low", "medium", "high", "critical"];

export interface AnalyzerProvider {
  type: string;
  urn: string;
  name: string;
  props?: Record<string, unknown>;
}

export interface AnalyzerResourceInput {
  urn: string;
  type: string;
  name: string;
  props: Record<string, unknown>;
  parent?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  provider?: AnalyzerProvider;
  protect?: boolean;
}

export interface AnalyzerDiagnostic {
  policyName: string;
  policyPackName: string;
  policyPackVersion: string;
  description: string;
  message: string;
  enforcementLevel: EnforcementLevel;
  /** Empty for a stack-policy finding the engine attributes to the root stack. */
  urn: string;
  severity: Severity;
}

export interface AnalyzeResult {
  diagnostics: AnalyzerDiagnostic[];
  notApplicable: { policyName: string; reason: string }[];
}

export interface RemediateResult {
  remediations: { policyName: string; description: string; properties?: Record<string, unknown>; diagnostic: string }[];
}

export interface AnalyzerPolicyInfo {
  name: string;
  displayName: string;
  description: string;
  message: string;
  enforcementLevel: EnforcementLevel;
  policyType: "unknown" | "resource" | "stack";
  severity: Severity;
  configSchema?: { properties: Record<string, unknown>; required: string[] };
  remediationSteps: string;
  url: string;
  tags: string[];
  framework?: { name: string; version: string; reference: string; specification: string };
}

export interface AnalyzerInfoResult {
  name: string;
  displayName: string;
  version: string;
  supportsConfig: boolean;
  description: string;
  policies: AnalyzerPolicyInfo[];
  initialConfig: Record<string, { enforcementLevel: EnforcementLevel; properties: Record<string, unknown> }>;
}

export interface PolicyConfigEntry {
  enforcementLevel?: EnforcementLevel;
  properties?: Record<string, unknown>;
}

export interface StartOptions {
  /** Preview (`PULUMI_NODEJS_DRY_RUN=true`, unknowns allowed) or update. Default preview. */
  mode?: AnalyzeMode;
  stack?: string;
  project?: string;
  organization?: string;
  stackTags?: Record<string, string>;
  /** Milliseconds to wait for the port line. Default 60 s. */
  timeoutMs?: number;
  /** Extra environment for the pack process. */
  env?: Record<string, string>;
  /** Node binary (default: this process's). */
  node?: string;
  /**
   * Modules node preloads (`-r`) before the launcher, in the pack's folder. Off by default: the pack starts
   * exactly as the engine starts it.
   */
  preload?: string[];
}

/** Encodes a JS value as a protobuf Value the way the engine marshals properties for analyzers. */
export function toValue(v: unknown): Value {
  const out = new Value();
  if (v === null || v === undefined) out.setNullValue(NullValue.NULL_VALUE);
  else if (v instanceof SecretValue) {
    const s = new Struct();
    s.getFieldsMap().set(SIG_KEY, new Value().setStringValue(SECRET_SIG));
    s.getFieldsMap().set("value", toValue(v.value));
    out.setStructValue(s);
  } else if (typeof v === "string") out.setStringValue(v);
  else if (typeof v === "number") out.setNumberValue(v);
  else if (typeof v === "boolean") out.setBoolValue(v);
  else if (Array.isArray(v)) {
    const l = new ListValue();
    l.setValuesList(v.map(toValue));
    out.setListValue(l);
  } else if (typeof v === "object") out.setStructValue(toStruct(v as Record<string, unknown>));
  else throw new TypeError(`cannot encode a ${typeof v} as a property value`);
  return out;
}

/** Encodes an object as a Struct; `undefined` members are dropped (the engine never sends them). */
export function toStruct(obj: Record<string, unknown>): Struct {
  const s = new Struct();
  const fields = s.getFieldsMap();
  for (const [k, val] of Object.entries(obj)) if (val !== undefined) fields.set(k, toValue(val));
  return s;
}

function options(r: AnalyzerResourceInput): analyzerpb.AnalyzerResourceOptions {
  const o = new analyzerpb.AnalyzerResourceOptions();
  o.setProtect(r.protect ?? false);
  o.setCustomtimeouts(new analyzerpb.AnalyzerResourceOptions.CustomTimeouts());
  if (r.parent) o.setParent(r.parent);
  return o;
}

function provider(p: AnalyzerProvider): analyzerpb.AnalyzerProviderResource {
  return new analyzerpb.AnalyzerProviderResource()
    .setType(p.type)
    .setUrn(p.urn)
    .setName(p.name)
    .setProperties(toStruct(p.props ?? {}));
}

/** An `Analyze`/`Remediate` request for one resource (its inputs). */
export function analyzeRequest(r: AnalyzerResourceInput): analyzerpb.AnalyzeRequest {
  const req = new analyzerpb.AnalyzeRequest()
    .setType(r.type)
    .setUrn(r.urn)
    .setName(r.name)
    .setProperties(toStruct(r.props))
    .setOptions(options(r));
  if (r.provider) req.setProvider(provider(r.provider));
  return req;
}

/** An `AnalyzeStack` request (resource outputs plus the dependency graph); empty dependency lists are omitted. */
export function analyzeStackRequest(resources: readonly AnalyzerResourceInput[]): analyzerpb.AnalyzeStackRequest {
  const list = resources.map((r) => {
    const ar = new analyzerpb.AnalyzerResource()
      .setType(r.type)
      .setUrn(r.urn)
      .setName(r.name)
      .setProperties(toStruct(r.props))
      .setOptions(options(r))
      .setDependenciesList(r.dependencies ?? []);
    if (r.parent) ar.setParent(r.parent);
    if (r.provider) ar.setProvider(provider(r.provider));
    const pd = ar.getPropertydependenciesMap();
    for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
      if (urns.length) pd.set(k, new analyzerpb.AnalyzerPropertyDependencies().setUrnsList(urns));
    }
    return ar;
  });
  return new analyzerpb.AnalyzeStackRequest().setResourcesList(list);
}

function decodeAnalyze(res: analyzerpb.AnalyzeResponse): AnalyzeResult {
  return {
    diagnostics: res.getDiagnosticsList().map((d) => ({
      policyName: d.getPolicyname(),
      policyPackName: d.getPolicypackname(),
      policyPackVersion: d.getPolicypackversion(),
      description: d.getDescription(),
      message: d.getMessage(),
      enforcementLevel: LEVELS[d.getEnforcementlevel()] ?? "advisory",
      urn: d.getUrn(),
      severity: SEVERITIES[d.getSeverity()] ?? "unspecified",
    })),
    notApplicable: res.getNotApplicableList().map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason() })),
  };
}

function decodeInfo(ai: analyzerpb.AnalyzerInfo): AnalyzerInfoResult {
  const initialConfig: AnalyzerInfoResult["initialConfig"] = {};
  ai.getInitialconfigMap().forEach((c, k) => {
    initialConfig[k] = {
      enforcementLevel: LEVELS[c.getEnforcementlevel()] ?? "advisory",
      properties: (c.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
    };
  });
  return {
    name: ai.getName(),
    displayName: ai.getDisplayname(),
    version: ai.getVersion(),
    supportsConfig: ai.getSupportsconfig(),
    description: ai.getDescription(),
    initialConfig,
    policies: ai.getPoliciesList().map((p) => {
      const schema = p.getConfigschema();
      const fw = p.getFramework();
      return {
        name: p.getName(),
        displayName: p.getDisplayname(),
        description: p.getDescription(),
        message: p.getMessage(),
        enforcementLevel: LEVELS[p.getEnforcementlevel()] ?? "advisory",
        policyType: (["unknown", "resource", "stack"] as const)[p.getPolicyType()] ?? "unknown",
        severity: SEVERITIES[p.getSeverity()] ?? "unspecified",
        configSchema: schema
          ? {
              properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
              required: schema.getRequiredList(),
            }
          : undefined,
        remediationSteps: p.getRemediationSteps(),
        url: p.getUrl(),
        tags: p.getTagsList(),
        framework: fw
          ? {
              name: fw.getName(),
              version: fw.getVersion(),
              reference: fw.getReference(),
              specification: fw.getSpecification(),
            }
          : undefined,
      };
    }),
  };
}

function levelEnum(level: EnforcementLevel): analyzerpb.EnforcementLevel {
  return LEVELS.indexOf(level) as analyzerpb.EnforcementLevel;
}

type PolicyConfigFileValue = EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);

/**
 * Reconciles a `--policy-pack-config` file with the pack's info as the engine does (pkg/resource/analyzer/config.go):
 * schema defaults and each policy's own level, then the pack's initial config, then the file (`all` first, then
 * per policy; properties merged). JSON-schema validation is left to the pack (Bulwark validates with zod on Configure).
 */
export function reconcileConfig(
  info: AnalyzerInfoResult,
  file: Record<string, PolicyConfigFileValue> = {},
): Record<string, PolicyConfigEntry> {
  const out: Record<string, PolicyConfigEntry> = {};
  const apply = (entry: PolicyConfigEntry, v: PolicyConfigFileValue | undefined) => {
    if (v === undefined) return;
    if (typeof v === "string") {
      entry.enforcementLevel = v;
      return;
    }
    const { enforcementLevel, ...props } = v;
    if (enforcementLevel) entry.enforcementLevel = enforcementLevel;
    entry.properties = { ...entry.properties, ...props };
  };
  for (const p of info.policies) {
    const entry: PolicyConfigEntry = { enforcementLevel: p.enforcementLevel, properties: {} };
    for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) {
      if (s && typeof s === "object" && "default" in s) entry.properties![k] = (s as { default: unknown }).default;
    }
    const initial = info.initialConfig[p.name];
    if (initial) apply(entry, { ...initial.properties, enforcementLevel: initial.enforcementLevel });
    apply(entry, file.all);
    apply(entry, file[p.name]);
    out[p.name] = entry;
  }
  const unknown = Object.keys(file).filter((k) => k !== "all" && k !== "environments" && !(k in out));
  if (unknown.length) throw new Error(`policy config names unknown policies: ${unknown.join(", ")}`);
  return out;
}

type Unary<Req, Res> = (
  req: Req,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (e: grpc.ServiceError | null, r?: Res) => void,
) => grpc.ClientUnaryCall;

export class AnalyzerClient {
  private stderr = "";
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Milliseconds from spawning the launcher to reading the port line (what the engine waits for). */
  startupMs = 0;

  private constructor(
    readonly packDir: string,
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly client: analyzerrpc.AnalyzerClient,
    stderrSoFar: string,
  ) {
    this.stderr = stderrSoFar;
    child.stderr?.on("data", (b: Buffer) => (this.stderr += b.toString()));
    child.on("exit", (code, signal) => (this.exited = { code, signal }));
  }

  /** Everything the pack wrote to stderr so far (start-up errors, logs). */
  get log(): string {
    return this.stderr;
  }

  /**
   * Starts the pack in `packDir` as the engine does and returns a connected client. Rejects with the pack's stderr
   * when it exits or does not announce a port in time.
   */
  static async start(packDir: string, opts: StartOptions = {}): Promise<AnalyzerClient> {
    const dir = path.resolve(packDir);
    if (!fs.existsSync(path.join(dir, "PulumiPolicy.yaml")))
      throw new Error(`${dir} has no PulumiPolicy.yaml: not a policy pack`);
    const launcher = path.join(dir, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
    if (!fs.existsSync(launcher)) {
      throw new Error(
        `it looks like the policy pack's dependencies are not installed; try running npm install in ${dir}`,
      );
    }
    const mode = opts.mode ?? "preview";
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      PULUMI_NODEJS_ORGANIZATION: opts.organization ?? "organization",
      PULUMI_NODEJS_PROJECT: opts.project ?? "bulwark",
      PULUMI_NODEJS_STACK: opts.stack ?? "dev",
      PULUMI_NODEJS_DRY_RUN: mode === "preview" ? "true" : "false",
      PULUMI_CONFIG: "{}",
      PULUMI_NODEJS_TYPESCRIPT: "true",
      ...opts.env,
    };
    const t0 = process.hrtime.bigint();
    const preload = (opts.preload ?? []).flatMap((m) => ["-r", m]);
    const child = spawn(opts.node ?? process.execPath, [...preload, launcher, "127.0.0.1:0", "."], {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    const onErr = (b: Buffer) => (stderr += b.toString());
    child.stderr!.on("data", onErr);
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`policy pack ${dir} did not print its port within ${opts.timeoutMs ?? 60000} ms\n${stderr}`));
      }, opts.timeoutMs ?? 60000);
      const onData = (b: Buffer) => {
        out += b.toString();
        const nl = out.indexOf("\n");
        if (nl < 0) return;
        child.stdout!.off("data", onData);
        child.off("exit", onExit);
        clearTimeout(timer);
        // Like the CLI: trim whitespace and control sequences, then parse 1..65535.
        const line = out
          .slice(0, nl)
          .replace(/\x1b\[[0-9;]*m/g, "")
          .trim();
        const n = Number(line);
        if (!Number.isInteger(n) || n < 1 || n > 65535) {
          child.kill("SIGKILL");
          reject(new Error(`policy pack ${dir} printed "${line}" instead of a port\n${stderr}`));
        } else resolve(n);
      };
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`policy pack ${dir} exited with code ${code} before printing its port\n${stderr}`));
      };
      child.stdout!.on("data", onData);
      child.once("exit", onExit);
    });
    const startupMs = Number(process.hrtime.bigint() - t0) / 1e6;
    // Later stdout lines go to the CLI log; keep draining so the pack never blocks on a full pipe.
    child.stdout!.resume();
    child.stderr!.off("data", onErr);
    let ac: AnalyzerClient | undefined;
    try {
      const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": 1024 * 1024 * 400,
        "grpc.max_send_message_length": 1024 * 1024 * 400,
      });
      ac = new AnalyzerClient(dir, port, child, client, stderr);
      ac.startupMs = startupMs;
      // The engine's order: Handshake (Node packs answer Unimplemented: legacy) then ConfigureStack.
      await ac.handshake(dir);
      await ac.configureStack({
        stack: opts.stack ?? "dev",
        project: opts.project ?? "bulwark",
        organization: opts.organization ?? "organization",
        dryRun: mode === "preview",
        tags: opts.stackTags ?? {},
      });
      return ac;
    } catch (e) {
      // A pack that started but could not be reached or configured is not left running.
      if (ac) await ac.close().catch(() => undefined);
      else child.kill("SIGKILL");
      throw e;
    }
  }

  private call<Req, Res>(fn: Unary<Req, Res>, req: Req, what: string): Promise<Res> {
    return new Promise((resolve, reject) => {
      fn.call(this.client, req, new grpc.Metadata(), {}, (err, res) => {
        if (err) {
          const e = new Error(`${what} failed: ${err.details || err.message}`) as Error & { code?: number };
          e.code = err.code;
          reject(e);
        } else resolve(res as Res);
      });
    });
  }

  private async handshake(dir: string): Promise<boolean> {
    const req = new analyzerpb.AnalyzerHandshakeRequest()
      .setEngineAddress("127.0.0.1:0")
      .setRootDirectory(dir)
      .setProgramDirectory(dir);
    try {
      await this.call(
        this.client.handshake as Unary<analyzerpb.AnalyzerHandshakeRequest, analyzerpb.AnalyzerHandshakeResponse>,
        req,
        "Handshake",
      );
      return true;
    } catch (e) {
      if ((e as { code?: number }).code === grpc.status.UNIMPLEMENTED) return false;
      throw e;
    }
  }

  async configureStack(o: {
    stack: string;
    project: string;
    organization: string;
    dryRun: boolean;
    tags: Record<string, string>;
  }): Promise<void> {
    const req = new analyzerpb.AnalyzerStackConfigureRequest()
      .setStack(o.stack)
      .setProject(o.project)
      .setOrganization(o.organization)
      .setDryRun(o.dryRun);
    for (const [k, v] of Object.entries(o.tags)) req.getTagsMap().set(k, v);
    try {
      await this.call(
        this.client.configureStack as Unary<
          analyzerpb.AnalyzerStackConfigureRequest,
          analyzerpb.AnalyzerStackConfigureResponse
        >,
        req,
        "ConfigureStack",
      );
    } catch (e) {
      if ((e as { code?: number }).code !== grpc.status.UNIMPLEMENTED) throw e;
    }
  }

  async info(): Promise<AnalyzerInfoResult> {
    const ai = await this.call(
      this.client.getAnalyzerInfo as Unary<Empty, analyzerpb.AnalyzerInfo>,
      new Empty(),
      "GetAnalyzerInfo",
    );
    return decodeInfo(ai);
  }

  async pluginInfo(): Promise<{ version: string }> {
    const pi = await this.call(
      this.client.getPluginInfo as Unary<Empty, pluginpb.PluginInfo>,
      new Empty(),
      "GetPluginInfo",
    );
    return { version: pi.getVersion() };
  }

  /** Sends a reconciled policy config (see `reconcileConfig`). Like the engine, skips an empty map. */
  async configure(cfg: Record<string, PolicyConfigEntry>): Promise<void> {
    if (!Object.keys(cfg).length) return;
    const req = new analyzerpb.ConfigureAnalyzerRequest();
    const m = req.getPolicyconfigMap();
    for (const [name, c] of Object.entries(cfg)) {
      m.set(
        name,
        new analyzerpb.PolicyConfig()
          .setEnforcementlevel(levelEnum(c.enforcementLevel ?? "advisory"))
          .setProperties(toStruct(c.properties ?? {})),
      );
    }
    await this.call(this.client.configure as Unary<analyzerpb.ConfigureAnalyzerRequest, Empty>, req, "Configure");
  }

  /** GetAnalyzerInfo, reconcile the `--policy-pack-config` file against it, Configure: the engine's sequence. */
  async configureFromFile(
    file: Record<string, PolicyConfigFileValue> = {},
  ): Promise<Record<string, PolicyConfigEntry>> {
    const cfg = reconcileConfig(await this.info(), file);
    await this.configure(cfg);
    return cfg;
  }

  analyze(r: AnalyzerResourceInput | analyzerpb.AnalyzeRequest): Promise<AnalyzeResult> {
    const req = r instanceof analyzerpb.AnalyzeRequest ? r : analyzeRequest(r);
    return this.call(
      this.client.analyze as Unary<analyzerpb.AnalyzeRequest, analyzerpb.AnalyzeResponse>,
      req,
      "Analyze",
    ).then(decodeAnalyze);
  }

  analyzeStack(resources: readonly AnalyzerResourceInput[] | analyzerpb.AnalyzeStackRequest): Promise<AnalyzeResult> {
    const req = resources instanceof analyzerpb.AnalyzeStackRequest ? resources : analyzeStackRequest(resources);
    return this.call(
      this.client.analyzeStack as Unary<analyzerpb.AnalyzeStackRequest, analyzerpb.AnalyzeResponse>,
      req,
      "AnalyzeStack",
    ).then(decodeAnalyze);
  }

  async remediate(r: AnalyzerResourceInput | analyzerpb.AnalyzeRequest): Promise<RemediateResult> {
    const req = r instanceof analyzerpb.AnalyzeRequest ? r : analyzeRequest(r);
    const res = await this.call(
      this.client.remediate as Unary<analyzerpb.AnalyzeRequest, analyzerpb.RemediateResponse>,
      req,
      "Remediate",
    );
    return {
      remediations: res.getRemediationsList().map((x) => ({
        policyName: x.getPolicyname(),
        description: x.getDescription(),
        properties: x.getProperties()?.toJavaScript() as Record<string, unknown> | undefined,
        diagnostic: x.getDiagnostic(),
      })),
    };
  }

  /**
   * Sends an already serialised `Analyze`/`AnalyzeStack` request (benchmarks build and encode requests before
   * the clock starts) and decodes the response.
   */
  callSerialized(method: "Analyze" | "AnalyzeStack", bytes: Uint8Array): Promise<AnalyzeResult> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        `/pulumirpc.Analyzer/${method}`,
        (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
        (buf: Buffer) => analyzerpb.AnalyzeResponse.deserializeBinary(new Uint8Array(buf)),
        bytes,
        (err: grpc.ServiceError | null, res?: analyzerpb.AnalyzeResponse) =>
          err ? reject(new Error(`${method} failed: ${err.details || err.message}`)) : resolve(decodeAnalyze(res!)),
      );
    });
  }

  /** Stops the pack process (SIGTERM, then SIGKILL after 2 s) and closes the channel. */
  async close(): Promise<void> {
    this.client.close();
    if (this.exited) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => this.child.kill("SIGKILL"), 2000);
      this.child.once("exit", () => {
        clearTimeout(t);
        resolve();
      });
      this.child.kill("SIGTERM");
    });
  }
}
