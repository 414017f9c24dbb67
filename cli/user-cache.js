// The user's own cache folders (~/.cache/bulwark/<name>), never the shared temp folder, where another user could
// plant code: the swc transpile cache (register.js) and the V8 code cache (compile-cache.js) both hold code to run.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "bulwark");
/** Entries neither read nor written for this long go when new ones are written (every upgrade adds a set). */
const STALE_MS = 30 * 24 * 3600 * 1000;
const checked = new Map();
const pruned = new Set();

/** `~/.cache/bulwark/<name>` when it is ours alone (a folder, ours, no group or other access), else undefined. */
function userCacheDir(name) {
  if (!checked.has(name)) {
    const dir = path.join(ROOT, name);
    let ok;
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const st = fs.statSync(dir);
      ok = st.isDirectory() && (st.mode & 0o077) === 0 && (!process.getuid || st.uid === process.getuid());
    } catch {
      ok = false;
    }
    checked.set(name, ok ? dir : undefined);
  }
  return checked.get(name);
}

/**
 * Writes `file` whole or not at all (a reader in another process never sees half of it), and, the first time a
 * process writes in its folder, removes the entries there not used for 30 days (reads keep the access time fresh:
 * relatime updates it daily). Failures are ignored: a cache that cannot be written only costs the next start its work.
 */
function writeAtomic(file, data) {
  const dir = path.dirname(file);
  try {
    const tmp = `${file}.${process.pid}.${Math.random().toString(16).slice(2)}`;
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    return;
  }
  if (pruned.has(dir)) return;
  pruned.add(dir);
  const before = Date.now() - STALE_MS;
  try {
    for (const name of fs.readdirSync(dir)) {
      try {
        const st = fs.statSync(path.join(dir, name));
        if (st.atimeMs < before && st.mtimeMs < before) fs.unlinkSync(path.join(dir, name));
      } catch {
        // gone already (another process pruned it)
      }
    }
  } catch {
    // an unreadable folder is pruned another time
  }
}

module.exports = { userCacheDir, writeAtomic };
