/**
 * Every suite's temporary folders go under one folder per run (TMPDIR, inherited by the workers and the programs
 * the tests start), which tmp-teardown.js removes, so a failed test cannot leave folders behind either.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

module.exports = async () => {
  const base = os.tmpdir();
  process.env.BULWARK_TMP_BASE = base;
  process.env.BULWARK_TMP_BEFORE = JSON.stringify(fs.readdirSync(base).filter((n) => n.startsWith("bulwark")));
  process.env.TMPDIR = fs.mkdtempSync(path.join(base, "bulwark-jest-"));
  // Like /tmp itself: daemons the tests start as their own users (mysqld) write their temp files here too.
  fs.chmodSync(process.env.TMPDIR, 0o1777);
};
