// `bulwark plan` preloads this in the policy pack it starts (`node -r`), in the pack's folder: the pack's SDK copy
// loads its closure-serialisation libraries on first use (cli/lazy-sdk.js), as the plan worker's does, and its
// modules compile from the V8 code cache (cli/compile-cache.js).
const cache = require("./compile-cache.js");
cache.install("policy-pack");
require("./lazy-sdk.js").installLazySdkDeps(process.cwd());
// The pack ends on the CLI's SIGTERM (no exit event): its cache is written once its start-up code has run.
setImmediate(cache.flush);
