/**
 * The README's host example as it stands (examples/host-web.yaml), applied on a booted Debian 12 as the README runs
 * it. The host is offline: its Wazuh repository and manager are out of reach, so the IDS step fails; apply must still
 * harden everything else (the firewall loaded above all), exit non-zero and name what failed.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { renderBundle, writeBundle } from "../../components/host/render";
import { describeHost, harness, hostSlot, tmpDir } from "./helpers";
import { rm } from "./live-helpers";

const EXAMPLE = path.join(__dirname, "..", "..", "examples", "host-web.yaml");

describeHost("examples/host-web.yaml applied on a booted debian-12 (bookworm), offline", ["bookworm"], () => {
  jest.setTimeout(300_000);
  const { id, net } = hostSlot("example", "bookworm");
  let work: string;
  let apply: ReturnType<typeof harness>;
  const exec = (...cmd: string[]) => harness("exec", id, ...cmd);

  beforeAll(() => {
    harness("down", id);
    work = tmpDir("bulwark-example-web-");
    writeBundle(renderBundle(YAML.parse(fs.readFileSync(EXAMPLE, "utf8")), "debian-12"), path.join(work, "bundle"));
    const up = harness("up", id, "bookworm", String(net), path.join(work, "bundle"));
    if (up.code !== 0) throw new Error(`harness up failed: ${up.out}`);
    harness("boot", id);
    apply = exec("/opt/bulwark/bundle/apply");
  });

  afterAll(() => {
    const down = harness("down", id);
    rm(work);
    if (down.code !== 0) throw new Error(`harness down failed: ${down.out}`);
  });

  test("apply exits 1 and names the IDS agent it could not install; no name it could not resolve reaches nft", () => {
    expect(apply.code).toBe(1);
    expect(apply.out).toMatch(/FAILED: 10-wazuh\.apply\.sh failed/);
    expect(apply.out).toMatch(/FAILED: cannot enable wazuh-agent\.service: it is not installed/);
    expect(apply.out).toMatch(/WARNING: cannot resolve logs\.corp\.internal now/);
    expect(apply.out).not.toMatch(/fails nft -c/);
    expect(exec("cat", "/etc/bulwark/nft.d/egress.nft").stdout).not.toMatch(/WARNING/);
  });

  test("everything else is hardened: the firewall is loaded, and verify fails the IDS control only", () => {
    expect(exec("nft", "list", "table", "inet", "bulwark").code).toBe(0);
    const v = exec("/opt/bulwark/bundle/verify");
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/^verify: FAILED controls: ids \(/m);
  });
});
