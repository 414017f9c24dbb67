/** Removes the run's temporary folder and names any `bulwark*` entry a test left in the system temp folder. */
const fs = require("node:fs");

module.exports = async () => {
  const base = process.env.BULWARK_TMP_BASE;
  const run = process.env.TMPDIR;
  if (!base || !run) return;
  fs.rmSync(run, { recursive: true, force: true });
  const before = new Set(JSON.parse(process.env.BULWARK_TMP_BEFORE || "[]"));
  const left = fs
    .readdirSync(base)
    // Another jest run's own folder (runs side by side) is not this run's leftover.
    .filter((n) => n.startsWith("bulwark") && !before.has(n) && n !== "bulwark-host-test" && !/^bulwark-jest-/.test(n));
  if (left.length > 0) {
    const msg = `tests left temporary entries in ${base}: ${left.join(", ")}`;
    if (process.env.CI) throw new Error(msg);
    console.warn(msg);
  }
};
