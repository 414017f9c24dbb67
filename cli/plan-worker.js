// Runs one offline plan inside a worker thread (cli/plan-isolated.ts): the plan's heap is capped and freed when
// the worker ends. Plain JS so it needs no loader to start; it registers swc for the TypeScript it requires.
const { parentPort, workerData } = require("node:worker_threads");
require("./register.js").register();
require("./lazy-sdk.js").installLazySdkDeps();
const { runPlan } = require("./plan-runner.ts");
const { ConfigError } = require("../components/config.ts");
const { PlanTooBigError } = require("./plan-limits.ts");

// The server count goes first: an out-of-memory end of this worker is reported with the estate's size.
runPlan({ ...workerData, onValidated: (servers) => parentPort.postMessage({ servers }) }).then(
  (result) => parentPort.postMessage({ ok: true, result }),
  (err) =>
    parentPort.postMessage(
      err instanceof ConfigError
        ? { ok: false, config: err.issues }
        : err instanceof PlanTooBigError
          ? { ok: false, tooBig: true, message: err.message }
          : { ok: false, message: err && err.message ? err.message : String(err), stack: err && err.stack },
    ),
);
