// `bulwark plan` preloads this in the policy pack it starts (`node -r`), in the pack's folder: the pack's SDK copy
// loads its closure-serialisation libraries on first use (cli/lazy-sdk.js), as the plan worker's does.
require("./lazy-sdk.js").installLazySdkDeps(process.cwd());
