/**
 * The offline plan's config, read and validated without the Pulumi SDK: the CLI's plan worker answers a bad config
 * (and starts the pack on a good one) before it loads the SDK.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, PROJECT, parseStackConfig } from "../components/config";
import { MAX_PLAN_SERVERS, PlanTooBigError, tooBigMessage } from "./plan-limits";
import { stackAdminCidrs } from "./report/stack-admin-cidrs";
import { readStackFile, REPO_ROOT } from "./stack-file";

export interface PlanConfigOptions {
  stack?: string;
  configFile?: string;
  config?: Record<string, unknown>;
  secretKeys?: string[];
}

export interface ValidatedPlanConfig {
  stack: string;
  /** Project defaults merged under the stack's values, keys in `project:key` form. */
  config: Record<string, unknown>;
  secretKeys: string[];
  servers: number;
  /** The stack's private admin ranges, for the pack's adminCidrs (report/stack-admin-cidrs.ts). */
  adminCidrs: string[];
}

/** Project-level defaults declared in Pulumi.yaml (`config: {bulwark:x: {default: ...}}`), merged as the engine does */
function projectDefaults(): Record<string, unknown> {
  const file = path.join(REPO_ROOT, "Pulumi.yaml");
  if (!fs.existsSync(file)) return {};
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const out: Record<string, unknown> = {};
  for (const [key, decl] of Object.entries(doc?.config ?? {})) {
    const full = key.includes(":") ? key : `${PROJECT}:${key}`;
    if (decl && typeof decl === "object" && !Array.isArray(decl)) {
      const d = decl as Record<string, unknown>;
      if ("default" in d) out[full] = d.default;
      else if ("value" in d) out[full] = d.value;
    } else if (decl !== undefined) {
      out[full] = decl;
    }
  }
  return out;
}

/** Reads the stack's config and validates it. Throws ConfigError, or PlanTooBigError past MAX_PLAN_SERVERS. */
export function validatePlanConfig(opts: PlanConfigOptions): ValidatedPlanConfig {
  const stack = opts.stack ?? "prod";
  let config: Record<string, unknown>;
  let secretKeys: string[];
  if (opts.config) {
    config = {};
    for (const [k, v] of Object.entries(opts.config)) config[k.includes(":") ? k : `${PROJECT}:${k}`] = v;
    secretKeys = opts.secretKeys ?? [];
  } else {
    const file = opts.configFile ?? path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
      throw new ConfigError([
        {
          path: file,
          value: "no such file",
          problem: `stack "${stack}" has no config file`,
          fix: `create ${path.basename(file)} or pass --stack with an existing stack`,
        },
      ]);
    }
    ({ config, secretKeys } = readStackFile(file));
  }
  config = { ...projectDefaults(), ...config };
  // Validate first: a bad config creates nothing; nor does an estate too big to plan.
  const parsed = parseStackConfig(config, { secretKeys });
  const servers = parsed.sites.reduce((n, s) => n + s.servers.length, 0);
  if (servers > MAX_PLAN_SERVERS) throw new PlanTooBigError(tooBigMessage(servers));
  return { stack, config, secretKeys, servers, adminCidrs: stackAdminCidrs(parsed.adminAccess) };
}
