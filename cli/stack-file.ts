/**
 * A stack file (`Pulumi.<stack>.yaml`) read as the engine would hand its config over, without the Pulumi SDK: the
 * CLI's main thread reads it (`bulwark plan`'s admin ranges, `host verify --stack`) while the plan runs elsewhere.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, PROJECT } from "../components/config";

export const REPO_ROOT = path.resolve(__dirname, "..");

/** Reads a stack file's `config:` map, replacing `{secure: ...}` leaves (undecryptable offline) with a placeholder. */
export function readStackFile(file: string): { config: Record<string, unknown>; secretKeys: string[] } {
  let doc: unknown;
  try {
    doc = YAML.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError([
      {
        path: file,
        value: "unreadable YAML",
        problem: (e as Error).message.split("\n")[0],
        fix: "fix the YAML syntax",
      },
    ]);
  }
  const cfg = (doc && typeof doc === "object" ? (doc as { config?: unknown }).config : undefined) ?? {};
  if (typeof cfg !== "object" || Array.isArray(cfg)) {
    throw new ConfigError([
      {
        path: `${file}: config`,
        value: JSON.stringify(cfg),
        problem: "not a map",
        fix: "write config: as key: value pairs",
      },
    ]);
  }
  const secretKeys: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cfg as Record<string, unknown>)) {
    const full = key.includes(":") ? key : `${PROJECT}:${key}`;
    const { value: v, secret } = stripSecure(value);
    if (secret) secretKeys.push(full);
    config[full] = v;
  }
  return { config, secretKeys };
}

function stripSecure(value: unknown): { value: unknown; secret: boolean } {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    if (Object.keys(obj).length === 1 && typeof obj.secure === "string")
      return { value: "offline-secret-placeholder", secret: true };
    let secret = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const r = stripSecure(v);
      secret ||= r.secret;
      out[k] = r.value;
    }
    return { value: out, secret };
  }
  if (Array.isArray(value)) {
    let secret = false;
    const out = value.map((v) => {
      const r = stripSecure(v);
      secret ||= r.secret;
      return r.value;
    });
    return { value: out, secret };
  }
  return { value, secret: false };
}
