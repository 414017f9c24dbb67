// @pulumi/pulumi loads two libraries at start-up that only its closure serialisation uses (turning JS functions
// into cloud function code: `typescript` and `@npmcli/arborist`). Bulwark never serialises a closure, and they
// cost ~0.4 s of CPU per SDK load: they load on first use instead, and behave the same from then on.
const path = require("node:path");

/**
 * A module whose exports load on first use. `esModule`: answer `__esModule` without loading (so `__importStar`
 * hands the proxy through instead of copying every export at once).
 */
function lazyExports(load, { esModule = false } = {}) {
  let real;
  const target = {};
  const get = () => {
    if (real === undefined) {
      real = load();
      Object.defineProperties(target, Object.getOwnPropertyDescriptors(real));
    }
    return real;
  };
  return new Proxy(target, {
    get: (_t, key) => (esModule && key === "__esModule" && real === undefined ? true : Reflect.get(get(), key)),
    has: (_t, key) => Reflect.has(get(), key),
    set: (_t, key, value) => Reflect.set(get(), key, value),
    ownKeys: () => (get(), Reflect.ownKeys(target)),
    getOwnPropertyDescriptor: (_t, key) => (get(), Reflect.getOwnPropertyDescriptor(target, key)),
  });
}

/**
 * Installs the lazy modules in this thread's module cache, before @pulumi/pulumi is first required. `from`: the
 * folder whose @pulumi/pulumi copy is meant (the policy pack has its own).
 */
function installLazySdkDeps(from = __dirname) {
  const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [from] }));
  const Module = require("node:module");
  const lazy = (file, opts) => {
    if (require.cache[file]) return;
    const m = new Module(file, module);
    m.filename = file;
    m.paths = Module._nodeModulePaths(path.dirname(file));
    m.loaded = true;
    m.exports = lazyExports(() => {
      delete require.cache[file];
      const real = require(file);
      require.cache[file] = m;
      return real;
    }, opts);
    require.cache[file] = m;
  };
  lazy(path.join(sdk, "typescript-shim.js"));
  lazy(require.resolve("@npmcli/arborist", { paths: [sdk] }), { esModule: true });
}

module.exports = { installLazySdkDeps, lazyExports };
