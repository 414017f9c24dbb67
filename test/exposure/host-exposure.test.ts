/** Issue 9 item 6 (first two bullets): the host model refuses the internet as the stack config does. */
import { HostConfigError, parseHostModel } from "../../components/host/model";
import { ADMIN_KEY } from "./bastion-config";

const ADMIN_WAIVER = (expires = "2099-12-31") => ({
  policy: "ec2-security-group-disallow-internet-admin-ingress",
  reason: "office VPN egress range",
  approver: "security@example.com",
  expires,
});
const model = (over: Record<string, unknown>) => ({
  role: "web",
  admins: [{ name: "ops", sshKeys: [ADMIN_KEY] }],
  ssh: { managementSources: ["10.0.0.0/8"] },
  ids: { kind: "suricata" },
  logs: { kind: "cloudwatch" },
  ...over,
});
function problems(input: unknown): string[] {
  try {
    parseHostModel(input);
    return [];
  } catch (e) {
    if (!(e instanceof HostConfigError)) throw e;
    return e.problems;
  }
}

describe("SSH managementSources: any spelling of the internet is refused", () => {
  it.each([
    [["0.0.0.0/0"]],
    [["::/0"]],
    [["0.0.0.0/1", "128.0.0.0/1"]],
    [["2000::/3"]],
    [["::ffff:0:0/96"]],
    [["8.0.0.0/7"]],
    // 512 /9s together are the whole IPv4 internet, none of them alone more than a /8
    [Array.from({ length: 512 }, (_, i) => `${i >> 1}.${(i & 1) * 128}.0.0/9`)],
  ])("%j", (sources) => {
    const p = problems(model({ ssh: { managementSources: sources }, exposure: { waivers: [ADMIN_WAIVER()] } }));
    expect(p.join("\n")).toMatch(/^ssh\.managementSources(\[\d+\])? = .*SSH from the internet is refused/m);
  });

  it("a public office /24 or IPv6 /48 needs the admin-ingress waiver; with it the model is accepted", () => {
    for (const src of ["81.2.69.0/24", "2a02:c7f:1234::/48"]) {
      const p = problems(model({ ssh: { managementSources: [src] } }));
      expect(p).toHaveLength(1);
      expect(p[0]).toContain(`ssh.managementSources[0] = "${src}"`);
      expect(p[0]).toMatch(/add a waiver \{policy: ec2-security-group-disallow-internet-admin-ingress/);
      expect(problems(model({ ssh: { managementSources: [src] }, exposure: { waivers: [ADMIN_WAIVER()] } }))).toEqual(
        [],
      );
    }
  });

  it("an expired waiver is refused, naming its expiry", () => {
    const p = problems(
      model({ ssh: { managementSources: ["81.2.69.0/24"] }, exposure: { waivers: [ADMIN_WAIVER("2020-01-31")] } }),
    );
    expect(p.join("\n")).toMatch(/waiver expired on 2020-01-31/);
  });

  it("private and declared-internal ranges need nothing", () => {
    expect(problems(model({ ssh: { managementSources: ["10.0.0.0/8", "fd00::/8"] } }))).toEqual([]);
    expect(
      problems(model({ ssh: { managementSources: ["81.2.70.0/24"] }, exposure: { internalCidrs: ["81.2.70.0/24"] } })),
    ).toEqual([]);
  });
});

describe("inbound: admin and high-risk ports from the internet need the stack config's waiver", () => {
  it.each([
    [3306, "0.0.0.0/0"],
    [3389, "81.2.69.0/24"],
    [5432, "2a00:1450:4009::/48"],
    [8080, "::/0"],
  ])("tcp %s from %s", (port, src) => {
    const p = problems(model({ inbound: [{ port, sources: [src] }] }));
    expect(p).toHaveLength(1);
    expect(p[0]).toContain(`inbound[0].sources[0] = "${src}"`);
    expect(p[0]).toMatch(/ec2-security-group-disallow-internet-admin-ingress|never allowed/);
  });

  it("3306 from a public range is accepted with the waiver; 3389 from the whole internet never is", () => {
    expect(
      problems(
        model({ inbound: [{ port: 3306, sources: ["81.2.69.0/24"] }], exposure: { waivers: [ADMIN_WAIVER()] } }),
      ),
    ).toEqual([]);
    expect(
      problems(
        model({ inbound: [{ port: 3389, sources: ["0.0.0.0/0"] }], exposure: { waivers: [ADMIN_WAIVER()] } }),
      ).join("\n"),
    ).toMatch(/never allowed/);
  });

  it("web ports from the internet and database ports from private ranges need nothing", () => {
    expect(
      problems(
        model({
          inbound: [
            { port: 443, sources: ["0.0.0.0/0", "::/0"] },
            { port: 3306, sources: ["10.10.0.0/16"] },
          ],
        }),
      ),
    ).toEqual([]);
  });
});
