/**
 * HardenedHost: applies the host hardening bundle to an existing server (head office, branch, or any EC2 host
 * reachable over SSH), optionally through a bastion. Three steps, each its own SSH connection:
 *   1. copy   the bundle (one self-extracting script) to the host,
 *   2. apply  it with sudo; the firewall is loaded atomically with established sessions kept, and a timed
 *             rollback is armed in case the management path no longer works,
 *   3. verify from a NEW connection: that proves the management path still works and cancels the rollback;
 *             a failing verify fails the deploy.
 * All three re-run when the bundle's hash changes. The SSH private key is always a Pulumi secret.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseArgs } from "../config";
import { input } from "../common";
import { HOST_OSES, hostModelSchema } from "./model";
import { BUNDLE_ON_HOST, bundleEntries, renderBundle, type HostBundle } from "./render";

const sshConnectionSchema = z
  .object({
    host: input<string>("the host's address"),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().regex(/^[a-z_][a-z0-9_-]*$/, "use the admin account that applies the bundle (it needs sudo)"),
    /** PEM/OpenSSH private key; stored as a Pulumi secret whatever is passed. */
    privateKey: input<string>("the SSH private key (a secret)"),
    /**
     * The host's public key (`ssh-ed25519 AAAA...`). Required: without it anyone on the path could pose as the host
     * and receive the key and the bundle.
     */
    hostKey: z
      .string()
      .regex(
        /^(ssh-ed25519|rsa-sha2-\d+|ssh-rsa|ecdsa-sha2-\S+) \S+/,
        "paste the host's public host key line (ssh-keyscan the host over a trusted path, " +
          "or read /etc/ssh/ssh_host_ed25519_key.pub on it)",
      ),
  })
  .strict();

const hardenedHostArgsSchema = z
  .object({
    os: z.enum(HOST_OSES),
    connection: sshConnectionSchema,
    /** Bastion (jump host) in front of the server. */
    bastion: sshConnectionSchema.partial({ privateKey: true }).optional(),
    /** The host model (components/host/model.ts). */
    host: hostModelSchema.refine((h) => h.ssh.managementSources.length > 0, {
      path: ["ssh", "managementSources"],
      message: "HardenedHost applies over SSH: list the network it connects from in ssh.managementSources",
    }),
    /** Seconds before an unconfirmed firewall change is rolled back. */
    firewallRollbackSeconds: z
      .number()
      .int()
      .min(30, "give the verify step at least 30 s to confirm")
      .max(3600)
      .default(180),
  })
  .strict();

export type HardenedHostArgs = z.input<typeof hardenedHostArgsSchema>;

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A self-extracting script that writes the bundle directory (base64 bodies: no quoting or heredoc pitfalls). */
export function bundleInstaller(b: HostBundle, dir = BUNDLE_ON_HOST): string {
  const lines = [
    "#!/usr/bin/env bash",
    `# Bulwark host bundle ${b.hash} (${b.os}). Writes ${dir}; run with sudo.`,
    "set -euo pipefail",
    "umask 077",
    `d=${sq(dir)}`,
    'rm -rf "$d.new" && mkdir -p "$d.new"',
  ];
  for (const e of bundleEntries(b)) {
    lines.push(`mkdir -p "$(dirname "$d.new/${e.rel}")"`);
    lines.push(
      `base64 -d >"$d.new/${e.rel}" <<'BULWARK_EOF'`,
      Buffer.from(e.content)
        .toString("base64")
        .replace(/(.{76})/g, "$1\n"),
      "BULWARK_EOF",
    );
    lines.push(`chmod ${e.mode.toString(8)} "$d.new/${e.rel}"`);
  }
  lines.push('rm -rf "$d.old"; [ ! -d "$d" ] || mv "$d" "$d.old"', 'mv "$d.new" "$d"', 'rm -rf "$d.old"', "");
  return lines.join("\n");
}

/** The remote steps HardenedHost runs (exported so the real-host e2e test runs exactly these). */
export function hardenedHostCommands(
  b: HostBundle,
  rollbackSeconds: number,
): { installerPath: string; apply: string; verify: string } {
  const installerPath = `/tmp/bulwark-bundle-${b.hash.slice(0, 16)}.sh`;
  return {
    installerPath,
    apply: [
      `sudo -n bash ${installerPath}`,
      `rm -f ${installerPath}`,
      `sudo -n BULWARK_FW_CONFIRM=1 BULWARK_FW_ROLLBACK_SECONDS=${rollbackSeconds} ${BUNDLE_ON_HOST}/apply`,
    ].join(" && "),
    // Run from a new connection: if the new firewall shut the management path out, this fails and the rollback fires.
    verify: `sudo -n ${BUNDLE_ON_HOST}/verify --confirm-firewall`,
  };
}

export class HardenedHost extends pulumi.ComponentResource {
  readonly bundleHash: string;
  readonly applyOutput: pulumi.Output<string>;
  readonly verifyOutput: pulumi.Output<string>;

  constructor(name: string, args: HardenedHostArgs, opts?: pulumi.ComponentResourceOptions) {
    const a = parseArgs(hardenedHostArgsSchema, args, "HardenedHost", name);
    super("bulwark:host:HardenedHost", name, {}, opts);
    const bundle = renderBundle(a.host, a.os);
    this.bundleHash = bundle.hash;

    const connection: command.types.input.remote.ConnectionArgs = {
      host: a.connection.host,
      port: a.connection.port,
      user: a.connection.user,
      privateKey: pulumi.secret(a.connection.privateKey),
      hostKey: a.connection.hostKey,
      ...(a.bastion
        ? {
            proxy: {
              host: a.bastion.host,
              port: a.bastion.port,
              user: a.bastion.user,
              privateKey: pulumi.secret(a.bastion.privateKey ?? a.connection.privateKey),
              hostKey: a.bastion.hostKey,
            },
          }
        : {}),
    };
    const triggers = [bundle.hash];
    const cmds = hardenedHostCommands(bundle, a.firewallRollbackSeconds);

    const copy = new command.remote.CopyToRemote(
      `${name}-bundle`,
      {
        connection,
        source: new pulumi.asset.StringAsset(bundleInstaller(bundle)),
        remotePath: cmds.installerPath,
        triggers,
      },
      { parent: this },
    );

    // Apply and verify: each its own connection, run on create and again whenever the bundle changes.
    const step = (id: "apply" | "verify", after: pulumi.Resource) =>
      new command.remote.Command(
        `${name}-${id}`,
        { connection, create: cmds[id], update: cmds[id], triggers },
        { parent: this, dependsOn: [after] },
      );
    const apply = step("apply", copy);
    const verify = step("verify", apply);

    this.applyOutput = apply.stdout;
    this.verifyOutput = verify.stdout;
    this.registerOutputs({ bundleHash: this.bundleHash, verifyOutput: this.verifyOutput });
  }
}
