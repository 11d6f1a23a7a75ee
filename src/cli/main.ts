/**
 * `cody` entry point. Each command lives in its own module under commands/ and registers itself on the program;
 * this file only wires them together and maps thrown errors to exit codes.
 */
import { Command, CommanderError } from "commander";
import { CodyError } from "../errors/index.js";
import { isLimitError } from "../harness.js";
import { EXIT } from "./exit-codes.js";
import { registerScriptCheck } from "./commands/script-check.js";
import { registerScriptCompile } from "./commands/script-compile.js";
import { registerScriptLs } from "./commands/script-ls.js";
import { registerScriptRun } from "./commands/script-run.js";
import { registerToolsDts } from "./commands/tools-dts.js";
import { registerCache } from "./commands/cache.js";
import { registerRuns } from "./commands/runs.js";
import { registerExec } from "./commands/exec.js";
import { registerServe } from "./commands/serve.js";

/** Errors that mean "the command could not be carried out as given" (flags, files, config, database): exit 2. */
const USAGE_CODES = new Set([
  "CODY_USAGE",
  "CODY_INVALID_OPTION",
  "CODY_CONFIG_INVALID",
  "CODY_SCRIPT_READ",
  "CODY_SCRIPT_ENCODING",
  "CODY_SCRIPT_EMPTY",
  "CODY_CACHE",
]);

export function buildProgram(): Command {
  const program = new Command("cody")
    .description("Run type-checked TypeScript scripts against workspace tools in pooled QuickJS sandboxes.")
    .version("0.1.0")
    .exitOverride()
    .showHelpAfterError();
  const script = program.command("script").description("Check, compile and run saved scripts.");
  registerScriptCheck(script);
  registerScriptCompile(script);
  registerScriptLs(script);
  registerScriptRun(script);
  const tools = program.command("tools").description("Inspect the tool registry.");
  registerToolsDts(tools);
  registerCache(program);
  registerRuns(program);
  registerExec(program);
  registerServe(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; every other parse failure is a usage error.
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    if (error instanceof CodyError) {
      process.stderr.write(`cody: ${error.name}: ${error.message}\n`);
      process.exitCode = USAGE_CODES.has(error.code) ? EXIT.usage : isLimitError(error) ? EXIT.limit : EXIT.failed;
      return;
    }
    process.stderr.write(`cody: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT.failed;
  }
}
