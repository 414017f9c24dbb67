// A V8 code cache for the CommonJS modules a Bulwark process loads (what Node 22's module.enableCompileCache does;
// Node 20 has none). Each start of the CLI, the plan worker and the pack compiled the same ~400 files (the Pulumi
// SDK, gRPC, protobuf, zod, TypeScript in the pack): a third of the pack's start-up CPU, a tenth of the example's
// plan (bench:plan prints the ratio). The data is taken after the process has run (so it holds the functions it
// compiled lazily too), keyed by the file's path and exact source. V8 checks it against its version, flags and the
// source, and compiles afresh when it does not match.
//
// Each runtime (the CLI, the plan worker, the pack) keeps one file, read once at start and written whole when it
// compiled something afresh: one file per module cost a first run more than the cache saves (~1,500 files created,
// 2 s of system time on the example's plan).
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");
const { userCacheDir, writeAtomic } = require("./user-cache.js");

const SALT = `${process.version};${process.arch}`;
/** Text that may be a call of import(): the cheap first test (jest's code cache, test/setup/runtime.js, too). */
const DYNAMIC_IMPORT = /\bimport\s*\(/;
const MAGIC = "bulwark-v8-cache 1\n";

/**
 * The file of the runtime `name` in the cache folder `dir`, for this Node and this copy of Bulwark (each checkout
 * or install keeps its own, so none grows with another's modules; an unused one goes after 30 days).
 */
function packFile(dir, name) {
  const salt = crypto.createHash("sha256").update(`${SALT}\0${__dirname}`).digest("hex").slice(0, 16);
  return path.join(dir, `${name}-${salt}.v8pack`);
}

/**
 * The entries of a pack file: filename -> { hash of its source, V8 data }. A file that is missing, unreadable or
 * not a pack gives none (its modules compile afresh and the file is written again).
 */
function readPack(file) {
  const entries = new Map();
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return entries;
  }
  try {
    const nl = buf.indexOf(10, MAGIC.length);
    if (buf.toString("latin1", 0, MAGIC.length) !== MAGIC || nl < 0) return entries;
    const index = JSON.parse(buf.toString("utf8", MAGIC.length, nl));
    let at = nl + 1;
    for (const [filename, hash, length] of index) {
      if (at + length > buf.length) return new Map();
      entries.set(filename, { hash, data: buf.subarray(at, at + length) });
      at += length;
    }
  } catch {
    return new Map();
  }
  return entries;
}

/** The bytes of a pack: the magic line, a JSON index line [[filename, hash, length], ...], then the data. */
function packBytes(entries) {
  const index = [...entries].map(([filename, e]) => [filename, e.hash, e.data.length]);
  return Buffer.concat([
    Buffer.from(`${MAGIC}${JSON.stringify(index)}\n`),
    ...[...entries.values()].map((e) => e.data),
  ]);
}

/**
 * Whether the source may call import(): the keyword followed by `(` as tokens, not as text in a string or comment
 * (TypeScript's compiler, 9 MB, only names it in messages). Once per source: its pack entry records the answer.
 * "unknown" (not recorded) while acorn itself loads, or when it cannot be loaded.
 */
let acorn;
function mayImport(content) {
  if (acorn === null) return "unknown";
  try {
    if (!acorn) {
      acorn = null;
      acorn = require("acorn");
    }
    const opts = { ecmaVersion: "latest", allowHashBang: true, allowReturnOutsideFunction: true };
    let prev;
    for (const token of acorn.tokenizer(content, opts)) {
      if (prev === acorn.tokTypes._import && token.type === acorn.tokTypes.parenL) return true;
      prev = token.type;
    }
    return false;
  } catch {
    // acorn could not load; or a source the tokenizer cannot read keeps Node's own path
    return acorn === null ? "unknown" : true;
  }
}

function makeRequire(mod) {
  const require = (id) => mod.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/** This thread's pack: its file, its entries, and the scripts compiled without usable data since the last flush. */
let pack;

/**
 * Installs the cache in this thread (each worker thread has its own module loader) for the runtime `name`, which
 * names its file: runtimes that load different modules keep different files, so none drops another's entries.
 * No-op without a cache folder.
 */
function install(name) {
  const dir = userCacheDir("v8");
  if (pack || !dir) return;
  const file = packFile(dir, name);
  pack = { file, entries: readPack(file), fresh: [] };
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename, format) {
    // ES modules (require(esm)) keep Node's own path.
    if (format === "module" || typeof content !== "string") return compile.apply(this, arguments);
    const hash = crypto.createHash("sha256").update(content).digest("base64");
    const entry = pack.entries.get(filename);
    const cachedData = entry && entry.hash === hash ? entry.data : undefined;
    // So does code that may call import(): a vm.Script's import() needs a loader Node 20 marks experimental, and
    // with cached data it has none. Its entry has no data (so it is tokenized once); a source with data was found
    // free of import() when its entry was made.
    if (cachedData && cachedData.length === 0) return compile.apply(this, arguments);
    const mayCallImport = !cachedData && DYNAMIC_IMPORT.test(content) && mayImport(content);
    if (mayCallImport) {
      if (mayCallImport === true) pack.fresh.push({ script: null, filename, hash });
      return compile.apply(this, arguments);
    }
    // A shebang line becomes a comment of the same length, so every position in stack traces stays the same.
    const source = content.startsWith("#!") ? `//${content.slice(2)}` : content;
    let script;
    try {
      script = new vm.Script(Module.wrap(source), { filename, cachedData });
    } catch {
      // Not CommonJS (ES module syntax Node detects, or an error it reports its own way): Node's path decides.
      return compile.apply(this, arguments);
    }
    if (!cachedData || script.cachedDataRejected) pack.fresh.push({ script, filename, hash });
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, makeRequire(this), this, filename, path.dirname(filename));
  };
  process.once("exit", flush);
}

/**
 * Writes the pack when scripts compiled afresh since the last flush: their data (with the functions they compiled
 * lazily; none for a module that may call import()) over the pack as it is on disk now, so a process of the same
 * runtime that wrote meanwhile (another command, with other modules) keeps its entries; entries whose file is gone
 * are dropped.
 */
function flush() {
  if (!pack || pack.fresh.length === 0) return;
  const entries = readPack(pack.file);
  for (const { script, filename, hash } of pack.fresh.splice(0)) {
    entries.set(filename, { hash, data: script ? script.createCachedData() : Buffer.alloc(0) });
  }
  for (const filename of entries.keys()) if (!fs.existsSync(filename)) entries.delete(filename);
  writeAtomic(pack.file, packBytes(entries));
  pack.entries = entries;
}

module.exports = { install, flush, packFile, readPack, packBytes, DYNAMIC_IMPORT };
