/**
 * bench/policy: Bulwark's pack vs a minimal pack (what @pulumi/policy itself costs) vs @pulumi/awsguard (every
 * policy mandatory), each started through run-policy-pack exactly as the engine does, side by side in one run.
 *
 *   npm run bench:policy            (installs bench/policy/{minimal,awsguard} on first run)
 *   BENCH_ROUNDS=15 BENCH_STACK_ROUNDS=9 npm run bench:policy   (defaults 11 and 9)
 *
 * Measures: start (spawn → port line), AnalyzeStack on 1,000 and 10,000 resources, Analyze latency per resource,
 * and the in-process evaluator on 10,000 resources (what `bulwark check` uses). Requests are built and serialised
 * before any clock starts. Prints figures and ratios against the targets.
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
    const marker = p.id === "bulwark" ? path.join(p.dir, "bin/index.js") : path.join(p.dir, "node_modules/@pulumi/pulumi/cmd/run-policy-pack");
    if (fs.existsSync(marker) && fs.existsSync(path.join(p.dir, "node_modules/@pulumi/pulumi/cmd/run-policy-pack"))) continue;
    console.log(`installing ${p.id} pack (first run) ...`);
    execFileSync("flock", ["/tmp/npm.lock", "npm", "ci", "--no-audit", "--no-fund"], { cwd: p.dir, stdio: "inherit" });
  }
}

// ------------------------------------------------------------------------------------------- synthetic stack

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";
const urn = (type: string, name: string) => `urn:pulumi:bench::estate::${type}::${name}`;

/** One site, as a preview sends it: ids unknown, links only through propertyDependencies. ~21 resources. */
function site(i: number): AnalyzerResourceInput[] {
  const n = (s: string) => `s${i}-${s}`;
  const r = (type: string, name: string, props: Record<string, unknown>, pd: Record<string, string[]> = {}): AnalyzerResourceInput => ({
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
  const sshOpen = i % 10 === 0; // some sites violate, so every pack has findings to report
  return [
    r("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: "10.0.0.0/16", enableDnsSupport: true, tags: { Name: n("vpc") } }),
    r("aws:ec2/flowLog:FlowLog", "fl", { vpcId: UNKNOWN, trafficType: "ALL", logDestination: UNKNOWN }, { vpcId: [vpc] }),
    r("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default-sg", { vpcId: UNKNOWN }, { vpcId: [vpc] }),
    r("aws:ec2/subnet:Subnet", "subnet", { vpcId: UNKNOWN, cidrBlock: "10.0.1.0/24", mapPublicIpOnLaunch: false }, { vpcId: [vpc] }),
    r("aws:ec2/networkAcl:NetworkAcl", "acl", {
      vpcId: UNKNOWN,
      ingress: [
        { ruleNo: 190, action: "deny", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlock: "0.0.0.0/0" },
        { ruleNo: 290, action: "deny", protocol: "tcp", fromPort: 3389, toPort: 3389, cidrBlock: "0.0.0.0/0" },
        { ruleNo: 1000, action: "allow", protocol: "-1", fromPort: 0, toPort: 0, cidrBlock: "0.0.0.0/0" },
      ],
    }, { vpcId: [vpc] }),
    r("aws:ec2/securityGroup:SecurityGroup", "web", {
      vpcId: UNKNOWN,
      description: "web",
      ingress: [
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "https" },
        { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [sshOpen ? "0.0.0.0/0" : "10.0.0.0/16"], description: "ssh" },
      ],
      egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "https" }],
    }, { vpcId: [vpc] }),
    r("aws:ec2/securityGroup:SecurityGroup", "db", { vpcId: UNKNOWN, description: "db" }, { vpcId: [vpc] }),
    r("aws:ec2/securityGroupRule:SecurityGroupRule", "db-in", {
      type: "ingress", protocol: "tcp", fromPort: 3306, toPort: 3306, securityGroupId: UNKNOWN, sourceSecurityGroupId: UNKNOWN, description: "mysql from web",
    }, { securityGroupId: [db], sourceSecurityGroupId: [web] }),
    r("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "web-http", {
      securityGroupId: UNKNOWN, ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrIpv4: "0.0.0.0/0", description: "http",
    }, { securityGroupId: [web] }),
    r("aws:iam/role:Role", "role", { name: n("role"), assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }) }),
    r("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ssm", { role: UNKNOWN, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }, { role: [role] }),
    r("aws:iam/instanceProfile:InstanceProfile", "profile", { name: n("profile"), role: UNKNOWN }, { role: [role] }),
    r("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
      name: n("lt"),
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" },
      networkInterfaces: [{ associatePublicIpAddress: "false", subnetId: UNKNOWN }],
      blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeSize: 20 } }],
      iamInstanceProfile: { name: UNKNOWN },
      monitoring: { enabled: true },
    }, { networkInterfaces: [subnet], iamInstanceProfile: [profile] }),
    r("aws:ec2/instance:Instance", "web-1", {
      ami: "ami-1", instanceType: "t3.micro", subnetId: UNKNOWN, associatePublicIpAddress: false, iamInstanceProfile: UNKNOWN, monitoring: true,
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 }, rootBlockDevice: { encrypted: true, volumeSize: 30 },
      vpcSecurityGroupIds: [UNKNOWN], userData: "#!/bin/bash\necho hello\n", tags: { Name: n("web-1") },
    }, { subnetId: [subnet], iamInstanceProfile: [profile], vpcSecurityGroupIds: [web] }),
    r("aws:ec2/instance:Instance", "web-2", { ami: "ami-1", instanceType: "t3.micro", launchTemplate: { id: UNKNOWN, version: "$Latest" } }, { launchTemplate: [lt] }),
    r("aws:ebs/volume:Volume", "data", { availabilityZone: "eu-west-1a", size: 10, encrypted: true, kmsKeyId: KEY }),
    r("aws:rds/parameterGroup:ParameterGroup", "pg", { name: n("pg"), family: "mysql8.0", parameters: [{ name: "require_secure_transport", value: "1" }] }),
    r("aws:rds/instance:Instance", "db", {
      engine: "mysql", instanceClass: "db.t4g.micro", publiclyAccessible: false, storageEncrypted: true, iamDatabaseAuthenticationEnabled: true,
      manageMasterUserPassword: true, parameterGroupName: UNKNOWN, deletionProtection: true, backupRetentionPeriod: 7,
      enabledCloudwatchLogsExports: ["error", "general"], multiAz: true, performanceInsightsEnabled: true, monitoringInterval: 60, kmsKeyId: KEY,
    }, { parameterGroupName: [pg] }),
    r("aws:secretsmanager/secret:Secret", "secret", { name: n("secret"), kmsKeyId: KEY }),
    r("aws:secretsmanager/secretRotation:SecretRotation", "rot", { secretId: UNKNOWN, rotationRules: { automaticallyAfterDays: 30 } }, { secretId: [secret] }),
    r("aws:s3/bucket:Bucket", "logs", { bucket: n("logs"), tags: { Name: n("logs") } }),
  ];
}

export function stackOf(size: number): AnalyzerResourceInput[] {
  const out: AnalyzerResourceInput[] = [];
  for (let i = 0; out.length < size; i++) out.push(...site(i));
  return out.slice(0, size);
}

// ------------------------------------------------------------------------------------------- stats

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
const now = () => Number(process.hrtime.bigint()) / 1e6;

async function main(): Promise<void> {
  ensureInstalled();
  console.log(`bench/policy: ${PACKS.map((p) => p.id).join(", ")}; ${ROUNDS} start rounds, ${STACK_ROUNDS} AnalyzeStack rounds, ${ANALYZE_CALLS} Analyze calls; node ${process.version}`);

  // Requests: built and serialised before any clock.
  const stacks = { 1000: stackOf(1000), 10000: stackOf(10000) };
  const stackBytes = { 1000: analyzeStackRequest(stacks[1000]).serializeBinary(), 10000: analyzeStackRequest(stacks[10000]).serializeBinary() };
  const analyzeBytes = stacks[1000].slice(0, ANALYZE_CALLS).map((r) => analyzeRequest(r).serializeBinary());
  console.log(`request sizes: AnalyzeStack 1k ${(stackBytes[1000].length / 1e6).toFixed(1)} MB, 10k ${(stackBytes[10000].length / 1e6).toFixed(1)} MB`);

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
    clients[p.id] = await AnalyzerClient.start(p.dir, { mode: "preview" });
    await clients[p.id].configureFromFile({});
  }
  const stackMs: Record<PackId, Record<number, number[]>> = { minimal: { 1000: [], 10000: [] }, bulwark: { 1000: [], 10000: [] }, awsguard: { 1000: [], 10000: [] } };
  const findings: Record<PackId, Record<number, number>> = { minimal: {}, bulwark: {}, awsguard: {} };
  const analyzeMs: Record<PackId, number[]> = { minimal: [], bulwark: [], awsguard: [] };
  for (let round = 0; round < STACK_ROUNDS; round++) {
    for (const p of PACKS) {
      for (const size of [1000, 10000] as const) {
        const t = now();
        const out = await clients[p.id].callSerialized("AnalyzeStack", stackBytes[size]);
        stackMs[p.id][size].push(now() - t);
        findings[p.id][size] = out.diagnostics.length;
      }
    }
  }
  for (const p of PACKS) {
    for (const b of analyzeBytes.slice(0, 20)) await clients[p.id].callSerialized("Analyze", b); // warm-up
    for (const b of analyzeBytes) {
      const t = now();
      await clients[p.id].callSerialized("Analyze", b);
      analyzeMs[p.id].push(now() - t);
    }
  }
  for (const p of PACKS) await clients[p.id].close();

  // 3. In-process evaluator (bulwark check): 10,000 resources.
  const inproc: number[] = [];
  const input = stacks[10000].map((r) => ({ urn: r.urn, type: r.type, name: r.name, props: r.props, propertyDependencies: r.propertyDependencies }));
  for (let i = 0; i < STACK_ROUNDS; i++) {
    const t = now();
    evaluate(input);
    inproc.push(now() - t);
  }

  // Report.
  const row = (id: PackId) => ({
    start: median(start[id]),
    s1k: median(stackMs[id][1000]),
    s10k: median(stackMs[id][10000]),
    a50: median(analyzeMs[id]),
    a95: pct(analyzeMs[id], 95),
    amean: analyzeMs[id].reduce((a, b) => a + b, 0) / analyzeMs[id].length,
  });
  const R = { minimal: row("minimal"), bulwark: row("bulwark"), awsguard: row("awsguard") };
  console.log("\nfigures (medians)");
  console.log("pack       start      AnalyzeStack 1k  AnalyzeStack 10k  10k/1k  Analyze p50  p95      mean     findings 1k/10k");
  for (const p of PACKS) {
    const x = R[p.id];
    console.log(
      `${p.id.padEnd(10)} ${ms(x.start).padEnd(10)} ${ms(x.s1k).padEnd(16)} ${ms(x.s10k).padEnd(17)} ${(x.s10k / x.s1k).toFixed(1).padEnd(7)} ${ms(x.a50).padEnd(12)} ${ms(x.a95).padEnd(8)} ${ms(x.amean).padEnd(8)} ${findings[p.id][1000]}/${findings[p.id][10000]}`,
    );
  }
  console.log(`start samples (ms): ${PACKS.map((p) => `${p.id} [${start[p.id].map((v) => v.toFixed(0)).join(", ")}]`).join("; ")}`);
  const b = R.bulwark;
  const check = (label: string, v: number, max: number) => console.log(`${label.padEnd(44)} ${v.toFixed(2).padStart(6)}  (target ≤ ${max})  ${v <= max ? "OK" : "MISSED"}`);
  console.log("\nratios");
  check("start bulwark / minimal", b.start / R.minimal.start, 1.15);
  check("start bulwark / awsguard", b.start / R.awsguard.start, 0.75);
  check("AnalyzeStack 1k bulwark / minimal", b.s1k / R.minimal.s1k, 1.5);
  check("AnalyzeStack 10k bulwark / minimal", b.s10k / R.minimal.s10k, 1.5);
  console.log(`${"AnalyzeStack scaling 10k/1k (linear ≈ 10)".padEnd(44)} bulwark ${(b.s10k / b.s1k).toFixed(1)}, minimal ${(R.minimal.s10k / R.minimal.s1k).toFixed(1)}, awsguard ${(R.awsguard.s10k / R.awsguard.s1k).toFixed(1)}`);
  console.log(`${"Analyze p50 bulwark / minimal, / awsguard".padEnd(44)} ${(b.a50 / R.minimal.a50).toFixed(2)}, ${(b.a50 / R.awsguard.a50).toFixed(2)}`);
  check("in-process evaluate 10k resources (s)", median(inproc) / 1000, 2);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
