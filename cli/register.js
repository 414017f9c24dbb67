// Loads the CLI's TypeScript through swc, with a disk cache of the transpiled files. It does what
// @swc-node/register does for tsconfig.json (same swc options, so the same code runs) without loading the
// `typescript` package that register needs to read tsconfig: 0.4 s of CPU per process (twice per `bulwark plan`).
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { addHook } = require("pirates");

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
// The user's own cache folder (not the shared temp folder, where another user could plant code).
const CACHE = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "bulwark", "swc");

/** The cache folder when it is ours alone, else none (every start transpiles). */
let cacheOk;
function cacheDir() {
  if (cacheOk === undefined) {
    try {
      fs.mkdirSync(CACHE, { recursive: true, mode: 0o700 });
      const st = fs.statSync(CACHE);
      cacheOk = st.isDirectory() && (st.mode & 0o077) === 0 && (!process.getuid || st.uid === process.getuid());
    } catch {
      cacheOk = false;
    }
  }
  return cacheOk ? CACHE : undefined;
}

function compile(source, filename) {
  const dir = cacheDir();
  if (!dir) return transformSync(source, filename, options()).code;
  const key = crypto.createHash("sha256").update(`${SALT}\0${filename}\0${source}`).digest("hex");
  const file = path.join(dir, `${key}.js`);
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    // not cached yet
  }
  const { code } = transformSync(source, filename, options());
  try {
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
    fs.writeFileSync(tmp, code, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    // a cache that cannot be written only costs the next start its transpile
  }
  return code;
}

let registered = false;
/** Installs the hook once per thread (bin/bulwark and the plan worker each call it). */
function register() {
  if (registered) return;
  registered = true;
  addHook(compile, { exts: [".ts"], ignoreNodeModules: true });
}

module.exports = { register, compile };
