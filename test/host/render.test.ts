/**
 * The host model and its renderers, checked with the real tools: sshd -t/-T on the rendered sshd_config, nft -c on
 * the ruleset, auditctl on the audit rules, aide on its config (shellcheck on every script: render-shellcheck.test.ts).
 * Amazon Linux 2023 cannot be built here, so its bundle is rendered and checked statically only.
 */
import * as fs from "fs";
import * as path from "path";
import { gunzipSync, gzipSync } from "zlib";
import * as YAML from "yaml";
import { AUDIT_RULES, sshSettings, SSH_WEAK_ALGORITHMS, SSH_CRYPTO } from "../../components/host/host-controls";
import { HOST_OSES, HostConfigError, parseHostModel, type HostOs } from "../../components/host/model";
import {
  bundleEntries,
  compactEntry,
  collapseCidrs,
  renderBundle,
  renderCloudInit,
  renderUserDataBase64,
  sshEffective,
} from "../../components/host/render";
import { stripShellCommentLines } from "../../components/host/shell-strip";
import { describeHost, run, tmpDir } from "./helpers";
import { base, expectOnlyCommentLinesDropped, KEY } from "./render-fixtures";

function problems(input: unknown): string[] {
  try {
    parseHostModel(input);
  } catch (e) {
    if (e instanceof HostConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("host model (zod)", () => {
  test("a minimal model parses with secure defaults: Wazuh when ids has no kind, automatic patching", () => {
    const m = parseHostModel(base());
    expect(m.ids.kind).toBe("wazuh");
    expect(m.patch).toEqual({ automatic: true, securityOnly: true });
    expect(m.adminGroup).toBe("bulwark-admins");
    expect(m.ssh.port).toBe(22);
  });

  test.each([
    [
      { ssh: { managementSources: ["0.0.0.0/0"] } },
      /^ssh\.managementSources\[0\] = "0\.0\.0\.0\/0": SSH from the internet is refused: use your VPN/,
    ],
    [
      { ssh: { managementSources: ["10.0.0.300/8"] } },
      /^ssh\.managementSources\[0\] = "10\.0\.0\.300\/8": use an IPv4\/IPv6 address or CIDR/,
    ],
    [
      { inbound: [{ port: 22, sources: ["0.0.0.0/0"] }] },
      /^inbound\[0\]\.port = 22: SSH \(22\) is opened only from ssh\.managementSources/,
    ],
    [
      { inbound: [{ port: { from: 20, to: 30 }, sources: ["10.0.0.0/8"] }] },
      /^inbound\[0\]\.port = \{"from":20,"to":30\}: SSH \(22\)/,
    ],
    [{ ids: { kind: "none" } }, /^ids\.waiver = \(missing\)/],
    [
      { patch: { automatic: false } },
      /^patch\.automatic = false: automatic security updates are the default; to turn them off add patch\.waiver/,
    ],
    [{ admins: [{ name: "root", sshKeys: [KEY] }] }, /^admins\[0\]\.name = "root": root cannot log in over SSH/],
    [
      { admins: [{ name: "alice", sshKeys: ["hunter2"] }] },
      /^admins\[0\]\.sshKeys\[0\] = "hunter2": paste one OpenSSH public key line/,
    ],
    [{ role: "web", mysql: { bindAddress: "10.20.1.10" } }, /^role = "web": a mysql section needs role: db/],
    [{ ids: { manager: "w", enrolmentSecretParameter: "/p", enrolmentPassword: "s3cret" } }, /ids.*enrolmentPassword/],
    [{ sshPasswordAuthentication: true }, /sshPasswordAuthentication/],
  ])("bad input %# is refused naming field, value and fix", (patch, message) => {
    const p = problems({ ...base(), ...patch });
    expect(p.join("\n")).toMatch(message);
  });

  test("an unknown key is named, never its object's values (a misplaced password stays out of the error)", () => {
    const p = problems({ ...base(), ids: { manager: "w", pw: "hunter2-s3cret" } }).join("\n");
    expect(p).toMatch(/^ids\.pw = \(an unknown key\): not a host setting; remove it or check its spelling/m);
    expect(p).not.toContain("hunter2-s3cret");
  });

  test("a missing required section says so and what to set", () => {
    const { logs: _logs, ...noLogs } = base() as Record<string, unknown>;
    expect(problems(noLogs).join("\n")).toMatch(/^logs = \(missing\): required; set it \(object\)/m);
  });

  test("a waiver must be complete and well formed", () => {
    const p = problems({
      ...base(),
      ids: { kind: "none", waiver: { reason: "short", approver: "x", expires: "2026-13-01" } },
    });
    expect(p.join("\n")).toMatch(/ids\.waiver\.reason = "short": give a reason of at least 10 characters/);
    expect(p.join("\n")).toMatch(/ids\.waiver\.expires = "2026-13-01": must be a real calendar date/);
  });

  test("CIDRs are normalised once and overlapping ones collapse (nft interval sets reject overlaps)", () => {
    expect(collapseCidrs(["10.1.2.3/8", "10.20.0.0/16", "192.0.2.7", "2001:db8::1/32", "2001:db8:1::/48"])).toEqual([
      "10.0.0.0/8",
      "192.0.2.7/32",
      "2001:db8::/32",
    ]);
  });
});

describe("rendered bundles for every target OS", () => {
  const bundles = HOST_OSES.map((os) => [os, renderBundle(base(), os)] as const);

  test.each(HOST_OSES.map((o) => [o]))("%s: the bundle is deterministic and its hash follows the model", (os) => {
    expect(renderBundle(base(), os).hash).toBe(renderBundle(base(), os).hash);
    expect(renderBundle({ ...base(), inbound: [] }, os).hash).not.toBe(renderBundle(base(), os).hash);
  });

  test("sshd_config states every hardened value before the Include, so drop-ins cannot win", () => {
    for (const [, b] of bundles) {
      const cfg = b.files.find((f) => f.path === "/etc/ssh/sshd_config")!.content.split("\n");
      const include = cfg.findIndex((l) => l.startsWith("Include "));
      expect(include).toBeGreaterThan(cfg.findIndex((l) => l === "PasswordAuthentication no"));
      expect(cfg.slice(include + 1).filter((l) => l && !l.startsWith("#"))).toEqual([]);
    }
  });

  test("the crypto profile offers none of the weak algorithms the e2e test tries", () => {
    const offered = [
      ...SSH_CRYPTO.ciphers,
      ...SSH_CRYPTO.kexAlgorithms,
      ...SSH_CRYPTO.macs,
      ...SSH_CRYPTO.hostKeyAlgorithms,
    ];
    for (const weak of Object.values(SSH_WEAK_ALGORITHMS).flat()) expect(offered).not.toContain(weak);
    expect(SSH_CRYPTO.macs.every((m) => m.includes("-etm@"))).toBe(true);
  });

  test(
    "Amazon Linux 2023: dnf-automatic, sysconfig " + "nftables, no crypto-policy override, sshd unit, 0000 shadow",
    () => {
      const b = renderBundle(base(), "amazonlinux-2023");
      const file = (p: string) => b.files.find((f) => f.path === p)?.content;
      expect(file("/etc/dnf/automatic.conf")).toMatch(
        /upgrade_type = security\napply_updates|upgrade_type = security[\s\S]*apply_updates = yes/,
      );
      expect(file("/etc/sysconfig/nftables.conf")).toContain("policy drop;");
      expect(file("/etc/sysconfig/sshd")).toContain("CRYPTO_POLICY=\n");
      expect(file("/etc/ssh/sshd_config")).not.toContain("DebianBanner");
      expect(b.env).toContain("SSH_UNIT='sshd'");
      expect(b.env).toContain("SHADOW_MODE='0000'");
      expect(b.env).toContain("EXPECT_OS_RELEASE='amzn-2023'");
      expect(b.env).toMatch(/PACKAGES='[^']*dnf-automatic[^']*'/);
      expect(b.hooks.find((h) => h.name === "10-wazuh.apply.sh")!.content).toContain(
        "https://packages.wazuh.com/4.x/yum/",
      );
      expect(b.hooks.find((h) => h.name === "20-cloudwatch.apply.sh")!.content).toContain(
        "dnf install -y -q amazon-cloudwatch-agent",
      );
      expect(b.files.some((f) => f.path.startsWith("/etc/apt/"))).toBe(false);
    },
  );

  test("Wazuh: pointed at the manager; the enrolment secret is fetched from SSM at boot, never in the bundle", () => {
    const b = renderBundle(base(), "ubuntu-24.04");
    const enrol = b.files.find((f) => f.path === "/usr/local/sbin/bulwark-wazuh-enrol")!;
    expect(enrol.content).toContain('aws ssm get-parameter --name "$WAZUH_ENROLMENT_PARAMETER" --with-decryption');
    expect(b.files.find((f) => f.path === "/etc/bulwark/wazuh.env")!.content).toContain(
      "WAZUH_ENROLMENT_PARAMETER=/bulwark/wazuh/enrolment",
    );
    expect(b.files.find((f) => f.path === "/etc/systemd/system/bulwark-wazuh-enrol.service")!.content).toContain(
      "RequiredBy=wazuh-agent.service",
    );
    expect(b.hooks.find((h) => h.name === "10-wazuh.apply.sh")!.content).toContain(
      "<address>wazuh.corp.internal</address>",
    );
    expect(b.env).toContain(
      "ENABLE_UNITS='nftables.service fail2ban.service auditd.service ssh.service rsyslog.service " +
        "bulwark-aide-check.timer apt-daily.timer apt-daily-upgrade.timer wazuh-agent.service " +
        "bulwark-wazuh-enrol.service amazon-cloudwatch-agent.service'",
    );
  });

  test("Suricata is an option where it is packaged, and refused on Debian 12 (no candidate)", () => {
    const sur = { ...base(), ids: { kind: "suricata", interface: "ens5" } };
    expect(renderBundle(sur, "ubuntu-24.04").hooks.map((h) => h.name)).toContain("10-suricata.apply.sh");
    expect(() => renderBundle(sur, "debian-12")).toThrow(/Debian 12 main has no suricata package/);
  });

  test("CloudWatch agent config ships auth, audit, fail2ban, sudo and IDS logs", () => {
    const b = renderBundle(base(), "debian-12");
    const cfg = JSON.parse(
      b.files.find((f) => f.path === "/opt/aws/amazon-cloudwatch-agent/etc/bulwark.json")!.content,
    );
    expect(cfg.logs.logs_collected.files.collect_list.map((c: { file_path: string }) => c.file_path)).toEqual([
      "/var/log/auth.log",
      "/var/log/audit/audit.log",
      "/var/log/fail2ban.log",
      "/var/log/sudo.log",
      "/var/ossec/logs/ossec.log",
    ]);
  });

  test("Ubuntu 24.04: a release-pocket fail2ban (broken on Python 3.12) is upgraded by apply", () => {
    expect(renderBundle(base(), "ubuntu-24.04").env).toContain("MIN_VERSIONS='fail2ban:1.0.2-3ubuntu0.1'");
    expect(renderBundle(base(), "debian-12").env).toContain("MIN_VERSIONS=''");
  });

  test("a bastion relays ssh -J (local forwarding only); other roles forward nothing", () => {
    const eff = (bastion: boolean) =>
      sshEffective(sshSettings({ port: 22, allowGroup: "g", debianFamily: true, bastion }));
    expect(eff(true).get("allowtcpforwarding")).toBe("local");
    expect(eff(true).get("disableforwarding")).toBe("no");
    expect(eff(false).get("allowtcpforwarding")).toBe("no");
    expect(eff(false).get("disableforwarding")).toBe("yes");
  });

  test("role db integrates the MySQL role (files owned root:mysql, apply hook, verify hook)", () => {
    const b = renderBundle({ ...base(), role: "db", mysql: { bindAddress: "10.20.1.10" } }, "debian-12");
    expect(b.hooks.map((h) => h.name)).toEqual(expect.arrayContaining(["50-mysql.apply.sh", "mysql.verify.sh"]));
    expect(b.files.find((f) => f.path.endsWith("99-bulwark-hardening.cnf"))).toMatchObject({
      owner: "root",
      group: "mysql",
    });
    expect(b.env).toMatch(/ALLOWED_TCP='22 8080 3306'/);
  });

  test(
    "inline cloud-init (on-prem/NoCloud): writes the exact bundle, " +
      "runs apply then verify; too big for EC2, which boots the loader",
    () => {
      const b = renderBundle(base(), "ubuntu-24.04");
      const text = renderCloudInit(b);
      expect(text.startsWith("#cloud-config\n")).toBe(true);
      const doc = YAML.parse(text) as {
        write_files: { path: string; permissions: string; content: string }[];
        runcmd: string[][];
      };
      const entries = bundleEntries(b);
      expect(doc.write_files.map((f) => [f.path, f.permissions, f.content])).toEqual(
        entries.map((e) => [`/opt/bulwark/bundle/${e.rel}`, `0${e.mode.toString(8)}`, compactEntry(e).content]),
      );
      // The user-data form only drops comment-only lines: every other line of every entry arrives, in order.
      doc.write_files.forEach((f, i) => expectOnlyCommentLinesDropped(entries[i].content, f.content));
      expect(doc.write_files.find((f) => f.path.endsWith("/files/etc/ssh/sshd_config"))!.content).toContain(
        "PasswordAuthentication no",
      );
      expect(doc.runcmd).toEqual([["/opt/bulwark/bundle/apply"], ["/opt/bulwark/bundle/verify"]]);
      // The inline bundle has outgrown EC2's 16 KiB: renderUserDataBase64 refuses it and names the loader.
      const gz = gzipSync(text, { level: 9 });
      expect(gunzipSync(gz).toString()).toBe(text);
      if (gz.length > 16384) expect(() => renderUserDataBase64(b)).toThrow(/EC2 allows 16384.*renderLoaderUserData/);
      else expect(renderUserDataBase64(b)).toBe(gz.toString("base64"));
    },
  );
});

/** A hook with every heredoc form; `#` lines inside bodies are data and must arrive. */
const HEREDOC_FIXTURE = [
  "#!/usr/bin/env bash",
  "# shellcheck disable=SC2016,SC1039,SC2261,SC2217",
  "# a comment: goes",
  "set -eu",
  "  # indented comment: goes",
  "cat <<EOF >/tmp/a",
  "# body of a plain heredoc: stays",
  "x=$HOME # stays",
  "EOF",
  "cat <<'SQL' | wc -l",
  "# quoted delimiter: stays",
  "  SQL",
  "SQL",
  'cat <<-"END"',
  "\t# dash heredoc: stays",
  "\tEND",
  "cat <<A <<'B'",
  "# first body: stays",
  "A",
  "# second body: stays",
  "B",
  "echo 'a multi-line",
  "# inside single quotes: stays",
  "'",
  'echo "two \\',
  '# inside double quotes: stays"',
  "echo three \\",
  "  # after a continuation: stays",
  "echo ${#HOME} $# <<<'here # string' # trailing comments stay",
  "# last comment: goes",
  "",
].join("\n");

test(
  "stripShellCommentLines: comment lines outside " + "heredocs and quotes go; bodies, shebang and directives stay",
  () => {
    const out = stripShellCommentLines(HEREDOC_FIXTURE);
    expect(out.split("\n").filter((l) => l.includes(": goes"))).toEqual([]);
    expect(
      HEREDOC_FIXTURE.split("\n")
        .filter((l) => l.includes(": stays"))
        .every((l) => out.split("\n").includes(l)),
    ).toBe(true);
    expect(out.split("\n").slice(0, 2)).toEqual([
      "#!/usr/bin/env bash",
      "# shellcheck disable=SC2016,SC1039,SC2261,SC2217",
    ]);
    expectOnlyCommentLinesDropped(HEREDOC_FIXTURE, out);
    expect(HEREDOC_FIXTURE.split("\n").length - out.split("\n").length).toBe(3);
    // An unterminated heredoc or quote: nothing is certain, the script stays verbatim.
    for (const open of ["cat <<EOF\n# x\n", "echo 'x\n# y\n", "echo $((1 << 2))\n# z\n"])
      expect(stripShellCommentLines(open)).toBe(open);
  },
);

test("the fixture's stripped form passes bash -n and shellcheck and prints exactly what the original prints", () => {
  const dir = tmpDir("bulwark-strip-");
  const fixture = HEREDOC_FIXTURE.replaceAll("/tmp/a", `${dir}/a`);
  fs.writeFileSync(path.join(dir, "orig.sh"), fixture);
  fs.writeFileSync(path.join(dir, "strip.sh"), stripShellCommentLines(fixture));
  for (const f of ["orig.sh", "strip.sh"]) {
    expect(run("bash", ["-n", path.join(dir, f)]).code).toBe(0);
    expect(run("shellcheck", ["-s", "bash", path.join(dir, f)]).out).toBe("");
  }
  const orig = run("bash", [path.join(dir, "orig.sh")]);
  const a1 = fs.readFileSync(path.join(dir, "a"), "utf8");
  const strip = run("bash", [path.join(dir, "strip.sh")]);
  expect(strip.out).toBe(orig.out);
  expect(fs.readFileSync(path.join(dir, "a"), "utf8")).toBe(a1);
  expect(strip.out).toContain("# dash heredoc: stays");
});

test("compactEntry: comment lines go from config files and shell scripts; directives and heredoc bodies stay", () => {
  const conf = {
    rel: "files/etc/sudoers.d/50-x",
    mode: 0o440,
    content:
      "# why\n#include /etc/sudoers.d/extra\n#includedir /etc/x\n" +
      "  # indented\nDefaults use_pty\nx = 1 # trailing stays\n",
  };
  expect(compactEntry(conf).content).toBe(
    "#include /etc/sudoers.d/extra\n#includedir /etc/x\nDefaults use_pty\nx = 1 # trailing stays\n",
  );
  expect(compactEntry({ rel: "files/etc/apt/apt.conf.d/x", mode: 0o644, content: "#clear APT::X;\n" }).content).toBe(
    "#clear APT::X;\n",
  );
  const script = { rel: "files/usr/local/sbin/tool", mode: 0o755, content: "#!/bin/sh\n# goes\ncat <<E\n# stays\nE\n" };
  expect(compactEntry(script).content).toBe("#!/bin/sh\ncat <<E\n# stays\nE\n");
  const env = { rel: "bundle.env", mode: 0o644, content: "# goes\n# shellcheck shell=bash\nA=1\n" };
  expect(compactEntry(env).content).toBe("# shellcheck shell=bash\nA=1\n");
  expect(compactEntry({ rel: "lib/50-x.apply.sh", mode: 0o755, content: HEREDOC_FIXTURE }).content).toBe(
    stripShellCommentLines(HEREDOC_FIXTURE),
  );
});

describeHost("rendered bundles pass the real tools", [], () => {
  jest.setTimeout(120_000);
  // One set of host keys for every OS's sshd -t (an RSA key takes a second to generate).
  let hostKeys: string;
  beforeAll(() => {
    hostKeys = tmpDir("bulwark-sshd-keys-");
    for (const t of ["ed25519", "rsa"])
      run("ssh-keygen", ["-q", "-t", t, "-N", "", "-f", path.join(hostKeys, `ssh_host_${t}_key`)]);
  });

  test.each(HOST_OSES.map((o) => [o]))(
    "%s: sshd -t passes and sshd -T equals the intended values, with a cloud-init drop-in present",
    (os: HostOs) => {
      const b = renderBundle(base(), os);
      const dir = tmpDir("bulwark-sshd-");
      fs.mkdirSync("/run/sshd", { recursive: true }); // sshd -t insists on its privilege separation directory
      fs.mkdirSync(path.join(dir, "d"));
      fs.writeFileSync(path.join(dir, "d", "50-cloud-init.conf"), "PasswordAuthentication yes\nPermitRootLogin yes\n");
      fs.writeFileSync(path.join(dir, "revoked"), "");
      const cfg = b.files
        .find((f) => f.path === "/etc/ssh/sshd_config")!
        .content.replaceAll("/etc/ssh/ssh_host_", `${hostKeys}/ssh_host_`)
        .replace("Include /etc/ssh/sshd_config.d/*.conf", `Include ${dir}/d/*.conf`)
        .replace("RevokedKeys /etc/ssh/revoked_keys", `RevokedKeys ${dir}/revoked`);
      fs.writeFileSync(path.join(dir, "sshd_config"), cfg, { mode: 0o600 });
      expect(run("/usr/sbin/sshd", ["-t", "-f", path.join(dir, "sshd_config")]).out).toBe("");
      const t = run("/usr/sbin/sshd", [
        "-T",
        "-f",
        path.join(dir, "sshd_config"),
        "-C",
        "user=root,host=localhost,addr=127.0.0.1,lport=22",
      ]);
      expect(t.code).toBe(0);
      const got = new Map<string, string>();
      for (const line of t.stdout.trim().split("\n")) {
        const [k, ...v] = line.split(" ");
        got.set(k, got.has(k) ? `${got.get(k)},${v.join(" ")}` : v.join(" "));
      }
      const intended = sshEffective(
        sshSettings({
          port: 22,
          allowGroup: "bulwark-admins",
          debianFamily: os !== "amazonlinux-2023",
          bastion: false,
        }),
      );
      for (const [k, v] of intended) {
        const want =
          k === "hostkey" ? v.replaceAll("/etc/ssh/", `${hostKeys}/`) : k === "revokedkeys" ? `${dir}/revoked` : v;
        expect(`${k} ${got.get(k)}`.toLowerCase()).toBe(`${k} ${want}`.toLowerCase());
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  );

  test.each(HOST_OSES.map((o) => [o]))(
    "%s: nft -c accepts the ruleset (also with overlapping, ranged and v6-only sources)",
    (os) => {
      for (const model of [
        base(),
        {
          ...base(),
          ssh: { port: 2222, managementSources: ["10.0.0.0/8", "10.20.0.0/16", "2001:db8::/48"] },
          inbound: [
            { port: { from: 8000, to: 8010 }, protocol: "tcp", sources: ["::/0"] },
            { port: 53, protocol: "udp", sources: ["192.0.2.0/24", "192.0.2.5"] },
          ],
          // Public sources are internet exposure (exposure model): each needs its waiver, as in the stack config.
          exposure: {
            waivers: [
              "ec2-security-group-disallow-internet-admin-ingress",
              "ec2-security-group-disallow-internet-unauthorized-ingress",
            ].map((policy) => ({
              policy,
              reason: "render test of public sources",
              approver: "security@example.com",
              expires: "2099-12-31",
            })),
          },
        },
      ]) {
        const b = renderBundle(model, os);
        const nft = b.files.find((f) => f.path.endsWith("nftables.conf"))!;
        const dir = tmpDir("bulwark-nft-");
        fs.writeFileSync(path.join(dir, "r.nft"), nft.content);
        const r = run("unshare", ["-n", "nft", "-c", "-f", path.join(dir, "r.nft")]);
        expect(r.out).toBe("");
        expect(r.code).toBe(0);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  test("the kernel accepts every CIS audit rule (auditctl, audit disabled, rules cleared afterwards)", () => {
    const status = run("auditctl", ["-s"]).stdout;
    const before = run("auditctl", ["-l"]).stdout.trim();
    // Audit is kernel-global: only touch it when it is off and empty, and never load `-e`.
    expect(status).toMatch(/^enabled 0$/m);
    expect(before).toBe("No rules");
    const dir = tmpDir("bulwark-audit-");
    const rules = AUDIT_RULES.filter((r) => !r.startsWith("#"));
    fs.writeFileSync(path.join(dir, "r.rules"), rules.join("\n") + "\n");
    try {
      const load = run("auditctl", ["-R", path.join(dir, "r.rules")]);
      expect(load.code).toBe(0);
      const listed = run("auditctl", ["-l"]).stdout.trim().split("\n");
      expect(listed.length).toBe(rules.length);
    } finally {
      run("auditctl", ["-D"]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(run("auditctl", ["-l"]).stdout.trim()).toBe("No rules");
  });

  test("aide accepts the AIDE policy", () => {
    const b = renderBundle(base(), "debian-12");
    const dir = tmpDir("bulwark-aide-");
    fs.writeFileSync(path.join(dir, "aide.conf"), b.files.find((f) => f.path === "/etc/bulwark/aide.conf")!.content);
    const r = run("aide", ["--config", path.join(dir, "aide.conf"), "--config-check"]);
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
