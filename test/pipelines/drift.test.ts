import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runDrift } from "../../cli/drift";
import { changesFromDigest, type Change } from "../../cli/inputs/changes";
import { classifyChange, detectDrift, type PortLists } from "../../cli/inputs/drift";
import { parsePreviewDigest } from "../../cli/inputs/load";
import { PolicyNames } from "../../policies/src/names";
import { resolveConfig } from "../../policies/src/engine";
import { classifyPorts, portsOf as modelPorts, waiverPolicies } from "../../policies/src/exposure";
import { waiverTags } from "../../policies/src/waiver";

const FIX = join(__dirname, "..", "fixtures");
const fx = (f: string) => join(FIX, f);

describe("drift on the drifted estate (refresh --preview-only)", () => {
  const report = runDrift(fx("drift-estate.json"));

  test("SSH opened by hand breaks the admin-ingress control", () => {
    const sg = report.resources.find((r) => r.name === "web-1-sg")!;
    expect(sg.severity).toBe("critical");
    expect(sg.controls).toEqual([PolicyNames.sgInternetAdminIngress]);
    expect(sg.changes).toEqual([
      expect.objectContaining({
        path: "ingress[1]",
        kind: "add",
        before: undefined,
        after: expect.objectContaining({ fromPort: 22, cidrBlocks: ["0.0.0.0/0"] }),
      }),
    ]);
    expect(sg.changes[0].reason).toMatch(/port 22\/tcp from 0\.0\.0\.0\/0/);
  });

  test("the database made public breaks the RDS public-access control", () => {
    const db = report.resources.find((r) => r.type === "aws:rds/instance:Instance")!;
    expect(db).toMatchObject({ severity: "critical", controls: [PolicyNames.rdsPublic] });
    expect(db.changes[0]).toMatchObject({ path: "publiclyAccessible", before: false, after: true });
  });

  test("a tag change is info and names no control", () => {
    const web2 = report.resources.find((r) => r.name === "web-2")!;
    expect(web2).toMatchObject({ severity: "info", controls: [] });
    expect(web2.changes.map((c) => c.path)).toEqual(["tags.Owner", "tagsAll.Owner"]);
  });

  test("verdict and summary", () => {
    expect(report.verdict).toBe("control-broken");
    expect(report.summary).toEqual({ resources: 14, drifted: 3, critical: 2, warning: 0, info: 1 });
    expect(report.resources.map((r) => r.severity)).toEqual(["critical", "critical", "info"]);
  });

  test("the streamed refresh preview gives the same report", () => {
    const ev = runDrift(fx("drift-estate.ndjson"));
    expect(ev.input.format).toBe("events");
    expect(ev.resources).toEqual(report.resources);
  });
});

test("no drift and tags-only drift", () => {
  expect(runDrift(fx("drift-none.json"))).toMatchObject({ verdict: "none", resources: [] });
  expect(runDrift(fx("drift-tags-only.json"))).toMatchObject({ verdict: "drift", summary: { critical: 0, info: 1 } });
});

test("`pulumi preview --refresh`: the cloud is oldState, the program newState", () => {
  const r = runDrift(fx("drift-preview-refresh.json"), { source: "preview" });
  const sg = r.resources.find((x) => x.name === "web-1-sg")!;
  // the program would delete ingress[1]: the cloud added it
  expect(sg.changes[0]).toMatchObject({ path: "ingress[1]", kind: "add", severity: "critical" });
  expect(r.resources.find((x) => x.type === "aws:rds/instance:Instance")!.changes[0]).toMatchObject({
    before: false,
    after: true,
    severity: "critical",
  });
  // read the wrong way round, the same file shows the controls being restored, not broken
  const wrongWay = runDrift(fx("drift-preview-refresh.json"), { source: "refresh" });
  expect(wrongWay.verdict).toBe("drift");
});

describe("classification of single changes", () => {
  const inst = (o: Record<string, unknown>) => ({
    associatePublicIpAddress: false,
    publicIp: "",
    metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
    ...o,
  });
  test.each([
    [
      "IMDSv1 allowed",
      "metadataOptions.httpTokens",
      inst({}),
      inst({ metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 } }),
      "critical",
      PolicyNames.instanceImdsv2,
    ],
    [
      "hop limit raised",
      "metadataOptions.httpPutResponseHopLimit",
      inst({}),
      inst({ metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 3 } }),
      "critical",
      PolicyNames.instanceImdsv2,
    ],
    [
      "IMDS tags toggled",
      "metadataOptions.instanceMetadataTags",
      inst({}),
      inst({
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "enabled" },
      }),
      "warning",
      PolicyNames.instanceImdsv2,
    ],
    [
      "public IP added",
      "publicIp",
      inst({}),
      inst({ publicIp: "203.0.113.9" }),
      "critical",
      PolicyNames.instancePublicIp,
    ],
    [
      "public IP removed",
      "publicIp",
      inst({ publicIp: "203.0.113.9" }),
      inst({}),
      "warning",
      PolicyNames.instancePublicIp,
    ],
    [
      "root volume unencrypted",
      "rootBlockDevice.encrypted",
      inst({ rootBlockDevice: { encrypted: true } }),
      inst({ rootBlockDevice: { encrypted: false } }),
      "critical",
      PolicyNames.instanceEncryptedVolumes,
    ],
    [
      "instance profile removed",
      "iamInstanceProfile",
      inst({ iamInstanceProfile: "p" }),
      inst({ iamInstanceProfile: "" }),
      "critical",
      PolicyNames.instanceSsmManaged,
    ],
  ])("instance: %s", (_n, path, before, after, severity, control) => {
    expect(classifyChange("aws:ec2/instance:Instance", path, before, after)).toMatchObject({ severity, control });
  });

  test("security group: private ingress change is a warning, world egress on all ports is critical", () => {
    const rule = (cidr: string, from = 5432, protocol = "tcp") => ({
      protocol,
      fromPort: from,
      toPort: from,
      cidrBlocks: [cidr],
    });
    expect(
      classifyChange(
        "aws:ec2/securityGroup:SecurityGroup",
        "ingress[0].cidrBlocks[0]",
        { ingress: [rule("10.0.0.0/8")] },
        { ingress: [rule("10.1.0.0/16")] },
      ),
    ).toMatchObject({ severity: "warning", control: PolicyNames.sgInternetIngress });
    expect(
      classifyChange(
        "aws:ec2/securityGroup:SecurityGroup",
        "ingress[0].cidrBlocks[0]",
        { ingress: [rule("10.0.0.0/8")] },
        { ingress: [rule("0.0.0.0/0", 8443)] },
      ),
    ).toMatchObject({ severity: "critical", control: PolicyNames.sgInternetIngress });
    expect(
      classifyChange(
        "aws:ec2/securityGroup:SecurityGroup",
        "ingress[0]",
        { ingress: [] },
        { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] }] },
      ),
    ).toMatchObject({ severity: "critical", control: PolicyNames.sgInternetAdminIngress });
    expect(
      classifyChange(
        "aws:ec2/securityGroup:SecurityGroup",
        "egress[0]",
        { egress: [rule("0.0.0.0/0", 443)] },
        { egress: [rule("0.0.0.0/0", 0, "-1")] },
      ),
    ).toMatchObject({ severity: "critical", control: PolicyNames.sgUnrestrictedEgress });
  });

  test("standalone rules opened to the internet", () => {
    expect(
      classifyChange(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "cidrIpv4",
        { cidrIpv4: "10.0.0.0/8" },
        { cidrIpv4: "0.0.0.0/0" },
      ),
    ).toMatchObject({ severity: "critical" });
    expect(
      classifyChange(
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "cidrBlocks[0]",
        { type: "egress", cidrBlocks: ["10.0.0.0/8"] },
        { type: "egress", cidrBlocks: ["0.0.0.0/0"] },
      ),
    ).toMatchObject({ severity: "warning" });
  });

  test("a waiver tag added by hand is critical: it switches a control off", () => {
    const tags = waiverTags([
      {
        policy: PolicyNames.rdsPublic,
        reason: "temporary vendor access",
        approver: "sec@example.com",
        expires: "2099-01-01",
      },
    ]);
    const key = Object.keys(tags)[0];
    const v = classifyChange("aws:rds/instance:Instance", `tags[${JSON.stringify(key)}]`, { tags: {} }, { tags });
    expect(v).toMatchObject({ severity: "critical", control: PolicyNames.rdsPublic });
  });

  test("anything else touches no control", () => {
    const v = classifyChange("aws:s3/bucket:Bucket", "website", {}, { website: {} });
    expect(v.severity).toBe("info");
    expect(v.control).toBeUndefined();
  });
});

test("a resource deleted out of band, and one drifted without a detailedDiff", () => {
  const digest = parsePreviewDigest(readFileSync(fx("drift-none.json"), "utf8"), "d.json");
  const changes: Change[] = changesFromDigest(digest);
  const sgStep = changes.find((c) => c.urn.endsWith("::web-2-sg"))!;
  sgStep.op = "delete";
  const inst = changes.find((c) => c.urn.endsWith("aws:ec2/instance:Instance::web-1"))!;
  // op stays "refresh" when the provider gave no detailedDiff: Bulwark diffs the states itself
  inst.new = {
    ...inst.new!,
    outputs: { ...inst.new!.outputs, metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 } },
  };
  const drift = detectDrift(changes, "refresh");
  expect(drift.find((d) => d.name === "web-2-sg")).toMatchObject({ drift: "delete", severity: "warning" });
  expect(drift.find((d) => d.name === "web-1")).toMatchObject({
    severity: "critical",
    controls: [PolicyNames.instanceImdsv2],
  });
  expect(drift.find((d) => d.name === "web-1")!.changes.map((c) => c.path)).toEqual(
    expect.arrayContaining(["metadataOptions.httpTokens"]),
  );
});

describe("the pack judges both sides of the drift", () => {
  const digestWith = (mutate: (changes: Change[]) => void): string => {
    const changes = changesFromDigest(parsePreviewDigest(readFileSync(fx("drift-none.json"), "utf8"), "d.json"));
    mutate(changes);
    const dir = require("node:fs").mkdtempSync(join(require("node:os").tmpdir(), "bulwark-drift-"));
    const file = join(dir, "drift.json");
    const steps = changes.map((c) => ({ op: c.op, urn: c.urn, oldState: c.old, newState: c.new, detailedDiff: null }));
    require("node:fs").writeFileSync(file, JSON.stringify({ steps, changeSummary: { update: 1 } }));
    return file;
  };

  test("SSH opened to a public range that is not 0.0.0.0/0: the rule and the pack both call it broken", () => {
    // SSH source moved from the office range to a public range that is not 0.0.0.0/0.
    const file = digestWith((changes) => {
      const sg = changes.find((c) => c.urn.endsWith("::web-2-sg"))!;
      const out = structuredClone(sg.new!.outputs!) as { ingress: Record<string, unknown>[] };
      out.ingress.push({
        protocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrBlocks: ["81.2.69.0/24"],
        ipv6CidrBlocks: [],
        description: "vendor",
        securityGroups: [],
        prefixListIds: [],
        self: false,
      });
      sg.op = "update";
      sg.new = { ...sg.new!, outputs: out };
    });
    const r = runDrift(file);
    const sg = r.resources.find((x) => x.name === "web-2-sg")!;
    expect(sg.changes[0]).toMatchObject({
      severity: "critical",
      control: PolicyNames.sgInternetAdminIngress,
      reason: expect.stringMatching(/port 22\/tcp from 81\.2\.69\.0\/24/),
    });
    expect(sg.severity).toBe("critical");
    expect(sg.violations).toEqual([
      expect.objectContaining({
        policy: PolicyNames.sgInternetAdminIngress,
        message: expect.stringMatching(/81\.2\.69\.0\/24/),
      }),
    ]);
    expect(r.verdict).toBe("control-broken");
  });

  test("a property with no rule of its own: backup retention cut by hand", () => {
    const file = digestWith((changes) => {
      const db = changes.find((c) => c.type === "aws:rds/instance:Instance")!;
      db.new = { ...db.new!, outputs: { ...db.new!.outputs, backupRetentionPeriod: 1 } };
    });
    const r = runDrift(file);
    expect(r.resources[0]).toMatchObject({
      name: "orders-db",
      severity: "critical",
      controls: ["rds-database-require-backup-retention"],
    });
    expect(r.resources[0].changes[0]).toMatchObject({
      path: "backupRetentionPeriod",
      before: 14,
      after: 1,
      severity: "info",
    });
  });
});

describe("drift names the control by the exposure model's port classes (one model, not its own port list)", () => {
  const ports = [20, 21, 22, 23, 25, 80, 443, 445, 1433, 2222, 3306, 3389, 5432, 5900, 5985, 8080, 8443, 9200, 27017];
  /** What the exposure model (the pack's) says internet ingress on this port needs. */
  const modelControl = (port: number, list: PortLists) =>
    waiverPolicies(
      classifyPorts(modelPorts("tcp", port, port), {
        remoteAdminPorts: list.remoteAdminPorts,
        highRiskPorts: list.highRiskPorts,
        webPorts: list.authorizedPorts,
      }),
    ).includes(PolicyNames.sgInternetAdminIngress)
      ? PolicyNames.sgInternetAdminIngress
      : PolicyNames.sgInternetIngress;
  const inline = (port: number, list?: PortLists) =>
    classifyChange(
      "aws:ec2/securityGroup:SecurityGroup",
      "ingress[0]",
      { ingress: [] },
      { ingress: [{ protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: ["198.51.100.0/24"] }] },
      list,
    ).control;
  const standalone = (port: number, list?: PortLists) =>
    classifyChange(
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "cidrIpv4",
      { ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: "10.0.0.0/8" },
      { ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: "0.0.0.0/0" },
      list,
    ).control;
  const defaults = resolveConfig();
  // With 2222 as a configured remote-admin port (the pack's `remoteAdminPorts`), and 8080 dropped from high-risk.
  const configured = resolveConfig({
    remoteAdminPorts: [...defaults.remoteAdminPorts, 2222],
    highRiskPorts: defaults.highRiskPorts.filter((p) => p !== 8080),
  });

  test.each(ports)("port %i: default port lists", (port) => {
    expect(inline(port)).toBe(modelControl(port, defaults));
    expect(standalone(port)).toBe(modelControl(port, defaults));
  });

  test.each(ports)("port %i: a configured port list", (port) => {
    expect(inline(port, configured)).toBe(modelControl(port, configured));
    expect(standalone(port, configured)).toBe(modelControl(port, configured));
  });

  test("the table covers both verdicts, and configuration moves a port between them", () => {
    expect(inline(3306)).toBe(PolicyNames.sgInternetAdminIngress); // high-risk: the postmortem's MySQL
    expect(inline(5900)).toBe(PolicyNames.sgInternetAdminIngress); // VNC: remote admin beyond SSH and RDP
    expect(inline(8443)).toBe(PolicyNames.sgInternetIngress);
    expect(inline(2222)).toBe(PolicyNames.sgInternetIngress);
    expect(inline(2222, configured)).toBe(PolicyNames.sgInternetAdminIngress);
    expect(inline(8080, configured)).toBe(PolicyNames.sgInternetIngress);
  });

  test("runDrift reads the port lists from --policy-config", () => {
    const changes: Change[] = [
      {
        urn: "urn:pulumi:prod::bulwark::aws:ec2/securityGroup:SecurityGroup::alt-ssh",
        type: "aws:ec2/securityGroup:SecurityGroup",
        op: "update",
        old: { urn: "u", type: "aws:ec2/securityGroup:SecurityGroup", custom: true, inputs: {}, outputs: {} },
        new: {
          urn: "u",
          type: "aws:ec2/securityGroup:SecurityGroup",
          custom: true,
          inputs: {},
          outputs: { ingress: [{ protocol: "tcp", fromPort: 2222, toPort: 2222, cidrBlocks: ["0.0.0.0/0"] }] },
        },
        detailedDiff: null,
        diffReasons: [],
      },
    ];
    expect(detectDrift(changes, "refresh")[0].controls).toEqual([PolicyNames.sgInternetIngress]);
    expect(detectDrift(changes, "refresh", configured)[0].controls).toEqual([PolicyNames.sgInternetAdminIngress]);
  });
});
