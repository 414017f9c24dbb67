/**
 * Issue 16: the prod estate in bastion mode with a real office range (81.2.69.0/24) and its one waiver, beside a
 * private office range that needs none, plans with exit 0 through the pack's analyzer path (`bulwark plan
 * --config-file`, one process): the bastion's SG rules and the bastion subnet's NACL from the public range are
 * reported waived, the private range's rules raise nothing, 0 mandatory. Without the waiver: a config error naming
 * the field (exit 2). With an expired waiver: refused, naming the expiry. The refusals come before any plan, so they
 * run in-process (bin/bulwark's own `run`).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { bulwark, inProcess } from "../pipelines/run-cli";
import { validatePlanConfig } from "../../cli/plan-config";
import { bastionStack, OFFICE, PRIVATE_OFFICE, writeStack, type WaiverCase } from "./bastion-config";

jest.setTimeout(300_000);

/** Refusals and `--format`: in-process, the stack file written and removed. */
async function refused(kind: WaiverCase, cidrs?: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const { file, cleanup } = writeStack(bastionStack(kind, cidrs));
  try {
    const r = await inProcess(["plan", "--config-file", file]);
    return { code: r.code, out: r.stdout, err: r.stderr };
  } finally {
    cleanup();
  }
}

/** The whole estate with both office ranges: the text verdict on stdout, the JSON report through --write. */
async function planBoth(): Promise<{ code: number | null; out: string; err: string; json: string }> {
  const { file, cleanup } = writeStack(bastionStack("valid", [OFFICE, PRIVATE_OFFICE]));
  const jsonOut = join(dirname(file), "plan.json");
  try {
    const r = await bulwark(["plan", "--config-file", file, "--write", `json:${jsonOut}`]);
    return {
      code: r.code,
      out: r.stdout,
      err: r.stderr,
      json: existsSync(jsonOut) ? readFileSync(jsonOut, "utf8") : "",
    };
  } finally {
    cleanup();
  }
}

interface Finding {
  policy: string;
  enforcement: string;
  urn?: string;
  message: string;
  waived?: { reason: string; expires: string };
}

// The 11-site estate plans once.
let valid: ReturnType<typeof planBoth> | undefined;
const validPlan = () => (valid ??= planBoth());

test("bastion mode with a public office range and its one waiver plans with exit 0: waived, 0 mandatory", async () => {
  const r = await validPlan();
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  const json = JSON.parse(r.json) as {
    policy: { verdict: string; summary: Record<string, number>; findings: Finding[] };
  };
  expect(json.policy.verdict).toBe("pass");
  expect(json.policy.summary.mandatory).toBe(0);
  const waived = json.policy.findings.filter((f) => f.waived);
  const sites = 11;
  // Each site: the bastion's SG rule from the office, and the bastion subnet's NACL. Nothing else is waived.
  expect(waived.filter((f) => f.policy === "ec2-security-group-disallow-internet-admin-ingress")).toHaveLength(sites);
  expect(waived.filter((f) => f.policy === "ec2-network-acl-disallow-internet-admin-ingress")).toHaveLength(sites);
  expect(waived).toHaveLength(2 * sites);
  for (const f of waived) {
    expect(f.urn).toMatch(/-bastion(-bastion-in-81-2-69-0-24-tcp22)?$/);
    expect(f.message).toContain(OFFICE);
    expect(f.message).not.toMatch(/3389/);
    expect(f.waived?.reason).toBe("office VPN egress range reaches the bastion only");
  }
  // The private subnets' NACLs never open 22 or 3389 to the office: no finding names them.
  expect(json.policy.findings.filter((f) => /NetworkAcl::[a-z-]+-private$/.test(f.urn ?? ""))).toEqual([]);
  expect(json.policy.findings.filter((f) => !f.waived && f.enforcement === "mandatory")).toEqual([]);
});

test("the text verdict lines say PASS with the waived count", async () => {
  const r = await validPlan();
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/policy pack \(analyzer\): \d+ resources from plan/);
  expect(r.out).toMatch(/^PASS: 0 mandatory, 0 advisory, 22 waived$/m);
  expect(r.out).toMatch(
    new RegExp(
      String.raw`\[WAIVED\] ec2-network-acl-disallow-internet-admin-ingress .*NetworkAcl::head-office-bastion\n` +
        String.raw`.*81\.2\.69\.0\/24.*\n\s+waived by security@example\.com until \d{4}-\d{2}-\d{2}: office VPN`,
    ),
  );
});

test("without the waiver the config is refused (exit 2), naming the field", async () => {
  const r = await refused("none");
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/bulwark:adminAccess\.bastion\.allowedCidrs\[0\]: got "81\.2\.69\.0\/24"/);
  expect(r.err).toMatch(/ec2-security-group-disallow-internet-admin-ingress/);
  expect(r.out).not.toMatch(/PASS/);
});

test("with an expired waiver it fails, reporting the waiver's problem", async () => {
  const r = await refused("expired");
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/bulwark:adminAccess\.bastion\.allowedCidrs\[0\]/);
  expect(r.err).toMatch(/waiver expired on \d{4}-\d{2}-\d{2}/);
});

const V6_AND_HALVES =
  "a public IPv6 /48 office range needs the same one waiver; any spelling of the whole internet is refused";
test(V6_AND_HALVES, async () => {
  const v6 = await refused("none", ["2a02:c7f:1234::/48"]);
  const halves = await refused("valid", ["0.0.0.0/1", "128.0.0.0/1"]);
  expect(v6.code).toBe(2);
  expect(v6.err).toMatch(/2a02:c7f:1234::\/48.*ec2-security-group-disallow-internet-admin-ingress/);
  expect(halves.code).toBe(2);
  expect(halves.err).toMatch(/allowedCidrs\[0\].*never allowed/);
});

const PRIVATE_RANGE =
  "a private office range needs no waiver; beside the public one it plans clean (the pack gets it as adminCidrs)";
test(PRIVATE_RANGE, async () => {
  const { file, cleanup } = writeStack(bastionStack("none", [PRIVATE_OFFICE]));
  try {
    expect(validatePlanConfig({ configFile: file }).adminCidrs).toEqual([PRIVATE_OFFICE]);
  } finally {
    cleanup();
  }
  const r = await validPlan();
  expect(r.code).toBe(0);
  const json = JSON.parse(r.json) as {
    policy: { verdict: string; findings: Finding[] };
    resources: { name: string; inputs: Record<string, unknown> }[];
  };
  expect(json.policy.verdict).toBe("pass");
  // The private office's rules to the bastion are there, and no control (lateral movement included) objects.
  expect(json.policy.findings.filter((f) => f.message.includes(PRIVATE_OFFICE))).toEqual([]);
  const rules = json.resources.filter((x) => x.inputs.cidrIpv4 === PRIVATE_OFFICE && x.inputs.fromPort === 22);
  expect(rules).toHaveLength(11);
});
