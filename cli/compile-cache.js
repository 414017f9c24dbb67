// A V8 code cache for the CommonJS modules a Bulwark process loads (what Node 22's module.enableCompileCache does;
// Node 20 has none). Each start of the CLI, the plan worker and the pack compiled the same ~400 files (the Pulumi
// SDK, gRPC, protobuf, zod, TypeScript in the pack): a third of the pack's start-up CPU, a tenth of the example's
// plan (bench:plan prints the ratio). The data is taken after the process has run (so it holds the functions it
// compiled lazily too), keyed by the file's path and exact source, and kept in the user's own cache folder. V8
// checks it against its version, flags and the source, and compiles afresh when it does not match.
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");
const { entryPath, userCacheDir, writeAtomic } = require("./user-cache.js");

const SALT = `${process.version};${process.arch}`;
const DYNAMIC_IMPORT = /\bimport\s*\(/;
/** Scripts compiled without usable data, with the file their data goes to. */
const fresh = [];

function makeRequire(mod) {
  const require = (id) => mod.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/** Where the data for this exact source of `filename` is kept. */
function cacheFile(dir, filename, content) {
  return entryPath(dir, SALT, filename, content, ".v8");
}

let installed = false;
/** Installs the cache in this thread (each worker thread has its own module loader). No-op without a cache folder. */
function install() {
  const dir = userCacheDir("v8");
  if (installed || !dir) return;
  installed = true;
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename, format) {
    // ES modules (require(esm)) and code that may call import() keep Node's own path: a vm.Script's import()
    // needs a loader that Node 20 marks experimental (a warning on stderr).
    if (format === "module" || typeof content !== "string" || DYNAMIC_IMPORT.test(content)) {
      return compile.apply(this, arguments);
    }
    const file = cacheFile(dir, filename, content);
    let cachedData;
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      // not cached yet
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
    if (!cachedData || script.cachedDataRejected) fresh.push({ script, file });
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, makeRequire(this), this, filename, path.dirname(filename));
  };
  process.once("exit", flush);
}

/** Writes the data of every script compiled afresh since the last flush (their lazily compiled functions too). */
function flush() {
  for (const { script, file } of fresh.splice(0)) writeAtomic(file, script.createCachedData());
}

module.exports = { install, flush, cacheFile };
