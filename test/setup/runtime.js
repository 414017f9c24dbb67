/**
 * jest-runtime with a V8 code cache: each suite gets a fresh module registry, so a worker compiled the same Pulumi
 * SDK, zod and Bulwark modules once per suite (9 s of `compileFunction` in one profiled unit run). The first
 * compile of a module's exact source in a worker keeps V8's cached data, and later suites compile from it; V8
 * checks the data against the source and flags, and compiles afresh when it does not match.
 */
const vm = require("node:vm");

/** filename -> the source it was compiled from and V8's data for it (compared as strings: cheaper than a hash). */
const cache = new Map();
const compile = vm.compileFunction;
// jest-runtime reads vm.compileFunction at each compile; its module compiles are the calls with a parsing context.
vm.compileFunction = function (code, params, options = {}) {
  if (!options.parsingContext || "cachedData" in options || "produceCachedData" in options)
    return compile.call(this, code, params, options);
  const hit = cache.get(options.filename);
  const data = hit && hit.code === code ? hit.data : undefined;
  const fn = compile.call(
    this,
    code,
    params,
    data ? { ...options, cachedData: data } : { ...options, produceCachedData: true },
  );
  if (data ? fn.cachedDataRejected : !fn.cachedDataProduced) cache.delete(options.filename);
  else if (!data) cache.set(options.filename, { code, data: fn.cachedData });
  return fn;
};

module.exports = require("jest-runtime").default;
