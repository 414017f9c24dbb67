/** User data as text, and what it must not carry (credentials, SSH password authentication). Linear scans only. */
import { gunzipSync } from "zlib";
import type { Res } from "../framework";
import { COMPUTE_TYPES as T } from "../types";
import { get, isUnknown } from "../values";

/** User data as text: plain for instances, base64 for launch templates and `userDataBase64`. */
export function userDataTexts(r: Res): { text: string[]; unknown: boolean } {
  const text: string[] = [];
  let unknown = false;
  const keys =
    r.type === T.launchTemplate
      ? [["userData", true]]
      : [
          ["userData", false],
          ["userDataBase64", true],
        ];
  for (const [k, b64] of keys as [string, boolean][]) {
    const v = get(r.props, k);
    if (isUnknown(v)) unknown = true;
    if (typeof v !== "string" || isUnknown(v)) continue;
    text.push(v);
    const decoded = decodeB64(v, b64);
    if (decoded !== undefined) text.push(decoded);
  }
  return { text, unknown };
}

const decoded = [new Map<string, string | undefined>(), new Map<string, string | undefined>()];

/** Decoded once per distinct text (a fleet shares one bundle). */
function decodeB64(v: string, sure: boolean): string | undefined {
  const memo = decoded[sure ? 1 : 0];
  if (memo.has(v)) return memo.get(v);
  const d = decode(v, sure);
  if (memo.size > 256) memo.clear();
  memo.set(v, d);
  return d;
}

function decode(v: string, sure: boolean): string | undefined {
  const t = v.replace(/\s+/g, "");
  if (!t || t.length % 4 !== 0 || !/^[A-Za-z0-9+/]+=*$/.test(t)) return undefined;
  let bytes = Buffer.from(t, "base64");
  // cloud-init accepts gzip-compressed user data (Bulwark's own bundle is shipped that way).
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: 4 * 1024 * 1024 });
    } catch {
      return undefined;
    }
  }
  const s = bytes.toString("utf8");
  // Only trust a guess when the result is text.
  if (!sure && /[\u0000-\u0008\u000e-\u001f\ufffd]/.test(s)) return undefined;
  return s;
}

// References and placeholders, not secrets: variables, templates, file paths, ARNs and parameter names, URLs.
const PLACEHOLDER =
  /^(\$|<|\{\{|%\(|`|\/|~\/|\.\/|arn:|ssm:|resolve:|https?:\/\/)|^(yes|no|true|false|none|null|prompt)$/i;
const SECRET_KEY = /(password|passwd|pwd|secret|token|api[_-]?key)/i;
const KEY_CHAR = /[\w.-]/;
const MAX_LINE = 4096;

/** `key = value` / `key: value` pairs, found by one linear scan (no backtracking regex over user data). */
function assignments(line: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (let i = 0; i < line.length; i++) {
    if (line[i] !== "=" && line[i] !== ":") continue;
    let j = i - 1;
    while (j >= 0 && (line[j] === " " || line[j] === "\t")) j--;
    if (j >= 0 && (line[j] === '"' || line[j] === "'")) j--;
    let k = j;
    while (k >= 0 && j - k < 128 && KEY_CHAR.test(line[k])) k--;
    const key = line.slice(k + 1, j + 1);
    if (!key) continue;
    let v = i + 1;
    while (v < line.length && (line[v] === " " || line[v] === "\t")) v++;
    if (line[v] === '"' || line[v] === "'") v++;
    let e = v;
    while (e < line.length && e - v < 256 && !/[\s"']/.test(line[e])) e++;
    out.push({ key, value: line.slice(v, e) });
  }
  return out;
}

// A fleet repeats the same user data (the bundle) on every server: scan each distinct text once per process.
const scanned = new Map<string, string[]>();

/** Credentials written into user data (each finding names the kind, never the value). Linear in the input. */
export function credentialsIn(text: string): string[] {
  let found = scanned.get(text);
  if (!found) {
    found = scanCredentials(text);
    if (scanned.size > 256) scanned.clear();
    scanned.set(text, found);
  }
  return found;
}

function scanCredentials(text: string): string[] {
  const found = new Set<string>();
  // Inside a cloud-config `chpasswd:` block, `user:password` entries (list: | or list: [..]) set passwords.
  let chpasswd = false;
  for (let line of text.split("\n")) {
    if (line.length > MAX_LINE) line = line.slice(0, MAX_LINE);
    if (/^\s*chpasswd\s*:/.test(line)) chpasswd = true;
    else if (/^\S/.test(line)) chpasswd = false;
    if (chpasswd) {
      for (const m of line.matchAll(/(?:^|[\s[,"'])[a-z_][\w.-]{0,63}:([^\s,\]"':][^\s,\]"']{0,255})/gi)) {
        if (!/^(R|RANDOM)$/.test(m[1]) && !PLACEHOLDER.test(m[1]))
          found.add("a password in a cloud-config chpasswd list");
      }
    }
    if (/\bmysqladmin\b.*\spassword\s+["']?(?![$<{`'"])\S{4,}/.test(line)) found.add("a mysqladmin password");
    // Shell variables and command substitutions ($PW, ${PW}, $(...), `...`) are fetched at boot, not written here.
    if (/\b(AKIA|ASIA)[0-9A-Z]{16}\b/.test(line)) found.add("an AWS access key id");
    if (/aws_secret_access_key\s*[=:]\s*\S{8,}/i.test(line)) found.add("an AWS secret access key");
    if (/-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----/.test(line)) found.add("a private key");
    if (/IDENTIFIED\s+(WITH\s+\S{1,64}\s+)?BY\s+(PASSWORD\s+)?['"](?![$`])[^'"]+['"]/i.test(line))
      found.add("a SQL password (IDENTIFIED BY)");
    if (/\bmysql(admin|dump)?\s/.test(line) && /\s-p(?![\s-])(?!["']?[$`])\S+/.test(line))
      found.add("a mysql -p password");
    if (/\becho\s+["']?[\w.-]{1,64}:(?![$`])[^\s"'|]+["']?\s*\|\s*(sudo\s+)?chpasswd/.test(line))
      found.add("a user password piped to chpasswd");
    // Prose in comments ("# passwords: kept in root-only files") is not an assignment.
    if (!SECRET_KEY.test(line) || /^\s*#/.test(line)) continue;
    // ARNs (arn:aws:secretsmanager:…:secret:name) name secrets; their colons are not assignments.
    for (const { key, value } of assignments(line.replace(/\barn:aws[\w-]*:[^\s"']*/g, "arn"))) {
      if (!SECRET_KEY.test(key)) continue;
      // Names of secrets, not secrets: references (file, ARN, id...), settings (TTL, length...), and the
      // `secretsmanager:` service prefix of ARNs and IAM actions.
      if (
        /authentication$/i.test(key) ||
        /[_-](file|path|arn|id|name|ttl|ttl-seconds|seconds|timeout|length|header|url)$/i.test(key) ||
        /^secretsmanager$/i.test(key)
      )
        continue;
      if (value.length < 4 || PLACEHOLDER.test(value)) continue;
      found.add(`a value assigned to ${key.replace(/^-+/, "")}`);
    }
  }
  return [...found];
}

/**
 * SSH password authentication switched on by user data (sshd_config lines, echo/heredoc, sed replacements,
 * cloud-config).
 */
export function enablesPasswordAuth(text: string): boolean {
  if (/^\s*ssh_pwauth\s*:\s*(true|yes|1|"true"|'true')\s*$/im.test(text)) return true;
  for (let line of text.split("\n")) {
    if (!/PasswordAuthentication/i.test(line) || /^\s*#/.test(line)) continue;
    if (line.length > MAX_LINE) line = line.slice(0, MAX_LINE);
    // In `sed s/old/new/` only what is written (`new`) counts.
    const sed = line.match(/\bs([/|#,])([^\n]*?)\1([^\n]*?)\1/);
    const written = sed ? sed[3] : line;
    if (/PasswordAuthentication["']?\s+["']?yes\b/i.test(written)) return true;
  }
  return false;
}
