/**
 * `bulwark host verify --stack prod | --inventory FILE [--concurrency 10] [--timeout 60] [--identity-file KEY]
 * [--format text|json|sarif|markdown|html] [-o FILE] [--write FORMAT:FILE ...]`: read-only fleet check over SSH. The
 * key is --identity-file,
 * else $BULWARK_SSH_KEY (the key itself, e.g. from a CI secret; written 0600 to a temp file, removed after), else
 * ssh-agent. Exit 0 all pass, 4 a control broken, 5 a host unreachable (takes precedence), 2 usage or input error.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Option, type Command } from "commander";
import type { ExitHolder } from "../index";
import { emitReports, parseWrites, writeOption } from "../report/io";
import { exitCodeOf } from "./model";
import { FLEET_FORMATS, formatFleetReport, type FleetFormat } from "./report";
import { TargetsError, targetsFromInventory, targetsFromStack, type VerifyTarget } from "./targets";
import { verifyFleet } from "./verify";
import { stderr } from "../streams";

interface VerifyCli {
  stack?: string;
  inventory?: string;
  concurrency: string;
  timeout: string;
  identityFile?: string;
  format: FleetFormat;
  output?: string;
  write?: string[];
}

const fail = (msg: string): number => {
  stderr().write(`bulwark host verify: ${msg}\n`);
  return 2;
};

export function registerVerify(host: Command, exit: ExitHolder): void {
  host
    .command("verify")
    .description(
      "run the bundle's read-only verify on every host over SSH (host keys always checked). Exit 0 pass, 4 a " +
        "control broken, 5 a host unreachable, 2 usage",
    )
    .option("--stack <name>", "the stack whose bulwark:hosts to verify (Pulumi.<name>.yaml)")
    .option("--inventory <file>", "YAML/JSON {hosts: [...]} (bulwark:hosts entries, optional bundleHash)")
    .option("--concurrency <n>", "hosts checked at once", "10")
    .option("--timeout <seconds>", "per host, connection included", "60")
    .option("--identity-file <file>", "SSH private key (else $BULWARK_SSH_KEY, else ssh-agent)")
    .addOption(new Option("--format <format>", "output format").choices([...FLEET_FORMATS]).default("text"))
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .addOption(writeOption("html:posture.html"))
    .action(async (o: VerifyCli) => {
      exit.code = await verifyCommand(o);
    });
}

async function verifyCommand(o: VerifyCli): Promise<number> {
  if ((o.stack === undefined) === (o.inventory === undefined))
    return fail("give exactly one of --stack <name> or --inventory <file>");
  const concurrency = Number(o.concurrency);
  const timeout = Number(o.timeout);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 200)
    return fail(`--concurrency ${o.concurrency}: use a whole number from 1 to 200`);
  if (!Number.isFinite(timeout) || timeout < 1 || timeout > 3600)
    return fail(`--timeout ${o.timeout}: use seconds from 1 to 3600`);
  const reports = parseWrites(o.write, FLEET_FORMATS, o.output);
  if (typeof reports === "string") return fail(reports);
  let targets: VerifyTarget[];
  try {
    targets = o.inventory ? targetsFromInventory(o.inventory) : await targetsFromStack(o.stack!);
  } catch (e) {
    if (e instanceof TargetsError) return fail(e.message);
    throw e;
  }
  let identityFile = o.identityFile;
  let tmp: string | undefined;
  if (identityFile && !fs.existsSync(identityFile)) return fail(`--identity-file ${identityFile}: no such file`);
  if (!identityFile && process.env.BULWARK_SSH_KEY) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-key-"));
    identityFile = path.join(tmp, "id");
    fs.writeFileSync(identityFile, process.env.BULWARK_SSH_KEY.replace(/\r\n/g, "\n").replace(/\n*$/, "\n"), {
      mode: 0o600,
    });
  }
  if (!identityFile && !process.env.SSH_AUTH_SOCK)
    return fail("no SSH key: give --identity-file <key>, set BULWARK_SSH_KEY, or run an ssh-agent");
  try {
    const report = await verifyFleet(targets, {
      concurrency,
      timeoutSeconds: timeout,
      identityFile,
      input: o.inventory ? { inventory: o.inventory } : { stack: o.stack },
      log: o.format === "text" && !o.output ? undefined : (l) => stderr().write(`${l}\n`),
    });
    emitReports((f) => formatFleetReport(report, f), o.format, o.output, reports);
    return exitCodeOf(report);
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}
