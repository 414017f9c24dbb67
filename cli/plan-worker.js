// Runs one offline plan inside a worker thread (cli/plan-isolated.ts): the plan's heap is capped and freed when
// the worker ends. Plain JS so it needs no loader to start; it registers swc for the TypeScript it requires.
const { parentPort, workerData } = require("node:worker_threads");
require("./register.js").register("plan-worker");
require("./lazy-sdk.js").installLazySdkDeps();
const { ConfigError } = require("../components/config.ts");
const { PlanTooBigError } = require("./plan-limits.ts");
const { validatePlanConfig } = require("./plan-config.ts");

const fail = (err) =>
  parentPort.postMessage(
    err instanceof ConfigError
      ? { ok: false, config: err.issues }
      : err instanceof PlanTooBigError
        ? { ok: false, tooBig: true, message: err.message }
        : { ok: false, message: err && err.message ? err.message : String(err), stack: err && err.stack },
  );

// The config is validated before the Pulumi SDK loads: a bad config is answered at once, and on a good one the CLI
// starts the pack while the SDK loads. The server count goes first: an out-of-memory end of this worker is reported
// with the estate's size.
let validated;
try {
  validated = validatePlanConfig(workerData);
} catch (err) {
  fail(err);
}
if (validated) {
  parentPort.postMessage({ servers: validated.servers });
  const { runPlan } = require("./plan-runner.ts");
  // The code cache is written before the answer: the CLI ends this thread as soon as it has it.
  const answer = (result) => (require("./compile-cache.js").flush(), parentPort.postMessage({ ok: true, result }));
  runPlan({ ...workerData, validated }).then(answer, fail);
}
