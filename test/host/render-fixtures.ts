/** The host model and bundle fixtures the render suites share (render.test.ts, render-shellcheck.test.ts). */
import * as path from "path";
import { writeBundle, type HostBundle } from "../../components/host/render";
import { tmpDir } from "./helpers";

export const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0Bw5ZqZ0eZq6mD7m0Xo0vW2V0m7D1b3qj2cJ8ZkXg alice@laptop";
export const CA = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----";

export const base = () => ({
  role: "app",
  admins: [{ name: "alice", sshKeys: [KEY] }],
  ssh: { managementSources: ["10.20.0.0/16"] },
  inbound: [{ port: 8080, sources: ["10.30.0.0/16"] }],
  ids: { manager: "wazuh.corp.internal", enrolmentSecretParameter: "/bulwark/wazuh/enrolment" },
  logs: { kind: "cloudwatch" },
});

export function writeTmp(b: HostBundle): string {
  const dir = path.join(tmpDir("bulwark-render-"), "bundle");
  writeBundle(b, dir);
  return dir;
}

/**
 * `stripped` is `original` minus some comment-only lines: a walk that must match every kept line byte for byte, in
 * order, and may skip only `#` lines that are neither the shebang nor a shellcheck directive.
 */
export function expectOnlyCommentLinesDropped(original: string, stripped: string): void {
  const kept = stripped.split("\n");
  let k = 0;
  original.split("\n").forEach((line, n) => {
    if (k < kept.length && kept[k] === line) {
      k++;
      return;
    }
    expect({
      n,
      line,
      comment: /^\s*#/.test(line) && !/^\s*#\s*shellcheck\s/.test(line) && !(n === 0 && line.startsWith("#!")),
    }).toEqual({ n, line, comment: true });
  });
  expect(k).toBe(kept.length);
}
