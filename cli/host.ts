/**
 * `bulwark host render --os <os> --config <file> --out <dir>`: writes the host hardening bundle (executable `apply`
 * and `verify` at the top of <dir>). `--format cloud-init` prints EC2 user data instead (`--gzip-base64` for
 * userDataBase64). The config file (YAML or JSON) is the host model; errors name field, value and fix (exit 2).
 */
import { emit } from "./report/io";
import * as fs from "fs";
import * as path from "path";
import { Option, type Command } from "commander";
import * as YAML from "yaml";
import { HOST_OSES, HostConfigError, type HostOs } from "../components/host/model";
import { renderBundle, renderCloudInit, renderUserDataBase64, writeBundle } from "../components/host/render";
import type { ExitHolder } from "./index";
import { registerVerify } from "./fleet/command";
import { stderr, stdout } from "./streams";

interface RenderOptions {
  os: HostOs;
  config: string;
  out?: string;
  format: "dir" | "cloud-init";
  gzipBase64?: boolean;
  output?: string;
}

export function register(program: Command, exit: ExitHolder): void {
  const host = program
    .command("host")
    .description("On-host hardening bundle (SSH, nftables, fail2ban, auditd, AIDE, patching, IDS, logs)");
  host
    .command("render")
    .description("render the bundle for one OS from a host config file")
    .addOption(new Option("--os <os>", "target OS").choices([...HOST_OSES]).makeOptionMandatory())
    .requiredOption("--config <file>", "host model, YAML or JSON (see README: Host hardening)")
    .option("--out <dir>", "write the bundle here (apply, verify, bundle.env, manifest, files/, lib/)")
    .addOption(
      new Option("--format <format>", "dir: bundle directory; cloud-init: print EC2 user data")
        .choices(["dir", "cloud-init"])
        .default("dir"),
    )
    .option("--gzip-base64", "with --format cloud-init: print gzip+base64 (EC2 userDataBase64, 16 KiB limit)")
    .option("-o, --output <file>", "with --format cloud-init: write the user data to a file instead of stdout")
    .action((opts: RenderOptions) => {
      exit.code = renderCommand(opts);
    });
  registerVerify(host, exit);
}

/** Flags that the chosen format would silently ignore are refused (exit 2). */
function flagConflict(opts: RenderOptions): string | undefined {
  if (opts.format === "cloud-init" && opts.out)
    return "--out writes a bundle directory; with --format cloud-init use -o <file>";
  if (opts.format === "dir" && opts.gzipBase64) return "--gzip-base64 needs --format cloud-init";
  if (opts.format === "dir" && opts.output) return "-o writes user data; for a bundle directory use --out <dir>";
  return undefined;
}

function renderCommand(opts: RenderOptions): number {
  const conflict = flagConflict(opts);
  if (conflict) {
    stderr().write(`bulwark host render: ${conflict}\n`);
    return 2;
  }
  let raw: unknown;
  try {
    raw = YAML.parse(fs.readFileSync(opts.config, "utf8"));
  } catch (e) {
    stderr().write(`bulwark host render: cannot read ${opts.config}: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    const bundle = renderBundle(raw, opts.os);
    if (opts.format === "cloud-init") {
      if (!opts.gzipBase64) {
        emit(renderCloudInit(bundle), opts.output);
        return 0;
      }
      let b64: string;
      try {
        b64 = renderUserDataBase64(bundle);
      } catch (e) {
        // Too big for EC2's 16 KiB: said plainly, no stack trace (EC2 servers boot the loader instead).
        stderr().write(`bulwark host render: ${(e as Error).message}\n`);
        return 1;
      }
      emit(b64 + "\n", opts.output);
      return 0;
    }
    if (!opts.out) {
      stderr().write("bulwark host render: give --out <dir> (or --format cloud-init to print user data)\n");
      return 2;
    }
    writeBundle(bundle, opts.out);
    stdout().write(
      `bundle ${bundle.hash} for ${opts.os} (role ${bundle.model.role}) written to ${opts.out}\n` +
        `  apply:  sudo ${path.join(opts.out, "apply")}\n  verify: sudo ${path.join(opts.out, "verify")}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof HostConfigError) {
      stderr().write(`${e.message.replace("host config:", `${opts.config}:`)}\n`);
      return 2;
    }
    throw e;
  }
}
