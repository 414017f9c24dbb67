/**
 * Every suite loads its own copy of the Pulumi SDK, and each copy enables an AsyncLocalStorage that nothing
 * disables. Node 20 runs every enabled storage's hook on every promise, so a worker's later suites paid for all the
 * earlier ones (in one profiled run, 6 s of `_propagate`), and the storages kept the earlier suites' state alive.
 * The storages a suite enables are disabled when it ends.
 */
/* global afterAll */
const { AsyncLocalStorage } = require("node:async_hooks");

// The core module is shared by every suite in a worker: patch it once, and keep the list on it.
const LIST = Symbol.for("bulwark.test.enabledStorages");
if (!AsyncLocalStorage[LIST]) {
  AsyncLocalStorage[LIST] = [];
  const enable = AsyncLocalStorage.prototype._enable;
  AsyncLocalStorage.prototype._enable = function () {
    if (!this.enabled) AsyncLocalStorage[LIST].push(this);
    return enable.call(this);
  };
}

afterAll(() => {
  for (const storage of AsyncLocalStorage[LIST].splice(0)) storage.disable();
});
