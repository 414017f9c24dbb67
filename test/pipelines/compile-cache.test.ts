/**
 * cli/compile-cache.js, the V8 code cache of the CLI's processes: a module runs the same from cold data, warm data,
 * corrupt data and none; the data sits in one file per runtime in the user's own folder (0700, files 0600) and is
 * refused in a shared one; two processes of one runtime that overlap both keep their modules in it.
 * The plan's worker thread and its pack write theirs too: examples.test.ts checks that on the example's plan.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const INSTALL = path.join(__dirname, "..", "..", "cli", "compile-cache.js");
const { packBytes, packFile, readPack } = require(INSTALL) as typeof import("../../cli/compile-cache");

/** Modules that use what Node's own loader gives a CommonJS module, and print it. */
const FIXTURE: Record<string, string> = {
  "main.js": [
    "#!/usr/bin/env node",
    'const path = require("path");',
    'const a = require("./lib/a.js");',
    "const facts = {",
    "  a: a.value,",
    '  resolved: require.resolve("./lib/a.js") === path.join(__dirname, "lib", "a.js"),',
    '  paths: require.resolve.paths("x").includes(path.join(__dirname, "node_modules")),',
    "  main: require.main === module,",
    "  cached: require.cache[__filename] === module,",
    '  ext: typeof require.extensions[".js"],',
    "  file: path.basename(__filename),",
    "  self: this === module.exports,",
    "};",
    "console.log(JSON.stringify(facts));",
    "try {",
    "  a.boom();",
    "} catch (e) {",
    '  console.log(e.stack.split("\\n")[1].replace(__dirname, "."));',
    "}",
    'console.log(require("./lib/names.js"));',
    'require("./lib/esm.js")().then((m) => console.log("esm", m.x));',
  ].join("\n"),
  "lib/a.js": [
    'const path = require("path");',
    "exports.value = path.basename(__dirname);",
    "exports.boom = () => {",
    '  throw new Error("boom");',
    "};",
  ].join("\n"),
  "lib/esm.js": 'module.exports = () => import("./m.mjs");\n',
  // Names import() only in a string, a template and a comment, as TypeScript's compiler does.
  "lib/names.js": 'module.exports = "use import(x)" + `, not import(y)`; // import("z")\n',
  // A second program of the same runtime: it says "ready", then waits (deadline 20 s) for a file named go.
  "other.js": [
    'const fs = require("fs");',
    'console.log(require("./lib/b.js"), "ready");',
    "const until = Date.now() + 20000;",
    "const tick = new Int32Array(new SharedArrayBuffer(4));",
    "while (!fs.existsSync(`${__dirname}/go`) && Date.now() < until) Atomics.wait(tick, 0, 0, 20);",
  ].join("\n"),
  "lib/b.js": 'module.exports = "b";\n',
  "lib/m.mjs": "export const x = 42;\n",
};

function fixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-cc-"));
  for (const [rel, text] of Object.entries(FIXTURE)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  fs.writeFileSync(path.join(dir, "install.js"), `require(${JSON.stringify(INSTALL)}).install("fixture");\n`);
  return dir;
}

/** Runs the fixture with the cache installed (`-r`) in `cacheHome`, or with Node's own loader alone. */
function runFixture(dir: string, cacheHome?: string): { out: string; code: number | null } {
  const args = cacheHome ? ["-r", path.join(dir, "install.js"), "main.js"] : ["main.js"];
  const r = spawnSync(process.execPath, args, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, XDG_CACHE_HOME: cacheHome ?? path.join(dir, "unused") },
  });
  return { out: r.stdout + r.stderr, code: r.status };
}

const files = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d).map((f) => path.join(d, f)) : []);
const tmps: string[] = [];
afterAll(() => tmps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

test("a module runs the same from no cache, cold data, warm data and corrupt data", () => {
  const dir = fixture();
  const home = path.join(dir, "cache");
  tmps.push(dir);
  const plain = runFixture(dir);
  expect(plain.code).toBe(0);
  expect(plain.out).toContain('"a":"lib"');
  expect(plain.out).toMatch(/at Object.exports.boom \(\.\/lib\/a\.js:4:9\)|at exports\.boom \(\.\/lib\/a\.js:4:9\)/);
  expect(plain.out).toContain("esm 42");
  expect(plain.out).toContain("use import(x), not import(y)");

  const cold = runFixture(dir, home);
  expect(cold).toEqual(plain);
  const v8 = path.join(home, "bulwark", "v8");
  const pack = packFile(v8, "fixture");
  expect(files(v8)).toEqual([pack]);
  // esm.js calls import(), so Node compiles it: its entry has no data, only the answer; names.js only names it;
  // the .mjs is an ES module.
  const sizes = [...readPack(pack)].map(([f, e]) => [path.relative(dir, f), e.data.length > 0]).sort();
  expect(sizes).toEqual([
    ["lib/a.js", true],
    ["lib/esm.js", false],
    ["lib/names.js", true],
    ["main.js", true],
  ]);
  expect(fs.statSync(v8).mode & 0o777).toBe(0o700);
  expect(fs.statSync(pack).mode & 0o777).toBe(0o600);

  const before = fs.readFileSync(pack);
  expect(runFixture(dir, home)).toEqual(plain);
  // Warm: the data was accepted, so nothing was written again.
  expect(fs.readFileSync(pack)).toEqual(before);

  // Corrupt data under a valid index (V8 refuses it), then a file that is no pack at all: each time the modules
  // compile afresh, the pack is written again, and its data is taken next time.
  const entries = readPack(pack);
  for (const e of entries.values()) e.data.fill(7);
  for (const bad of [packBytes(entries), Buffer.from("not V8 data")]) {
    fs.writeFileSync(pack, bad);
    expect(runFixture(dir, home)).toEqual(plain);
    const rewritten = fs.readFileSync(pack);
    expect(rewritten.equals(bad)).toBe(false);
    expect(readPack(pack).size).toBe(4);
    expect(runFixture(dir, home)).toEqual(plain);
    expect(fs.readFileSync(pack)).toEqual(rewritten);
  }
});

test("two processes of one runtime that overlap both keep their modules", async () => {
  const dir = fixture();
  tmps.push(dir);
  const home = path.join(dir, "cache");
  const other = spawn(process.execPath, ["-r", path.join(dir, "install.js"), "other.js"], {
    cwd: dir,
    env: { ...process.env, XDG_CACHE_HOME: home },
  });
  let out = "";
  const done = new Promise<number | null>((resolve) => other.on("close", resolve));
  // other.js has read the (empty) pack and compiled its modules; main.js then runs to its end and writes first.
  await new Promise<void>((resolve, reject) => {
    other.stdout.on("data", (b) => (out += b) && out.includes("ready") && resolve());
    void done.then(() => reject(new Error(`other.js ended before it was ready: ${out}`)));
  });
  expect(runFixture(dir, home).code).toBe(0);
  fs.writeFileSync(path.join(dir, "go"), "");
  expect(await done).toBe(0);
  const pack = readPack(packFile(path.join(home, "bulwark", "v8"), "fixture"));
  expect([...pack.keys()].map((f) => path.relative(dir, f)).sort()).toEqual([
    "lib/a.js",
    "lib/b.js",
    "lib/esm.js",
    "lib/names.js",
    "main.js",
    "other.js",
  ]);
});

test("a cache folder others can write is not used: nothing is read or written there", () => {
  const dir = fixture();
  tmps.push(dir);
  const v8 = path.join(dir, "cache", "bulwark", "v8");
  fs.mkdirSync(v8, { recursive: true });
  fs.chmodSync(v8, 0o777);
  expect(runFixture(dir, path.join(dir, "cache"))).toEqual(runFixture(dir));
  expect(files(v8)).toEqual([]);
});

test("entries unused for 30 days go when a process writes new ones; recent ones stay", () => {
  const dir = fixture();
  tmps.push(dir);
  const v8 = path.join(dir, "cache", "bulwark", "v8");
  fs.mkdirSync(v8, { recursive: true, mode: 0o700 });
  const [stale, recent] = [path.join(v8, "stale.v8"), path.join(v8, "recent.v8")];
  fs.writeFileSync(stale, "old data");
  fs.writeFileSync(recent, "data read last week");
  const days = (n: number) => new Date(Date.now() - n * 24 * 3600 * 1000);
  fs.utimesSync(stale, days(31), days(40));
  fs.utimesSync(recent, days(7), days(40));
  expect(runFixture(dir, path.join(dir, "cache"))).toEqual(runFixture(dir));
  expect(fs.existsSync(stale)).toBe(false);
  expect(fs.existsSync(recent)).toBe(true);
  // The fixture's pack was written beside the one kept.
  expect(files(v8).sort()).toEqual([recent, packFile(v8, "fixture")].sort());
});
