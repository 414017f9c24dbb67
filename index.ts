/**
 * The Bulwark estate: a head office and its branches, each a SecureNetwork with role firewalls and hardened servers,
 * plus the account-wide controls (remote access, security baseline, patching). Everything comes from the stack
 * config (components/config.ts); a bad value stops the program before any resource is declared.
 * Exported as a function so the offline plan (cli/plan-runner.ts) can run it repeatedly in one process.
 */
import { loadStackConfig } from "./components/config";
import { buildEstate } from "./components/estate";
import { buildDatabases } from "./components/database/managed-mysql";

export = async () => {
  const cfg = loadStackConfig();
  // Every server boots with the host hardening bundle for its OS and role (buildEstate's default, from `bulwark:host`).
  const estate = buildEstate(cfg);
  const databases = buildDatabases(cfg, estate);
  return { ...estate.outputs, databases: databases.outputs };
};
