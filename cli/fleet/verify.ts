/**
 * Fleet verify: the bundle's own read-only `verify` on every host over SSH, at most `concurrency` at a time, each
 * host bounded by `timeoutSeconds`. Never `--confirm-firewall`, never apply: it changes nothing on the hosts.
 */
import { toolVersion } from "../report/io";
import type { CheckStatus, FleetReport, HostCheck, HostResult } from "./model";
import { runSsh, sshContext, type SshResult } from "./ssh";
import type { VerifyTarget } from "./targets";

export const VERIFY_COMMAND = "sudo -n /opt/bulwark/bundle/verify";

export interface VerifyOptions {
  concurrency: number;
  timeoutSeconds: number;
  identityFile?: string;
  input: FleetReport["input"];
  sshBin?: string;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

const LINE = /^(PASS|FAIL|SKIP|WAIVED?)\s+(\S+)\s+(.*?)\s*$/;

/** Parses verify's InSpec-style lines and its closing PASSED/FAILED line. */
export function parseVerifyOutput(out: string): {
  checks: HostCheck[];
  failed: string[];
  bundleHash?: string;
  passed: boolean;
} {
  const checks: HostCheck[] = [];
  for (const line of out.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const status = (
      m[1] === "PASS" ? "pass" : m[1] === "FAIL" ? "fail" : m[1] === "SKIP" ? "skip" : "waived"
    ) as CheckStatus;
    checks.push({ control: m[2], status, description: m[3].replace(/\s*\[[^\]]*\]$/, "") });
  }
  const ok = /^verify: PASSED .*bundle ([0-9a-f]{64})\s*$/m.exec(out);
  const bad = /^verify: FAILED controls: ?([^(]*)\(/m.exec(out);
  const failed = bad
    ? bad[1].trim().split(/\s+/).filter(Boolean)
    : [...new Set(checks.filter((c) => c.status === "fail").map((c) => c.control))];
  return { checks, failed, ...(ok ? { bundleHash: ok[1] } : {}), passed: !!ok };
}

function judge(
  t: VerifyTarget,
  r: SshResult,
): Omit<HostResult, "name" | "site" | "address" | "port" | "os" | "role" | "bastion"> {
  const base = {
    durationMs: r.durationMs,
    ...(t.expectedBundleHash ? { expectedBundleHash: t.expectedBundleHash } : {}),
  };
  const lastErr = r.stderr.trim().split("\n").filter(Boolean).slice(-2).join("; ");
  if (r.timedOut)
    return {
      ...base,
      status: "unreachable",
      error: `no answer within the ${Math.round(r.durationMs / 1000)} s timeout`,
      checks: [],
      failed: ["unreachable"],
    };
  if (r.code === 255 || r.code === null) {
    const why = /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(
      r.stderr,
    )
      ? `host key verification failed: the server's key is not the declared one (${lastErr})`
      : `SSH failed: ${lastErr || `exit ${r.code}`}`;
    return { ...base, status: "unreachable", error: why, checks: [], failed: ["unreachable"] };
  }
  const v = parseVerifyOutput(r.stdout);
  const checks = [...v.checks];
  const failed = [...v.failed];
  if (r.code === 0 && v.passed) {
    if (t.expectedBundleHash && v.bundleHash && v.bundleHash !== t.expectedBundleHash) {
      checks.push({
        control: "bundle",
        status: "fail",
        description:
          `host runs bundle ${v.bundleHash.slice(0, 12)}, ` + `the stack declares ${t.expectedBundleHash.slice(0, 12)}`,
      });
      return { ...base, status: "fail", bundleHash: v.bundleHash, checks, failed: ["bundle"] };
    }
    return { ...base, status: "pass", ...(v.bundleHash ? { bundleHash: v.bundleHash } : {}), checks, failed: [] };
  }
  if (failed.length === 0) {
    checks.push({
      control: "verify",
      status: "fail",
      description: `verify did not run (exit ${r.code}): ${lastErr || r.stdout.trim().slice(-200)}`,
    });
    failed.push("verify");
  }
  return { ...base, status: "fail", checks, failed, ...(lastErr && !v.checks.length ? { error: lastErr } : {}) };
}

/** Runs at most `limit` tasks at a time, keeping input order in the results. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export async function verifyFleet(targets: readonly VerifyTarget[], o: VerifyOptions): Promise<FleetReport> {
  const started = Date.now();
  const ctx = sshContext(
    targets,
    { file: o.identityFile },
    Math.max(1, Math.min(15, Math.floor(o.timeoutSeconds / 2))),
  );
  try {
    const hosts = await pool(targets, o.concurrency, async (t): Promise<HostResult> => {
      const r = await runSsh(ctx.config, t, VERIFY_COMMAND, o.timeoutSeconds * 1000, o.sshBin);
      const j = judge(t, r);
      o.log?.(
        `${j.status.toUpperCase().padEnd(11)} ${t.name} (${t.address}) ` +
          `${j.failed.length && j.status === "fail" ? `controls: ${j.failed.join(", ")}` : (j.error ?? "")} ` +
          `[${(r.durationMs / 1000).toFixed(1)} s]`,
      );
      return {
        name: t.name,
        site: t.site,
        address: t.address,
        port: t.port,
        os: t.os,
        role: t.role,
        ...(t.bastion
          ? { bastion: `${t.bastion.name} (${t.bastion.user}@${t.bastion.address}:${t.bastion.port})` }
          : {}),
        ...j,
      };
    });
    const failed = hosts.filter((h) => h.status === "fail");
    const unreachable = hosts.filter((h) => h.status === "unreachable");
    return {
      kind: "fleet-verify",
      tool: { name: "bulwark", version: toolVersion() },
      input: o.input,
      verdict: unreachable.length ? "unreachable" : failed.length ? "fail" : "pass",
      summary: {
        hosts: hosts.length,
        passed: hosts.filter((h) => h.status === "pass").length,
        failed: failed.length,
        unreachable: unreachable.length,
        brokenControls: failed.reduce((n, h) => n + h.failed.length, 0),
        concurrency: o.concurrency,
        timeoutSeconds: o.timeoutSeconds,
        wallMs: Date.now() - started,
      },
      hosts,
    };
  } finally {
    ctx.cleanup();
  }
}
