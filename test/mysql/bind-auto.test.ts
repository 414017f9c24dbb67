/**
 * bindAddress auto, on real network stacks: the rendered apply runs (stage prepare: files, directories, TLS) inside
 * a fresh network namespace (unshare -n, as root) whose only addresses are ones this test gives its veth pair.
 * The live server part (bind_address and the listener check) is proven with an explicit address in mariadb.test.ts;
 * that server listens on loopback, which auto rightly refuses.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderMysqlHardening } from "../../components/host/mysql";
import { assertPrerequisites } from "./mariadb-server";

let dir: string;
beforeAll(() => {
  assertPrerequisites();
  const r = spawnSync("unshare", ["-n", "true"]);
  if (r.status !== 0) throw new Error(`unshare -n failed (needs root and user namespaces): ${r.stderr}`);
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-bind-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function render() {
  const r = renderMysqlHardening({
    bindAddress: "auto",
    paths: {
      configFile: path.join(dir, "99-bulwark-hardening.cnf"),
      datadir: path.join(dir, "data"),
      secureFilePriv: path.join(dir, "files"),
      secretsDir: path.join(dir, "secrets"),
    },
    tls: {
      caFile: path.join(dir, "tls/ca.pem"),
      certFile: path.join(dir, "tls/cert.pem"),
      keyFile: path.join(dir, "tls/key.pem"),
    },
  });
  fs.mkdirSync(path.join(dir, "data"));
  fs.writeFileSync(r.files[0].path, r.files[0].content);
  fs.writeFileSync(path.join(dir, "apply.sh"), r.apply);
  return r;
}

/** Runs the rendered apply in a new network namespace after `net` (ip commands) sets it up. */
function applyIn(net: string[]) {
  const script = [
    "set -e",
    "ip link set lo up",
    ...net,
    "set +e",
    `BULWARK_MYSQL_STAGE=prepare bash ${dir}/apply.sh`,
  ].join("\n");
  return spawnSync("unshare", ["-n", "bash", "-c", script], { encoding: "utf8", timeout: 60_000 });
}
const veth = (...cmds: string[]) => [
  "ip link add v0 type veth peer name v1",
  "ip link set v0 up",
  "ip link set v1 up",
  ...cmds,
];
const conf = () => fs.readFileSync(path.join(dir, "99-bulwark-hardening.cnf"), "utf8");
const sanOf = (cert: string) =>
  spawnSync("openssl", ["x509", "-in", cert, "-noout", "-ext", "subjectAltName"], { encoding: "utf8" }).stdout;

test("the rendered config listens on loopback only until apply has found the private address", () => {
  expect(render().files[0].content).toMatch(/^bind-address = 127\.0\.0\.1$/m);
});

test("a private default route: apply writes its address as bind-address and certifies it", () => {
  render();
  const r = applyIn(veth("ip addr add 10.77.0.5/24 dev v0", "ip route add default via 10.77.0.1 dev v0"));
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(conf()).toMatch(/^bind-address = 10\.77\.0\.5$/m);
  expect(conf()).not.toMatch(/^bind-address = 127/m);
  expect(sanOf(path.join(dir, "tls/cert.pem"))).toContain("IP Address:10.77.0.5");
});

test("the default route's source address wins over other addresses on the device", () => {
  render();
  const r = applyIn(
    veth(
      "ip addr add 10.77.0.5/24 dev v0",
      "ip addr add 10.77.0.9/24 dev v0",
      "ip route add default via 10.77.0.1 dev v0 src 10.77.0.9",
    ),
  );
  expect(r.status).toBe(0);
  expect(conf()).toMatch(/^bind-address = 10\.77\.0\.9$/m);
});

test.each([
  [
    "a public address",
    ["ip addr add 203.0.113.5/24 dev v0", "ip route add default via 203.0.113.1 dev v0"],
    "203.0.113.5",
  ],
  [
    "172.32/16, outside RFC 1918",
    ["ip addr add 172.32.0.5/24 dev v0", "ip route add default via 172.32.0.1 dev v0"],
    "172.32.0.5",
  ],
  ["no default route (loopback only)", [], "no address"],
  ["a default route over loopback", ["ip route add default dev lo"], "no address"],
])("%s: apply refuses before changing anything", (_what, cmds, found) => {
  render();
  const r = applyIn(cmds.length && cmds[0].includes("dev v0") ? veth(...cmds) : cmds);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`bindAddress auto found '${found}'`);
  expect(r.stderr).toContain("refusing");
  expect(conf()).toMatch(/^bind-address = 127\.0\.0\.1$/m);
  for (const p of ["files", "secrets", "tls"]) expect(fs.existsSync(path.join(dir, p))).toBe(false);
});

test("verify resolves the same address and fails when nothing listens on it", () => {
  const r = renderMysqlHardening({ bindAddress: "auto", port: 3399 });
  fs.writeFileSync(path.join(dir, "verify.sh"), r.verify);
  const script = [
    ...veth("ip link set lo up", "ip addr add 10.77.0.5/24 dev v0", "ip route add default via 10.77.0.1 dev v0"),
    `bash ${dir}/verify.sh`,
  ].join("\n");
  const out = spawnSync("unshare", ["-n", "bash", "-c", script], {
    encoding: "utf8",
    env: { ...process.env, BULWARK_MYSQL_SOCKET: path.join(dir, "none.sock") },
  });
  expect(out.status).toBe(1);
  expect(out.stdout).toContain("FAIL bulwark listens only on the bind address: expected '10.77.0.5:3399', got ''");
});

test("explicit addresses render as before: no host-side lookup; 0.0.0.0, public and misspelt auto are refused", () => {
  const r = renderMysqlHardening({ bindAddress: "10.1.2.3" });
  expect(r.files[0].content).toMatch(/^bind-address = 10\.1\.2\.3$/m);
  expect(r.apply).toContain("BIND='10.1.2.3'");
  expect(r.apply).not.toContain("bind_auto");
  expect(r.verify).toContain(`check 'bulwark listens only on the bind address' "$BIND:3306"`);
  expect(renderMysqlHardening({ bindAddress: "fd00::5" }).verify).toContain(`"[$BIND]:3306"`);
  for (const bad of ["0.0.0.0", "8.8.8.8", "Auto", "auto "]) {
    expect(() => renderMysqlHardening({ bindAddress: bad })).toThrow(
      /bindAddress: got .*Fix: use auto \(this host's private IPv4, found at apply\)/,
    );
  }
});
