import { Command, CommanderError } from "commander";
import { BulwarkError } from "../components/errors";
import { register as registerPlan } from "./plan";
import { register as registerCheck } from "./check";
import { register as registerDrift } from "./drift";
import { register as registerHost } from "./host";
import { toolVersion } from "./report/io";

/** Each subcommand sets `exitCode` through this holder; commander's own errors map to exit 2 (usage). */
export interface ExitHolder {
  code: number;
}

export function buildProgram(exit: ExitHolder): Command {
  const program = new Command("bulwark")
    .description("Bulwark: infrastructure hardening as code for Pulumi on AWS")
    .version(toolVersion(), "-V, --version", "print Bulwark's version")
    .exitOverride()
    .showHelpAfterError();
  registerPlan(program, exit);
  registerCheck(program, exit);
  registerDrift(program, exit);
  registerHost(program, exit);
  return program;
}

/**
 * A reader that stops early (`bulwark plan --format json | head`) closes the pipe: the rest of the output is
 * dropped quietly and the command still ends with its own exit code (a gate's verdict is not lost to EPIPE).
 */
export function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") return;
    throw err;
  });
}

export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  const exit: ExitHolder = { code: 0 };
  try {
    await buildProgram(exit).parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" ? 0 : 2;
    }
    // Anything Bulwark refuses (config, args, input) is exit 2 with its message, never a stack trace.
    if (err instanceof BulwarkError) {
      process.stderr.write(`bulwark: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  return exit.code;
}
