import type { Command } from "commander";
import type { ExitHolder } from "./index";

// Not built yet: see the issue that owns `bulwark plan`.
export function register(_program: Command, _exit: ExitHolder): void {}
