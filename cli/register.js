// Loads the CLI's TypeScript through swc, with a disk cache of the transpiled files. It does what
// @swc-node/register does for tsconfig.json (same swc options, so the same code runs) without loading the
// `typescript` package that register needs to read tsconfig: 0.4 s of CPU per process (twice per `bulwark plan`).
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { addHook } = require("pirates");
const { userCacheDir, writeAtomic } = require("./user-cache.js");

// swc itself (a 10 MB native module) loads only when a file is not in the cache yet.
const transformSync = (...args) => require("@swc-node/core").transformSync(...args);

// tsconfig.json's compilerOptions as @swc-node/register converts them (ES2022, CommonJS, esModuleInterop, no maps).
const options = () => ({
  module: "commonjs",
  target: "es2022",
  jsx: false,
  sourcemap: false,
  experimentalDecorators: false,
  emitDecoratorMetadata: false,
  useDefineForClassFields: true,
  esModuleInterop: true,
  dynamicImport: true,
  keepClassNames: true,
  externalHelpers: false,
  paths: {},
  ignoreDynamic: false,
  swc: {},
});

const version = (pkg) => require(`${pkg}/package.json`).version;
const SALT = `${version("@swc/core")};${version("@swc-node/core")};${JSON.stringify(options())}`;

function compile(source, filename) {
  const dir = userCacheDir("swc");
  if (!dir) return transformSync(source, filename, options()).code;
  const key = crypto.createHash("sha256").update(`${SALT}\0${filename}\0${source}`).digest("hex");
  const file = path.join(dir, `${key}.js`);
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    // not cached yet
  }
  const { code } = transformSync(source, filename, options());
  writeAtomic(file, code);
  return code;
}

let registered = false;
/**
 * Installs the hook and the V8 code cache once per thread (bin/bulwark and the plan worker each call it); `name`
 * names the thread's code cache file.
 */
function register(name) {
  if (registered) return;
  registered = true;
  require("./compile-cache.js").install(name);
  addHook(compile, { exts: [".ts"], ignoreNodeModules: true });
}

module.exports = { register, compile };
