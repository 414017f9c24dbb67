/**
 * One redaction model for every output of `check`, `drift` and `plan`: no value of a credential-named property
 * (password, secret, token, private key, ...; any case, marked secret or not), no secret's plaintext, no
 * ciphertext, and nothing the pack's credential detector flags reaches stdout or a report file.
 *
 * Three layers: structural (reports mask values under credential-named keys), then a scrub of the rendered text
 * for every credential value seen in the input (the same password may sit in another property), then a line
 * pass with the pack's own detector (policies/src/lib/userdata.ts `credentialsIn`).
 */
import { credentialsIn, userDataTexts } from "../policies/src/lib/userdata";
import type { Res } from "../policies/src/framework";
import { maskCiphertext } from "../components/errors";
import { SECRET_SIG, SIG_KEY } from "../policies/src/values";

export const REDACTED = "[secret]";

/** Words of a property name: `masterUserPassword` -> master, user, password; `private_key` -> private, key. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Last words that name a reference or a setting of a credential, not the credential (secretArn, passwordLength). */
const NOT_A_VALUE = new Set([
  "arn",
  "arns",
  "id",
  "ids",
  "name",
  "names",
  "length",
  "ttl",
  "timeout",
  "age",
  "days",
  "policy",
  "rotation",
  "version",
  "stage",
  "type",
  "required",
  "enabled",
  "parameter",
  "path",
  "file",
  "reuse",
  "prevention",
]);

/** Is this property name a credential (any case, any spelling: camelCase, snake_case, kebab-case)? */
export function isCredentialKey(key: string): boolean {
  let r = keyCache.get(key);
  if (r === undefined) {
    r = credentialKey(key);
    if (keyCache.size > 100000) keyCache.clear();
    keyCache.set(key, r);
  }
  return r;
}
const keyCache = new Map<string, boolean>();

function credentialKey(key: string): boolean {
  const w = words(key);
  if (w.length === 0 || NOT_A_VALUE.has(w[w.length - 1])) return false;
  for (let i = 0; i < w.length; i++) {
    const x = w[i];
    if (/^(password|passwd|passphrase|pwd|secret|secrets|token|credential|credentials|apikey|privatekey)$/.test(x))
      return true;
    if (x === "key" && i > 0 && /^(private|api|access|secret|signing)$/.test(w[i - 1])) return true;
  }
  return /password|passwd|privatekey|secretkey|apikey/i.test(key.replace(/[^A-Za-z]/g, ""));
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A copy of `v` with every non-boolean leaf under a credential-named key replaced by REDACTED. */
export function maskCredentials<T>(v: T, underCredential = false): T {
  if (Array.isArray(v)) return v.map((x) => maskCredentials(x, underCredential)) as T;
  if (isObj(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = maskCredentials(x, underCredential || isCredentialKey(k));
    return out as T;
  }
  if (underCredential && (typeof v === "string" || typeof v === "number") && v !== "") return REDACTED as T;
  return v;
}

/** A drift/diff path (`tags.Name`, `masterUserSettings.masterUserPassword`) that passes through a credential key. */
export function isCredentialPath(path: string): boolean {
  return path.split(/[.[\]"]+/).some((seg) => seg !== "" && isCredentialKey(seg));
}

/**
 * Collects the values that must never be printed from raw property maps (as the CLI wrote them): leaves under
 * credential-named keys, and the plaintext of secrets (`--show-secrets`), JSON-decoded.
 */
export class SecretValues {
  private readonly values = new Set<string>();

  add(v: string): void {
    // Short values ("1", "no") would scrub ordinary text; a credential is longer.
    if (v.length >= 4 && v !== REDACTED) this.values.add(v);
  }

  collect(props: unknown, underCredential = false): this {
    const walk = (v: unknown, under: boolean, depth: number): void => {
      if (depth > 256) return;
      if (Array.isArray(v)) for (const x of v) walk(x, under, depth + 1);
      else if (isObj(v)) {
        if (v[SIG_KEY] === SECRET_SIG) {
          for (const k of ["plaintext", "ciphertext", "value"]) {
            const p = v[k];
            if (typeof p !== "string") continue;
            this.add(p);
            try {
              walk(JSON.parse(p), true, depth + 1);
            } catch {
              // not JSON: the raw string is already kept
            }
          }
          return;
        }
        for (const [k, x] of Object.entries(v)) walk(x, under || isCredentialKey(k), depth + 1);
      } else if (under && (typeof v === "string" || typeof v === "number")) this.add(String(v));
    };
    walk(props, underCredential, 0);
    return this;
  }

  get size(): number {
    return this.values.size;
  }

  /** Replaces every occurrence of a collected value (raw or JSON-escaped) in `text`. */
  scrub(text: string): string {
    if (this.values.size === 0) return text;
    const forms = new Set<string>();
    for (const v of this.values) {
      forms.add(v);
      forms.add(JSON.stringify(v).slice(1, -1));
    }
    const sorted = [...forms].filter((f) => f.length >= 4).sort((a, b) => b.length - a.length);
    const re = new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
    return text.replace(re, REDACTED);
  }
}

// Assignment shapes the detector looks for, so a flagged line keeps its key and loses only the value.
const ASSIGNMENT = new RegExp(
  /((?:password|passwd|pwd|secret|token|api[_-]?key|aws_secret_access_key)[\w.-]*["']?\s*[=:]\s*["']?)/.source +
    /(?!(?:true|false|null|-?\d+(?:\.\d+)?)(?:[\s,}\]]|$))([^\s"'\\,}]{4,})/.source,
  "gi",
);
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]{0,40}PRIVATE KEY-----|$)/g;
const ACCESS_KEY_ID = /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g;

/**
 * A line without what the detector misreads as assignments: URNs and type tokens
 * (`random:index/randomPassword:RandomPassword`) and JSON literals (`"manageMasterUserPassword": true,`).
 * None is a credential, and rewriting them would corrupt the output.
 */
function benign(line: string): string {
  return line
    .replace(/urn:pulumi:[^"\s]*/g, "urn")
    .replace(/\b[a-z][\w-]*:[\w/.-]*:[A-Z]\w*/g, "type")
    .replace(/([=:]\s*)(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)(?=\s*[,}\]]|\s*$)/g, "$1");
}

/** The pack's detector on each output line: a flagged line loses the values, or, if still flagged, its content. */
export function redactFlaggedLines(text: string): string {
  let out = text.replace(PRIVATE_KEY_BLOCK, "[private key]").replace(ACCESS_KEY_ID, "[access key id]");
  if (credentialsIn(out).length === 0) return maskCiphertext(out);
  out = out
    .split("\n")
    .map((line) => {
      if (credentialsIn(line).length === 0) return line;
      // A JSON member is judged by its value alone (the key was judged structurally): the detector reads
      // `"httpTokens": "required"` as a token assignment, which it is not.
      const m = /^(\s*"(?:[^"\\]|\\.)*":\s*)("(?:[^"\\]|\\.)*"|[^"\s][^,]*?)(,?)\s*$/.exec(line);
      if (m) {
        let value: unknown;
        try {
          value = JSON.parse(m[2]);
        } catch {
          value = undefined;
        }
        if (typeof value !== "string" || credentialsIn(benign(value)).length === 0) return line;
        const fixedValue = value.replace(ASSIGNMENT, "$1<secret>");
        const shown = credentialsIn(benign(fixedValue)).length === 0 ? fixedValue : REDACTED;
        return `${m[1]}${JSON.stringify(shown)}${m[3]}`;
      }
      if (credentialsIn(benign(line)).length === 0) return line;
      // "<secret>": the detector reads a value starting with "<" as a placeholder, so a fixed line passes it.
      let fixed = line.replace(ASSIGNMENT, "$1<secret>");
      if (credentialsIn(fixed).length === 0) return fixed;
      // JSON output: a flagged string literal becomes "[secret]", so the document stays valid JSON.
      fixed = fixed.replace(/"(?:[^"\\]|\\.)*"/g, (lit) => {
        let s: string;
        try {
          s = JSON.parse(lit) as string;
        } catch {
          return lit;
        }
        return credentialsIn(s).length > 0 ? JSON.stringify(REDACTED) : lit;
      });
      if (credentialsIn(fixed).length === 0) return fixed;
      // A JSON member keeps its shape: the key stays, the value goes.
      const member = /^(\s*"(?:[^"\\]|\\.)*":\s*).*?(,?)\s*$/.exec(line);
      if (member) return `${member[1]}${JSON.stringify(REDACTED)}${member[2]}`;
      const indent = /^\s*/.exec(line)![0];
      return `${indent}[line withheld: it carries ${credentialsIn(line).join(", ")}]`;
    })
    .join("\n");
  return maskCiphertext(out);
}

/** Everything a report prints goes through this last. */
export function redactOutput(text: string, secrets?: SecretValues): string {
  return redactFlaggedLines(secrets ? secrets.scrub(text) : text);
}

/** Does this resource's user data carry credentials by the pack's detector? (decoded as the pack decodes it) */
export function userDataHasCredentials(type: string, props: Record<string, unknown>): boolean {
  const key = `${type}\u0000${String(props.userData ?? "")}\u0000${String(props.userDataBase64 ?? "")}`;
  const hit = udCache.get(key);
  if (hit !== undefined) return hit;
  const { text } = userDataTexts({ type, props } as unknown as Res);
  const found = text.some((t) => credentialsIn(t).length > 0);
  if (udCache.size > 1000) udCache.clear();
  udCache.set(key, found);
  return found;
}
const udCache = new Map<string, boolean>();
