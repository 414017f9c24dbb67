/**
 * Admin SSH public keys, parsed (sshpk) rather than matched: the body must decode to the key type the line names,
 * RSA must be at least SSH_CRYPTO.rsaMinBits, DSA is refused. sshpk does not know the FIDO (sk-) types, so those are
 * decoded here from the SSH wire format (RFC 4253 strings) and checked field by field.
 */
import * as sshpk from "sshpk";
import { SSH_CRYPTO } from "./host-controls";

const ALLOWED = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "ssh-rsa",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
];
const FIX = "paste one OpenSSH public key line, e.g. 'ssh-ed25519 AAAA... user@host'";

/** The SSH wire strings of a key body, or null when it does not split exactly into strings. */
function wireStrings(body: Buffer): Buffer[] | null {
  const out: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    if (at + 4 > body.length) return null;
    const n = body.readUInt32BE(at);
    if (at + 4 + n > body.length) return null;
    out.push(body.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

/** A FIDO key: type, (curve, point | 32-byte key), application. */
function skProblem(type: string, parts: Buffer[]): string | undefined {
  const ok = type.startsWith("sk-ssh-ed25519")
    ? parts.length === 3 && parts[1].length === 32 && parts[2].length > 0
    : parts.length === 4 &&
      parts[1].toString() === "nistp256" &&
      parts[2].length === 65 &&
      parts[2][0] === 4 &&
      parts[3].length > 0;
  return ok ? undefined : `the key body does not decode to a ${type} key; ${FIX}`;
}

/** Why an admin key line is refused, or undefined when it is acceptable. */
export function adminKeyProblem(line: string): string | undefined {
  const m = /^(\S+) ([A-Za-z0-9+/]+={0,3})( [^\r\n]*)?$/.exec(line);
  if (!m) return FIX;
  const [, type, b64] = m;
  if (type === "ssh-dss")
    return "DSA keys are refused (1024-bit, removed from OpenSSH); generate an Ed25519 key: ssh-keygen -t ed25519";
  if (!ALLOWED.includes(type)) return `${type} is not an accepted key type (use ${ALLOWED.join(", ")}); ${FIX}`;
  const body = Buffer.from(b64, "base64");
  const parts = wireStrings(body);
  if (!parts || parts.length < 2 || parts[0].toString() !== type)
    return `the key body does not decode to a ${type} key; ${FIX}`;
  if (type.startsWith("sk-")) return skProblem(type, parts);
  // sshpk does not check an Ed25519 key's length.
  if (type === "ssh-ed25519" && (parts.length !== 2 || parts[1].length !== 32))
    return `the key body does not decode to a ${type} key; ${FIX}`;
  let key: sshpk.Key;
  try {
    key = sshpk.parseKey(line, "ssh");
  } catch {
    return `the key body does not decode to a ${type} key; ${FIX}`;
  }
  if (key.type === "rsa" && key.size < SSH_CRYPTO.rsaMinBits) {
    return (
      `RSA key of ${key.size} bits: use at least ${SSH_CRYPTO.rsaMinBits} bits (ssh-keygen -t rsa -b 4096), ` +
      `or better Ed25519 (ssh-keygen -t ed25519)`
    );
  }
  return undefined;
}
