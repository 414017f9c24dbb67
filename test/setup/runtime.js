/**
 * jest-runtime with a V8 code cache: each suite gets a fresh module registry, so a worker compiled the same Pulumi
 * SDK, zod and Bulwark modules once per suite (9 s of `compileFunction` in one profiled unit run). The first
 * compile of a module's exact source in a worker keeps V8's cached data, and later suites compile from it; V8
 * checks the data against the source and flags, and compiles afresh when it does not match.
 *
 * The module is compiled as a script (a function expression, its first line's columns shifted back) and run in the
 * suite's context, not through vm.compileFunction: in Node 20 a compileFunction that consumes cached data keeps the
 * suite's whole context alive (~5 MB per suite, and a worker's GC slowed with every suite).
 */
const vm = require("node:vm");

/**
 * filename -> the source it was compiled from and V8's data for it, or null for jest's own path (compared as
 * strings: cheaper than a hash).
 */
const cache = new Map();
const compile = vm.compileFunction;
// A script's import() has no loader under cached data in Node 20: such modules keep jest's own path.
const { DYNAMIC_IMPORT } = require("../../cli/compile-cache.js");

// jest-runtime reads vm.compileFunction at each compile; its module compiles are the calls with a parsing context.
vm.compileFunction = function (code, params, options = {}) {
  const own = !options.parsingContext || "cachedData" in options || "produceCachedData" in options;
  if (own || options.contextExtensions) return compile.call(this, code, params, options);
  const hit = cache.get(options.filename);
  const known = hit && hit.code === code ? hit : undefined;
  if (known ? known.data === null : DYNAMIC_IMPORT.test(code)) {
    if (!known) cache.set(options.filename, { code, data: null });
    return compile.call(this, code, params, options);
  }
  const data = known && known.data;
  const prefix = `(function (${params.join(", ")}) {`;
  const script = new vm.Script(`${prefix}${code}\n})`, {
    filename: options.filename,
    lineOffset: options.lineOffset ?? 0,
    columnOffset: (options.columnOffset ?? 0) - prefix.length,
    cachedData: data,
  });
  if (data && script.cachedDataRejected) cache.delete(options.filename);
  else if (!data) cache.set(options.filename, { code, data: script.createCachedData() });
  return script.runInContext(options.parsingContext);
};

module.exports = require("jest-runtime").default;
