/**
 * Issue 11 item 3 end to end: the built pack, started as `bulwark plan` starts it (run-policy-pack, gRPC), blocks
 * remote-admin ports from a private range (Analyze and AnalyzeStack) in preview and update mode; SG/prefix-list/
 * adminCidrs sources and database ports from private subnets pass. Rebuild first: npm run prepare --prefix policies.
 */
import type { AnalyzerDiagnostic, AnalyzerResourceInput } from "../../cli/analyzer";
import { PolicyNames } from "../../policies/src/names";
import { res, T } from "./fixtures";
import type { PolicyInputResource } from "../../policies/src/engine";
import { MODES, startPack } from "./helpers";

const LATERAL = PolicyNames.sgLateralAdminIngress;
jest.setTimeout(120_000);

const wire = (r: PolicyInputResource): AnalyzerResourceInput => ({
  urn: r.urn,
  type: r.type,
  name: r.name,
  props: r.props,
  dependencies: [],
  propertyDependencies: {},
});
const rule = (name: string, props: Record<string, unknown>) =>
  res(T.ingress, name, { securityGroupId: "sg-1", ipProtocol: "tcp", description: "d", ...props });

const STACK = [
  rule("ssh-from-10-8", { fromPort: 22, toPort: 22, cidrIpv4: "10.0.0.0/8" }),
  rule("rdp-from-172", { fromPort: 3389, toPort: 3389, cidrIpv4: "172.16.0.0/12" }),
  rule("winrm-from-ula", { fromPort: 5985, toPort: 5986, cidrIpv6: "fd00::/8" }),
  rule("ssh-from-admins", { fromPort: 22, toPort: 22, cidrIpv4: "10.50.3.0/24" }),
  rule("ssh-from-sg", { fromPort: 22, toPort: 22, referencedSecurityGroupId: "sg-bastion" }),
  rule("ssh-from-pl", { fromPort: 22, toPort: 22, prefixListId: "pl-0123" }),
  rule("mysql-from-subnet", { fromPort: 3306, toPort: 3306, cidrIpv4: "10.0.1.0/24" }),
];
const BLOCKED = ["ssh-from-10-8", "rdp-from-172", "winrm-from-ula"];

describe.each(MODES)("lateral movement through the pack (%s)", (mode) => {
  const c = startPack({ mode, stack: "prod", project: "plain" }, { all: { adminCidrs: ["10.50.0.0/16"] } });

  it("GetAnalyzerInfo lists the control as mandatory with remoteAdminPorts in its config", async () => {
    const p = (await c().info()).policies.find((x) => x.name === LATERAL);
    expect(p?.enforcementLevel).toBe("mandatory");
    expect(Object.keys(p?.configSchema?.properties ?? {})).toEqual(
      expect.arrayContaining(["remoteAdminPorts", "adminCidrs", "internalCidrs"]),
    );
  });

  it(
    "Analyze + AnalyzeStack block remote admin from private ranges, once each; SG, prefix-list, adminCidrs and " +
      "DB sources pass",
    async () => {
      const hits: AnalyzerDiagnostic[] = [];
      for (const r of STACK)
        for (const d of (await c().analyze(wire(r))).diagnostics) hits.push({ ...d, urn: d.urn || r.urn });
      // Rule resources may inherit waivers from their group, so their verdict can be deferred to AnalyzeStack.
      hits.push(...(await c().analyzeStack(STACK.map(wire))).diagnostics);
      const lateral = hits.filter((d) => d.policyName === LATERAL);
      expect(lateral.every((d) => d.enforcementLevel === "mandatory")).toBe(true);
      expect(lateral.map((d) => d.urn.split("::").pop()).sort()).toEqual([...BLOCKED].sort());
      expect(lateral.find((d) => d.urn.endsWith("ssh-from-10-8"))?.message).toMatch(
        /remote-admin port 22 to 10\.0\.0\.0\/8/,
      );
    },
  );

  it("an inline security group is decided at Analyze itself", async () => {
    const sg = res(T.sg, "inline", {
      ingress: [
        { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"], description: "d" },
        { protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["10.0.1.0/24"], description: "d" },
      ],
    });
    const out = await c().analyze(wire(sg));
    expect(out.diagnostics.filter((d) => d.policyName === LATERAL).map((d) => d.enforcementLevel)).toEqual([
      "mandatory",
    ]);
    await c().analyzeStack([wire(sg)]); // ends the run, as the engine does
  });
});
