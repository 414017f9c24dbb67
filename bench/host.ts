/**
 * bench/host: the host bundle's apply on a prepared rootfs (packages preinstalled, network cut off):
 * first apply, then the idempotent re-run, side by side with their ratio. Targets: <= 30 s and <= 5 s.
 *   npm run bench:host [-- bookworm noble jammy]     (root; rootfs from test/host/prepare-rootfs.sh)
 */
import * as fs from "fs";
import * as path from "path";
import { renderBundle, writeBundle } from "../components/host/render";
import type { HostOs } from "../components/host/model";
import { clientKey, harness, tmpDir } from "../test/host/helpers";

const OS: Record<string, HostOs> = { bookworm: "debian-12", noble: "ubuntu-24.04", jammy: "ubuntu-22.04" };
const TARGET_FIRST_S = 30;
const TARGET_RERUN_S = 5;

function timed(id: string): { seconds: number; changes: string } {
  const t0 = process.hrtime.bigint();
  const r = harness("chroot", id, "/opt/bulwark/bundle/apply");
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.code !== 0) throw new Error(`apply failed: ${r.out}`);
  return { seconds, changes: /done: (\d+) change/.exec(r.stdout)?.[1] ?? "?" };
}

function main(): void {
  const suites = process.argv.slice(2).length ? process.argv.slice(2) : ["bookworm", "noble"];
  const key = clientKey();
  const fmt = (s: number) => `${s.toFixed(2).padStart(6)} s`;
  console.log("host bundle apply on a prepared rootfs (packages preinstalled, network cut off, chroot)");
  let failed = false;
  suites.forEach((suite, i) => {
    const os = OS[suite];
    if (!os) throw new Error(`unknown suite ${suite}: use ${Object.keys(OS).join(", ")}`);
    const id = `b${i}`;
    const work = tmpDir("bulwark-bench-");
    try {
      harness("down", id);
      writeBundle(
        renderBundle(
          {
            role: "web",
            admins: [{ name: "alice", sshKeys: [key.pub] }],
            ssh: { managementSources: ["10.231.40.0/25"] },
            inbound: [{ port: 443, sources: ["0.0.0.0/0", "::/0"] }],
            ids: {
              kind: "none",
              waiver: {
                reason: "benchmark rootfs without agent repositories",
                approver: "security@example.com",
                expires: "2099-12-31",
              },
            },
            logs: {
              kind: "rsyslog-tls",
              target: "logs.example.internal",
              caPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            },
          },
          os,
        ),
        path.join(work, "bundle"),
      );
      const up = harness("up", id, suite, String(40 + i), path.join(work, "bundle"));
      if (up.code !== 0) throw new Error(up.out);
      const first = timed(id);
      const rerun = timed(id);
      const ok1 = first.seconds <= TARGET_FIRST_S;
      const ok2 = rerun.seconds <= TARGET_RERUN_S;
      failed ||= !ok1 || !ok2 || rerun.changes !== "0";
      console.log(`\n${suite} (${os})`);
      console.log(
        `  first apply  ${fmt(first.seconds)}  ${first.changes.padStart(3)} changes   target ` +
          `<= ${TARGET_FIRST_S} s  ${ok1 ? "OK" : "MISSED"}`,
      );
      console.log(
        `  re-run       ${fmt(rerun.seconds)}  ${rerun.changes.padStart(3)} changes   target ` +
          `<= ${TARGET_RERUN_S} s   ${ok2 ? "OK" : "MISSED"}`,
      );
      console.log(`  ratio re-run / first apply: ${(rerun.seconds / first.seconds).toFixed(2)}`);
    } finally {
      harness("down", id);
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
  process.exitCode = failed ? 1 : 0;
}

main();
