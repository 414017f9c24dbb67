/**
 * Host egress (issue 9): the output chain, its refusals, and the estate's tier flows from the security groups'
 * constants.
 */
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig } from "../../components/config";
import { APP_PORT, DB_PORT, SSH_PORT, estateTiers } from "../../components/estate";
import { HostConfigError, parseHostModel } from "../../components/host/model";
import { nonPublicCidrs, renderBundle, renderNftables, writeBundle } from "../../components/host/render";
import { serverHostModel } from "../../components/host/stack";
import { smallConfig } from "../components/fixtures/estate";
import { run, tmpDir } from "./helpers";

const WAIVER = {
  reason: "legacy batch job reaches many partners",
  approver: "security@example.com",
  expires: "2099-12-31",
};
const base = {
  role: "app",
  ssh: { managementSources: [] },
  ids: { kind: "none", waiver: WAIVER },
  logs: {
    kind: "rsyslog-tls",
    target: "logs.example.internal",
    port: 6514,
    caPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
  },
};
const refusal = (input: object): string => {
  try {
    parseHostModel(input);
  } catch (e) {
    expect(e).toBeInstanceOf(HostConfigError);
    return (e as Error).message;
  }
  throw new Error("accepted");
};

describe("egress refusals name field, value and fix", () => {
  test("egress.mode open without a waiver", () => {
    expect(refusal({ ...base, egress: { mode: "open" } })).toMatch(
      new RegExp(
        /egress\.mode = "open": open egress lets a compromised host reach any neighbour; /.source +
          /use mode: restricted .* or add egress\.waiver/.source,
      ),
    );
  });
  test("egress.mode open with an expired waiver", () => {
    expect(refusal({ ...base, egress: { mode: "open", waiver: { ...WAIVER, expires: "2020-01-01" } } })).toMatch(
      /egress\.waiver\.expires = "2020-01-01": this waiver has expired/,
    );
  });
  test("a flow without a destination, a bad CIDR, a reversed range or no description", () => {
    expect(refusal({ ...base, egress: [{ to: [], port: 443, description: "x" }] })).toMatch(
      /egress\.flows\[0\]\.to = \[\]: name at least one destination/,
    );
    expect(refusal({ ...base, egress: [{ to: ["10.0.0.0/33"], port: 443, description: "x" }] })).toMatch(
      /egress\.flows\[0\]\.to\[0\] = "10\.0\.0\.0\/33": use an IPv4\/IPv6 address or CIDR/,
    );
    expect(refusal({ ...base, egress: [{ to: ["10.0.0.0/8"], port: { from: 9, to: 1 }, description: "x" }] })).toMatch(
      /egress\.flows\[0\]\.port = .*from must not be above to/,
    );
    expect(refusal({ ...base, egress: [{ to: ["10.0.0.0/8"], port: 443 }] })).toMatch(
      /egress\.flows\[0\]\.description = \(missing\)/,
    );
    expect(refusal({ ...base, egress: { dns: ["not-an-ip"] } })).toMatch(
      /egress\.dns\[0\] = "not-an-ip": use an IPv4 or IPv6 address/,
    );
  });
  test("control: open with a live waiver, and the array shorthand, are accepted", () => {
    expect(parseHostModel({ ...base, egress: { mode: "open", waiver: WAIVER } }).egress.mode).toBe("open");
    expect(
      parseHostModel({ ...base, egress: [{ to: ["10.0.1.0/24"], port: 8080, description: "app" }] }).egress,
    ).toMatchObject({ mode: "restricted", flows: [{ protocol: "tcp" }] });
  });
});

describe("the output chain", () => {
  const m = parseHostModel({
    ...base,
    egress: [{ to: ["10.0.2.0/24", "fd00:2::/64"], port: 3306, description: "to the database tier" }],
  });
  const nft = renderNftables(m);

  test("restricted by default: policy drop, established and loopback first, then only the allowed destinations", () => {
    const out = nft.slice(nft.indexOf("chain output"));
    expect(out).toMatch(/hook output priority filter; policy drop;\n\t\tct state established,related accept/);
    expect(out).toContain('oif "lo" accept');
    expect(out).toContain("ip daddr @dns_v4 meta l4proto { tcp, udp } th dport 53 accept");
    expect(out).toContain("ip daddr @logs_v4 tcp dport 6514 accept");
    expect(out).toContain(
      "ip daddr != @nonpublic_v4 meta l4proto . th dport { udp . 123, tcp . 80, tcp . 443 } accept",
    );
    expect(out).toContain(
      "ip6 daddr != @nonpublic_v6 meta l4proto . th dport { udp . 123, tcp . 80, tcp . 443 } accept",
    );
    expect(out).toContain('ip daddr { 10.0.2.0/24 } tcp dport 3306 accept comment "to the database tier"');
    expect(out).toContain('ip6 daddr { fd00:2::/64 } tcp dport 3306 accept comment "to the database tier"');
    // Nothing else reaches a private address: no rule accepts 22, 445 or 3306 to any destination.
    expect(out).not.toMatch(/dport (22|445)\b/);
    expect(nft).toContain('include "/etc/bulwark/nft.d/*.nft"');
  });

  test("private ranges (RFC 1918, ULA, link-local, CGNAT) are non-public; NAT64 and ordinary addresses are not", () => {
    const { v4, v6 } = nonPublicCidrs();
    for (const c of ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"])
      expect(v4).toContain(c);
    for (const c of ["fc00::/7", "fe80::/10", "::1/128"]) expect(v6).toContain(c);
    expect(v6).not.toContain("64:ff9b::/96");
    expect(v4.some((c) => c.startsWith("8.") || c.startsWith("52."))).toBe(false);
  });

  test("nft -c accepts the ruleset with the elements apply writes (include of found resolvers and collector)", () => {
    const dir = tmpDir("bulwark-egress-");
    try {
      fs.mkdirSync(path.join(dir, "nft.d"));
      fs.writeFileSync(
        path.join(dir, "nft.d", "egress.nft"),
        "add element inet bulwark dns_v4 { 10.0.0.2, 169.254.169.253 }\nadd element inet bulwark logs_v6 { fd00::9 }\n",
      );
      fs.writeFileSync(path.join(dir, "r.nft"), nft.replace("/etc/bulwark/nft.d/", `${dir}/nft.d/`));
      const r = run("unshare", ["-n", "sh", "-c", `nft -f ${dir}/r.nft && nft list set inet bulwark dns_v4`]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/elements = \{ 10\.0\.0\.2, 169\.254\.169\.253 \}/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("apply's own egress step, with a collector name that does not resolve: the file it writes passes nft -c", () => {
    // The bundle's lib/egress.sh as apply sources it (bundle.env, apply's log, changed and put_text), offline:
    // the warning goes to the operator, never into the ruleset.
    const dir = tmpDir("bulwark-egress-sh-");
    try {
      const b = renderBundle({ ...base, logs: { ...base.logs, target: "logs.bulwark.invalid" } }, "debian-12");
      writeBundle(b, path.join(dir, "bundle"));
      const apply = fs.readFileSync(path.join(dir, "bundle", "apply"), "utf8");
      const fns = ["log", "changed", "put_text"].map(
        (f) => new RegExp(`^${f}\\(\\) \\{[^]*?^\\}$|^${f}\\(\\) \\{.*\\}$`, "m"),
      );
      const script = [
        "set -euo pipefail",
        `. ${dir}/bundle/bundle.env`,
        `EGRESS_DNS=10.0.0.2 EGRESS_NFT=${dir}/nft.d/egress.nft BUNDLE_DIR=${dir}/bundle`,
        'fix_perm() { :; }; CHANGES=0; CHANGED_PATHS=" "',
        ...fns.map((re) => re.exec(apply)![0]),
        `. ${dir}/bundle/lib/egress.sh`,
        `nft -f ${dir}/r.nft && nft list set inet bulwark dns_v4`,
      ].join("\n");
      fs.writeFileSync(path.join(dir, "r.nft"), nft.replace("/etc/bulwark/nft.d/", `${dir}/nft.d/`));
      const r = run("unshare", ["-n", "bash", "-c", script]);
      expect(r.stderr).toMatch(/WARNING: cannot resolve logs\.bulwark\.invalid now/);
      expect(fs.readFileSync(path.join(dir, "nft.d", "egress.nft"), "utf8")).toBe(
        "add element inet bulwark dns_v4 { 10.0.0.2 }\n",
      );
      expect(r.stdout).toMatch(/elements = \{ 10\.0\.0\.2 \}/);
      expect(r.code).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("open egress (waived): policy accept, and verify shows the waiver", () => {
    const open = parseHostModel({ ...base, egress: { mode: "open", waiver: WAIVER } });
    expect(renderNftables(open)).toMatch(/hook output priority filter; policy accept;\n\t\}/);
    const b = renderBundle(open, "debian-12");
    expect(b.env).toContain("EGRESS_MODE='open'");
    expect(b.env).toContain(`EGRESS_WAIVER='${WAIVER.reason}|${WAIVER.approver}|${WAIVER.expires}'`);
  });
});

describe("estate tier flows come from the security groups' constants", () => {
  const cfg = parseStackConfig(smallConfig());
  const tiers = estateTiers(cfg);
  const site = { name: "hq", cidr: "10.10.0.0/16" };
  const flows = (role: "web" | "app" | "db" | "bastion") =>
    (
      serverHostModel(cfg.host!, site, { name: `${role}-1`, role, os: "debian-12" }, tiers).egress as {
        to: string[];
        port: number;
        protocol: string;
      }[]
    ).map((f) => `${f.protocol}/${String(f.port)} ${f.to.join(",")}`);

  test(
    "web -> app, app -> db, bastion -> SSH, each within its " + "site; every role reaches the VPC endpoints over HTTPS",
    () => {
      expect(flows("web")).toEqual([`tcp/${APP_PORT} 10.10.0.0/16`, "tcp/443 10.10.0.0/16"]);
      expect(flows("app")).toEqual([`tcp/${DB_PORT} 10.10.0.0/16`, "tcp/443 10.10.0.0/16"]);
      expect(flows("db")).toEqual(["tcp/443 10.10.0.0/16"]);
      expect(flows("bastion")).toEqual([`tcp/${SSH_PORT} 10.10.0.0/16`, "tcp/443 10.10.0.0/16"]);
      // ...and they parse as the host model's declared flows.
      const app = parseHostModel(
        serverHostModel(cfg.host!, site, { name: "app-1", role: "app", os: "debian-12" }, tiers),
      );
      expect(app.egress).toMatchObject({
        mode: "restricted",
        flows: [{ to: ["10.10.0.0/16"], port: DB_PORT, description: "to the database tier" }, { port: 443 }],
      });
    },
  );
});
