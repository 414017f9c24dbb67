/** CLI wiring: `check --format html`, and `host verify` usage and input errors (exit 2, field named, nothing run). */
import * as fs from "fs";
import * as path from "path";
import { main } from "../../cli/index";
import { tmpDir } from "../host/helpers";

const FIXTURES = path.join(__dirname, "..", "fixtures");

describe("bulwark CLI: html and host verify", () => {
  let dir: string;
  let errors: string;
  const write = process.stderr.write.bind(process.stderr);
  beforeEach(() => {
    dir = tmpDir("bulwark-fleet-cli-");
    errors = "";
    process.stderr.write = ((s: string) => ((errors += s), true)) as typeof process.stderr.write;
  });
  afterEach(() => {
    process.stderr.write = write;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("check --format html writes the posture page; the verdict keeps its exit code", async () => {
    const out = path.join(dir, "posture.html");
    expect(
      await main([
        "node",
        "bulwark",
        "check",
        "--preview",
        path.join(FIXTURES, "preview-postmortem.json"),
        "--format",
        "html",
        "-o",
        out,
      ]),
    ).toBe(1);
    const html = fs.readFileSync(out, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('id="verdict">FAIL<');
    expect(
      await main([
        "node",
        "bulwark",
        "check",
        "--preview",
        path.join(FIXTURES, "preview-clean.json"),
        "--format",
        "html",
        "-o",
        out,
      ]),
    ).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toContain('id="verdict">PASS<');
  });

  test("host verify needs exactly one of --stack and --inventory", async () => {
    expect(await main(["node", "bulwark", "host", "verify"])).toBe(2);
    expect(await main(["node", "bulwark", "host", "verify", "--stack", "prod", "--inventory", "x.yaml"])).toBe(2);
    expect(errors).toMatch(/give exactly one of --stack <name> or --inventory <file>/);
    expect(await main(["node", "bulwark", "host", "verify", "--stack", "prod", "--write", "pdf:x.pdf"])).toBe(2);
    expect(errors).toMatch(
      /--write pdf:x\.pdf: use <format>:<file> with format one of text, json, sarif, markdown, html/,
    );
  });

  test("a bad inventory is refused with field, value and fix; no SSH is attempted", async () => {
    const inv = path.join(dir, "inv.yaml");
    fs.writeFileSync(
      inv,
      "hosts:\n  - {name: a, site: hq, address: 8.8.8.8, os: debian-12, role: app, ssh: {user: ops}}\n  - " +
        "{name: b, site: hq, address: 10.0.0.2, os: debian-12, role: app, via: nowhere, ssh: {user: ops, " +
        "hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIfUhTDGCZYK2mGwqS58u/thX1YS8UX0jj/SJZXQ+bST}}\n",
    );
    expect(await main(["node", "bulwark", "host", "verify", "--inventory", inv, "--identity-file", inv])).toBe(2);
    expect(errors).toMatch(/hosts\[0\]\.address: got "8\.8\.8\.8": SSH to a server over the internet is refused/);
    expect(errors).toMatch(/hosts\[0\]\.ssh\.hostKey: got nothing: /);
    fs.writeFileSync(
      inv,
      "hosts:\n  - {name: b, site: hq, address: 10.0.0.2, os: debian-12, role: app, via: nowhere, ssh: " +
        "{user: ops, hostKey: ssh-ed25519 " +
        "AAAAC3NzaC1lZDI1NTE5AAAAIIfUhTDGCZYK2mGwqS58u/thX1YS8UX0jj/SJZXQ+bST}}\n",
    );
    expect(await main(["node", "bulwark", "host", "verify", "--inventory", inv, "--identity-file", inv])).toBe(2);
    expect(errors).toMatch(/hosts\[0\]\.via: got "nowhere": name a host of this inventory with role bastion/);
  });

  test("no key anywhere: exit 2 before any connection", async () => {
    const inv = path.join(dir, "inv.yaml");
    fs.writeFileSync(
      inv,
      "hosts:\n  - {name: b, site: hq, address: 10.0.0.2, os: debian-12, role: app, ssh: {user: ops, " +
        "hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIfUhTDGCZYK2mGwqS58u/thX1YS8UX0jj/SJZXQ+bST}}\n",
    );
    const saved = { agent: process.env.SSH_AUTH_SOCK, key: process.env.BULWARK_SSH_KEY };
    delete process.env.SSH_AUTH_SOCK;
    delete process.env.BULWARK_SSH_KEY;
    try {
      expect(await main(["node", "bulwark", "host", "verify", "--inventory", inv])).toBe(2);
      expect(errors).toMatch(/no SSH key: give --identity-file <key>, set BULWARK_SSH_KEY, or run an ssh-agent/);
    } finally {
      if (saved.agent !== undefined) process.env.SSH_AUTH_SOCK = saved.agent;
      if (saved.key !== undefined) process.env.BULWARK_SSH_KEY = saved.key;
    }
  });
});
