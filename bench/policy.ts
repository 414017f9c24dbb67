/**
 * bench/policy: Bulwark's pack vs a minimal pack (what @pulumi/policy itself costs) vs @pulumi/awsguard (every
 * policy mandatory), each started through run-policy-pack exactly as the engine does, side by side in one run.
 *
 *   npm run bench:policy            (installs bench/policy/{minimal,awsguard} on first run)
 *   BENCH_ROUNDS=15 BENCH_STACK_ROUNDS=9 npm run bench:policy   (defaults 11 and 9)
 *
 * Measures: start (spawn → port line), AnalyzeStack on 1,000 and 10,000 resources, Analyze latency per resource —
 * on clean stacks and on violation-heavy ones (about one resource in three fails) — and the in-process evaluator on
 * 10,000 resources (what `bulwark check` uses). Requests are built and serialised before any clock starts. Prints
 * figures and ratios against the targets. BENCH_PROFILE=<dir> writes a CPU profile of the Bulwark pack there.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { AnalyzerClient, analyzeRequest, analyzeStackRequest, type AnalyzerResourceInput } from "../cli/analyzer";
import { evaluate, UNKNOWN } from "../policies/src/engine";

const ROOT = path.resolve(__dirname, "..");
const PACKS = [
  { id: "minimal", dir: path.join(ROOT, "bench/policy/minimal") },
  { id: "bulwark", dir: path.join(ROOT, "policies") },
  { id: "awsguard", dir: path.join(ROOT, "bench/policy/awsguard") },
] as const;
type PackId = (typeof PACKS)[number]["id"];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11);
const STACK_ROUNDS = Number(process.env.BENCH_STACK_ROUNDS ?? 9);
const ANALYZE_CALLS = Number(process.env.BENCH_ANALYZE_CALLS ?? 300);

function ensureInstalled(): void {
  for (const p of PACKS) {
    const marker =
      p.id === "bulwark"
        ? path.join(p.dir, "bin/index.js")
        : path.join(p.dir, "node_modules/@pulumi/pulumi/cmd/run-policy-pack");
    if (fs.existsSync(marker) && fs.existsSync(path.join(p.dir, "node_modules/@pulumi/pulumi/cmd/run-policy-pack")))
      continue;
    console.log(`installing ${p.id} pack (first run) ...`);
    execFileSync("flock", ["/tmp/npm.lock", "npm", "ci", "--no-audit", "--no-fund"], { cwd: p.dir, stdio: "inherit" });
  }
}

// ------------------------------------------------------------------------------------------- synthetic stack

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";
const urn = (type: string, name: string) => `urn:pulumi:bench::estate::${type}::${name}`;

/**
 * One site, as a preview sends it: ids unknown, links only through propertyDependencies. 21 resources. A heavy site
 * breaks 7 of them (about one resource in three fails): SSH and 8080 open to the world, a subnet mapping public IPs,
 * IMDSv1, an unencrypted volume, a public database and a 180-day rotation.
 */
function site(i: number, heavy = false): AnalyzerResourceInput[] {
  const n = (s: string) => `s${i}-${s}`;
  const r = (
    type: string,
    name: string,
    props: Record<string, unknown>,
    pd: Record<string, string[]> = {},
  ): AnalyzerResourceInput => ({
    urn: urn(type, n(name)),
    type,
    name: n(name),
    props,
    propertyDependencies: pd,
    dependencies: [...new Set(Object.values(pd).flat())],
  });
  const vpc = urn("aws:ec2/vpc:Vpc", n("vpc"));
  const subnet = urn("aws:ec2/subnet:Subnet", n("subnet"));
  const web = urn("aws:ec2/securityGroup:SecurityGroup", n("web"));
  const db = urn("aws:ec2/securityGroup:SecurityGroup", n("db"));
  const role = urn("aws:iam/role:Role", n("role"));
  const profile = urn("aws:iam/instanceProfile:InstanceProfile", n("profile"));
  const lt = urn("aws:ec2/launchTemplate:LaunchTemplate", n("lt"));
  const pg = urn("aws:rds/parameterGroup:ParameterGroup", n("pg"));
  const secret = urn("aws:secretsmanager/secret:Secret", n("secret"));
  const sshOpen = heavy || i % 10 === 0; // some sites violate, so every pack has findings to report
  return [
    r("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: "10.0.0.0/16", enableDnsSupport: true, tags: { Name: n("vpc") } }),
    r(
      "aws:ec2/flowLog:FlowLog",
      "fl",
      { vpcId: UNKNOWN, trafficType: "ALL", logDestination: UNKNOWN },
      { vpcId: [vpc] },
    ),
    r("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default-sg", { vpcId: UNKNOWN }, { vpcId: [vpc] }),
    r(
      "aws:ec2/subnet:Subnet",
      "subnet",
      { vpcId: UNKNOWN, cidrBlock: "10.0.1.0/24", mapPublicIpOnLaunch: heavy },
      { vpcId: [vpc] },
    ),
    r(
      "aws:ec2/networkAcl:NetworkAcl",
      "acl",
      {
        vpcId: UNKNOWN,
        ingress: [
          { ruleNo: 190, action: "deny", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlock: "0.0.0.0/0" },
          { ruleNo: 290, action: "deny", protocol: "tcp", fromPort: 3389, toPort: 3389, cidrBlock: "0.0.0.0/0" },
          { ruleNo: 1000, action: "allow", protocol: "-1", fromPort: 0, toPort: 0, cidrBlock: "0.0.0.0/0" },
        ],
      },
      { vpcId: [vpc] },
    ),
    r(
      "aws:ec2/securityGroup:SecurityGroup",
      "web",
      {
        vpcId: UNKNOWN,
        description: "web",
        ingress: [
          { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "https" },
          {
            protocol: "tcp",
            fromPort: 22,
            toPort: 22,
            cidrBlocks: [sshOpen ? "0.0.0.0/0" : "10.0.0.0/16"],
            description: "ssh",
          },
        ],
        egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "https" }],
      },
      { vpcId: [vpc] },
    ),
    r("aws:ec2/securityGroup:SecurityGroup", "db", { vpcId: UNKNOWN, description: "db" }, { vpcId: [vpc] }),
    r(
      "aws:ec2/securityGroupRule:SecurityGroupRule",
      "db-in",
      {
        type: "ingress",
        protocol: "tcp",
        fromPort: 3306,
        toPort: 3306,
        securityGroupId: UNKNOWN,
        sourceSecurityGroupId: UNKNOWN,
        description: "mysql from web",
      },
      { securityGroupId: [db], sourceSecurityGroupId: [web] },
    ),
    r(
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "web-http",
      {
        securityGroupId: UNKNOWN,
        ipProtocol: "tcp",
        fromPort: heavy ? 8080 : 80,
        toPort: heavy ? 8080 : 80,
        cidrIpv4: "0.0.0.0/0",
        description: "http",
      },
      { securityGroupId: [web] },
    ),
    r("aws:iam/role:Role", "role", {
      name: n("role"),
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    }),
    r(
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      "ssm",
      { role: UNKNOWN, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
      { role: [role] },
    ),
    r("aws:iam/instanceProfile:InstanceProfile", "profile", { name: n("profile"), role: UNKNOWN }, { role: [role] }),
    r(
      "aws:ec2/launchTemplate:LaunchTemplate",
      "lt",
      {
        name: n("lt"),
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" },
        networkInterfaces: [{ associatePublicIpAddress: "false", subnetId: UNKNOWN }],
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeSize: 20, kmsKeyId: KEY } }],
        iamInstanceProfile: { name: UNKNOWN },
        monitoring: { enabled: true },
        disableApiTermination: true,
      },
      { networkInterfaces: [subnet], iamInstanceProfile: [profile] },
    ),
    r(
      "aws:ec2/instance:Instance",
      "web-1",
      {
        ami: "ami-1",
        instanceType: "t3.micro",
        subnetId: UNKNOWN,
        associatePublicIpAddress: false,
        iamInstanceProfile: UNKNOWN,
        monitoring: true,
        metadataOptions: { httpTokens: heavy ? "optional" : "required", httpPutResponseHopLimit: 1 },
        rootBlockDevice: { encrypted: true, volumeSize: 30, kmsKeyId: KEY },
        disableApiTermination: true,
        vpcSecurityGroupIds: [UNKNOWN],
        userData: "#!/bin/bash\necho hello\n",
        tags: { Name: n("web-1") },
      },
      { subnetId: [subnet], iamInstanceProfile: [profile], vpcSecurityGroupIds: [web] },
    ),
    r(
      "aws:ec2/instance:Instance",
      "web-2",
      { ami: "ami-1", instanceType: "t3.micro", launchTemplate: { id: UNKNOWN, version: "$Latest" } },
      { launchTemplate: [lt] },
    ),
    r("aws:ebs/volume:Volume", "data", { availabilityZone: "eu-west-1a", size: 10, encrypted: !heavy, kmsKeyId: KEY }),
    r("aws:rds/parameterGroup:ParameterGroup", "pg", {
      name: n("pg"),
      family: "mysql8.0",
      parameters: [{ name: "require_secure_transport", value: "1" }],
    }),
    r(
      "aws:rds/instance:Instance",
      "db",
      {
        engine: "mysql",
        instanceClass: "db.t4g.micro",
        publiclyAccessible: heavy,
        storageEncrypted: true,
        iamDatabaseAuthenticationEnabled: true,
        manageMasterUserPassword: true,
        parameterGroupName: UNKNOWN,
        deletionProtection: true,
        backupRetentionPeriod: 7,
        enabledCloudwatchLogsExports: ["error", "general"],
        multiAz: true,
        performanceInsightsEnabled: true,
        monitoringInterval: 60,
        kmsKeyId: KEY,
      },
      { parameterGroupName: [pg] },
    ),
    r("aws:secretsmanager/secret:Secret", "secret", { name: n("secret"), kmsKeyId: KEY }),
    r(
      "aws:secretsmanager/secretRotation:SecretRotation",
      "rot",
      { secretId: UNKNOWN, rotationRules: { automaticallyAfterDays: heavy ? 180 : 30 } },
      { secretId: [secret] },
    ),
    r("aws:s3/bucket:Bucket", "logs", { bucket: n("logs"), tags: { Name: n("logs") } }),
  ];
}

export function stackOf(size: number, heavy = false): AnalyzerResourceInput[] {
  const out: AnalyzerResourceInput[] = [];
  for (let i = 0; out.length < size; i++) out.push(...site(i, heavy));
  return out.slice(0, size);
}

// ------------------------------------------------------------------------------------------- stats

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
const now = () => Number(process.hrtime.bigint()) / 1e6;

type Kind = "clean" | "heavy";
const KINDS: Kind[] = ["clean", "heavy"];
type PerKind<T> = Record<Kind, T>;

/**
 * BENCH_PROFILE=<dir>: the Bulwark pack runs under the V8 CPU profiler and writes <dir>/bulwark-<pid>.cpuprofile when
 * closed (Node 20 refuses --cpu-prof in NODE_OPTIONS, so a --require hook drives the inspector instead).
 */
function packEnv(id: PackId): Record<string, string> | undefined {
  const dir = process.env.BENCH_PROFILE;
  if (!dir || id !== "bulwark") return undefined;
  fs.mkdirSync(dir, { recursive: true });
  const hook = path.join(path.resolve(dir), "cpu-profile-hook.js");
  fs.writeFileSync(
    hook,
    `const inspector = require("inspector"), fs = require("fs"), s = new inspector.Session();
s.connect();
s.post("Profiler.enable", () =>
  s.post("Profiler.setSamplingInterval", { interval: 200 }, () => s.post("Profiler.start")));
process.on("SIGTERM", () => s.post("Profiler.stop", (err, r) => {
  const out = ${JSON.stringify(path.resolve(dir))} + "/bulwark-" + process.pid + ".cpuprofile";
  if (!err) fs.writeFileSync(out, JSON.stringify(r.profile));
  process.exit(0);
}));
`,
  );
  return { NODE_OPTIONS: `--require ${hook}` };
}

async function main(): Promise<void> {
  ensureInstalled();
  console.log(
    `bench/policy: ${PACKS.map((p) => p.id).join(", ")}; ${ROUNDS} start rounds, ` +
      `${STACK_ROUNDS} AnalyzeStack rounds, ${ANALYZE_CALLS} Analyze calls; clean and violation-heavy stacks; ` +
      `node ${process.version}`,
  );

  // Requests: built and serialised before any clock.
  const stacks: PerKind<Record<number, AnalyzerResourceInput[]>> = {
    clean: { 1000: stackOf(1000), 10000: stackOf(10000) },
    heavy: { 1000: stackOf(1000, true), 10000: stackOf(10000, true) },
  };
  const stackBytes = {} as PerKind<Record<number, Uint8Array>>;
  const analyzeBytes = {} as PerKind<Uint8Array[]>;
  for (const k of KINDS) {
    stackBytes[k] = {
      1000: analyzeStackRequest(stacks[k][1000]).serializeBinary(),
      10000: analyzeStackRequest(stacks[k][10000]).serializeBinary(),
    };
    analyzeBytes[k] = stacks[k][1000].slice(0, ANALYZE_CALLS).map((r) => analyzeRequest(r).serializeBinary());
  }
  console.log(
    `request sizes: AnalyzeStack 1k ${(stackBytes.clean[1000].length / 1e6).toFixed(1)} MB, ` +
      `10k ${(stackBytes.clean[10000].length / 1e6).toFixed(1)} MB (clean)`,
  );

  // 1. Start time: interleaved rounds, order rotated each round.
  const start: Record<PackId, number[]> = { minimal: [], bulwark: [], awsguard: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = PACKS.map((_, i) => PACKS[(i + round) % PACKS.length]);
    for (const p of order) {
      const c = await AnalyzerClient.start(p.dir, { mode: "preview" });
      start[p.id].push(c.startupMs);
      await c.close();
    }
  }

  // 2. Throughput: one process per pack, configured as the engine would, interleaved rounds.
  const clients = {} as Record<PackId, AnalyzerClient>;
  for (const p of PACKS) {
    clients[p.id] = await AnalyzerClient.start(p.dir, { mode: "preview", env: packEnv(p.id) });
    await clients[p.id].configureFromFile({});
  }
  const empty = <T>(f: () => T) => ({
    clean: { minimal: f(), bulwark: f(), awsguard: f() },
    heavy: { minimal: f(), bulwark: f(), awsguard: f() },
  });
  const stackMs = empty(() => ({ 1000: [] as number[], 10000: [] as number[] }));
  const findings = empty(() => ({}) as Record<number, number>);
  const analyzeMs = empty(() => [] as number[]);
  const analyzeFindings = empty(() => 0);
  for (let round = 0; round < STACK_ROUNDS; round++) {
    for (const k of KINDS) {
      for (const p of PACKS) {
        for (const size of [1000, 10000] as const) {
          const t = now();
          const out = await clients[p.id].callSerialized("AnalyzeStack", stackBytes[k][size]);
          stackMs[k][p.id][size].push(now() - t);
          findings[k][p.id][size] = out.diagnostics.length;
        }
      }
    }
  }
  // Analyze: interleaved per call across packs, so load on the machine hits all packs alike.
  for (const k of KINDS) {
    for (const p of PACKS)
      for (const b of analyzeBytes[k].slice(0, 20)) await clients[p.id].callSerialized("Analyze", b); // warm-up
    for (const b of analyzeBytes[k]) {
      for (const p of PACKS) {
        const t = now();
        const out = await clients[p.id].callSerialized("Analyze", b);
        analyzeMs[k][p.id].push(now() - t);
        analyzeFindings[k][p.id] += out.diagnostics.length;
      }
    }
  }
  for (const p of PACKS) await clients[p.id].close();

  // 3. In-process evaluator (bulwark check): 10,000 resources.
  const inproc: number[] = [];
  const input = stacks.clean[10000].map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    props: r.props,
    propertyDependencies: r.propertyDependencies,
  }));
  for (let i = 0; i < STACK_ROUNDS; i++) {
    const t = now();
    evaluate(input);
    inproc.push(now() - t);
  }

  // Report.
  const row = (k: Kind, id: PackId) => ({
    start: median(start[id]),
    s1k: median(stackMs[k][id][1000]),
    s10k: median(stackMs[k][id][10000]),
    a50: median(analyzeMs[k][id]),
    a95: pct(analyzeMs[k][id], 95),
    amean: analyzeMs[k][id].reduce((a, b) => a + b, 0) / analyzeMs[k][id].length,
  });
  const check = (label: string, v: number, max: number) =>
    console.log(`${label.padEnd(52)} ${v.toFixed(2).padStart(6)}  (target ≤ ${max})  ${v <= max ? "OK" : "MISSED"}`);
  console.log(`\nstart (median): ${PACKS.map((p) => `${p.id} ${ms(median(start[p.id]))}`).join(", ")}`);
  console.log(
    `start samples (ms): ${PACKS.map((p) => `${p.id} [${start[p.id].map((v) => v.toFixed(0)).join(", ")}]`).join(
      "; ",
    )}`,
  );
  check("start bulwark / minimal", median(start.bulwark) / median(start.minimal), 1.15);
  check("start bulwark / awsguard", median(start.bulwark) / median(start.awsguard), 0.75);
  for (const k of KINDS) {
    const R = { minimal: row(k, "minimal"), bulwark: row(k, "bulwark"), awsguard: row(k, "awsguard") };
    const title =
      k === "clean" ? "clean stacks (1 site in 10 opens SSH)" : "violation-heavy stacks (7 of every 21 resources fail)";
    console.log(`\n${title}: figures (medians)`);
    console.log(
      "pack       AnalyzeStack 1k  AnalyzeStack 10k  10k/1k  Analyze p50  p95      mean     " +
        "findings stack 1k/10k, Analyze",
    );
    for (const p of PACKS) {
      const x = R[p.id];
      console.log(
        `${p.id.padEnd(10)} ${ms(x.s1k).padEnd(16)} ${ms(x.s10k).padEnd(17)} ` +
          `${(x.s10k / x.s1k).toFixed(1).padEnd(7)} ` +
          `${ms(x.a50).padEnd(12)} ${ms(x.a95).padEnd(8)} ${ms(x.amean).padEnd(8)} ` +
          `${findings[k][p.id][1000]}/${findings[k][p.id][10000]}, ${analyzeFindings[k][p.id]}`,
      );
    }
    const b = R.bulwark;
    console.log(`ratios (${k})`);
    check(`AnalyzeStack 1k bulwark / minimal (${k})`, b.s1k / R.minimal.s1k, 1.5);
    check(`AnalyzeStack 10k bulwark / minimal (${k})`, b.s10k / R.minimal.s10k, 1.5);
    check(`Analyze p50 bulwark / minimal (${k})`, b.a50 / R.minimal.a50, 1.3);
    console.log(
      `${`Analyze p50 bulwark / awsguard (${k})`.padEnd(52)} ${(b.a50 / R.awsguard.a50).toFixed(2).padStart(6)}`,
    );
    console.log(
      `${`AnalyzeStack scaling 10k/1k (${k}, linear ≈ 10)`.padEnd(52)} bulwark ${(b.s10k / b.s1k).toFixed(1)}, ` +
        `minimal ${(R.minimal.s10k / R.minimal.s1k).toFixed(1)}, ` +
        `awsguard ${(R.awsguard.s10k / R.awsguard.s1k).toFixed(1)}`,
    );
  }
  console.log("");
  check("in-process evaluate 10k resources (s)", median(inproc) / 1000, 2);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
