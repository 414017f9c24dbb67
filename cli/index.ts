import { Command, CommanderError } from "commander";
import { BulwarkError } from "../components/errors";
import { toolVersion } from "./report/io";
import { stderr, stdout, withStreams, type Streams } from "./streams";

/** Each subcommand sets `exitCode` through this holder; commander's own errors map to exit 2 (usage). */
export interface ExitHolder {
  code: number;
}

/**
 * The verbs, in help order. Only the invoked verb's module loads (a gate's `check` or `drift` does not load the
 * plan's or the host renderer's modules); help, `--version` and unknown verbs load them all.
 */
const VERBS = {
  plan: () => import("./plan"),
  check: () => import("./check"),
  drift: () => import("./drift"),
  host: () => import("./host"),
} as const;
type Verb = keyof typeof VERBS;
const isVerb = (s: string | undefined): s is Verb => s !== undefined && Object.hasOwn(VERBS, s);

export async function buildProgram(exit: ExitHolder, argv: readonly string[] = []): Promise<Command> {
  const program = new Command("bulwark")
    .description("Bulwark: infrastructure hardening as code for Pulumi on AWS")
    .version(toolVersion(), "-V, --version", "print Bulwark's version")
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeOut: (t) => void stdout().write(t), writeErr: (t) => void stderr().write(t) });
  const invoked = argv[2];
  for (const verb of isVerb(invoked) ? [invoked] : (Object.keys(VERBS) as Verb[])) {
    (await VERBS[verb]()).register(program, exit);
  }
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
  const exit: ExitHolder = { code: 0 };
  try {
    await (await buildProgram(exit, argv)).parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" ? 0 : 2;
    }
    // Anything Bulwark refuses (config, args, input) is exit 2 with its message, never a stack trace.
    if (err instanceof BulwarkError) {
      stderr().write(`bulwark: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  return exit.code;
}

/**
 * `bin/bulwark`: main, and anything it did not expect is exit 2 with one line, never a pass. With `streams`, the
 * verb writes there instead of the process's streams (tests run it in-process so).
 */
export async function run(argv: string[], streams?: Streams): Promise<number> {
  const go = async (): Promise<number> => {
    try {
      return await main(argv);
    } catch (err) {
      // Not `instanceof Error`: an error from another realm (a worker, a VM context) is one too.
      const message = (err as { message?: unknown } | null)?.message;
      stderr().write(`bulwark: ${message ? String(message) : String(err)}\n`);
      return 2;
    }
  };
  if (streams) return withStreams(streams, go);
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  return go();
}
