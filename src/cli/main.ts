/**
 * `cody` entry point. Each command lives in its own module under commands/ and registers itself on the program;
 * this file only wires them together and maps thrown errors to exit codes.
 */
import { Command, CommanderError, Help } from "commander";
import { CodyError, USAGE_ERROR_CODES, isLimitError } from "../errors/index.js";
import { errorLine } from "./error-line.js";
import { COMMAND_SUMMARIES } from "./command-index.js";
import { EXIT } from "./exit-codes.js";
import { discardRunPool, prestartRunPool } from "./prestart.js";

type Register = (parent: Command) => void;

/**
 * Every command, with the module that registers it. Modules are imported only for the command being run (the run
 * path should not pay for loading the HTTP server or the model providers); `--help`, `--version` and a bare group
 * (`cody script --help`) load none (help lists COMMAND_SUMMARIES); anything else unrecognised loads all.
 */
const COMMANDS: ReadonlyArray<{ group?: "script" | "tools"; name: string; load: () => Promise<Register> }> = [
  { group: "script", name: "check", load: async () => (await import("./commands/script-check.js")).registerScriptCheck },
  { group: "script", name: "compile", load: async () => (await import("./commands/script-compile.js")).registerScriptCompile },
  { group: "script", name: "ls", load: async () => (await import("./commands/script-ls.js")).registerScriptLs },
  { group: "script", name: "run", load: async () => (await import("./commands/script-run.js")).registerScriptRun },
  { group: "tools", name: "dts", load: async () => (await import("./commands/tools-dts.js")).registerToolsDts },
  { name: "init", load: async () => (await import("./commands/init.js")).registerInit },
  { name: "cache", load: async () => (await import("./commands/cache.js")).registerCache },
  { name: "runs", load: async () => (await import("./commands/runs.js")).registerRuns },
  { name: "conversations", load: async () => (await import("./commands/conversations.js")).registerConversations },
  { name: "exec", load: async () => (await import("./commands/exec.js")).registerExec },
  { name: "serve", load: async () => (await import("./commands/serve.js")).registerServe },
  { name: "mcp", load: async () => (await import("./commands/mcp.js")).registerMcp },
  { name: "doctor", load: async () => (await import("./commands/doctor.js")).registerDoctor },
];

const GROUP_DESCRIPTIONS = {
  script: "Check, compile and run saved scripts.",
  tools: "Inspect the tool registry.",
} as const;

/** Commander errors that are help output rather than a mistake in the command line. */
const HELP_CODES = new Set(["commander.help", "commander.helpDisplayed", "commander.version"]);

/** `cody script run`: the deepest command `argv` reaches (flags and their values are skipped over as words). */
function commandPath(program: Command, argv: readonly string[]): string {
  const names = ["cody"];
  let current = program;
  for (const word of argv) {
    if (word.startsWith("-")) continue;
    const sub = current.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) continue;
    names.push(sub.name());
    current = sub;
  }
  return names.join(" ");
}

/**
 * The commands `argv` names (its first one or two words); "summaries" when it names no command (only flags, or a
 * bare group), so only help or the version can be asked for; all of them when it names something else.
 */
function commandsFor(argv: readonly string[]): typeof COMMANDS | "summaries" {
  const words = argv.filter((a) => !a.startsWith("-"));
  const [first, second] = words;
  if (words.length === 0 || (words.length === 1 && (first === "script" || first === "tools"))) return "summaries";
  const picked = COMMANDS.filter((c) => (c.group ? c.group === first && c.name === second : c.name === first));
  return picked.length > 0 ? picked : COMMANDS;
}

/** Commands that only describe themselves in help, with the usage their module would declare. */
function registerSummaries(program: Command, groups: ReadonlyMap<string, Command>): void {
  const usage = new Map<Command, string>();
  const help = new Help();
  const term = (cmd: Command): string => {
    const u = usage.get(cmd);
    return u === undefined ? help.subcommandTerm(cmd) : u === "" ? cmd.name() : `${cmd.name()} ${u}`;
  };
  program.configureHelp({ subcommandTerm: term });
  for (const group of groups.values()) group.configureHelp({ subcommandTerm: term });
  for (const s of COMMAND_SUMMARIES) {
    const cmd = (s.group ? (groups.get(s.group) as Command) : program).command(s.name).description(s.description);
    usage.set(cmd, s.usage);
  }
}

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command("cody")
    .description("Run type-checked TypeScript scripts against workspace tools in pooled QuickJS sandboxes.")
    .version("0.1.0")
    .exitOverride();
  const groups = new Map<string, Command>();
  for (const group of ["script", "tools"] as const) {
    groups.set(group, program.command(group).description(GROUP_DESCRIPTIONS[group]));
  }
  const wanted = commandsFor(argv);
  if (wanted === "summaries") {
    registerSummaries(program, groups);
    return program;
  }
  if (wanted.length === 1 && wanted[0]?.group === "script" && wanted[0].name === "run" && !argv.some((a) => a === "-h" || a === "--help")) {
    prestartRunPool(argv);
  }
  const registers = await Promise.all(wanted.map((c) => c.load()));
  wanted.forEach((c, i) => registers[i]?.(c.group ? (groups.get(c.group) as Command) : program));
  return program;
}

/**
 * A reader that went away (`cody runs ls | head`) is not a failure of the command: Node reports it as an 'error'
 * event on the stream, which with no listener ends the process with a stack. From then on that stream's output is
 * dropped and the command finishes normally (a run in progress still ends and is recorded).
 */
function tolerateClosedOutput(stream: NodeJS.WriteStream): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
    stream.write = (() => true) as typeof stream.write;
  });
}

export async function main(argv: string[]): Promise<void> {
  tolerateClosedOutput(process.stdout);
  tolerateClosedOutput(process.stderr);
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; every other parse failure is a usage error. Commander printed the one-line error;
      // point at the command's help instead of printing all of it.
      if (!HELP_CODES.has(error.code)) process.stderr.write(`see \`${commandPath(program, argv)} --help\`\n`);
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    if (error instanceof CodyError) {
      process.stderr.write(errorLine(error));
      process.exitCode = USAGE_ERROR_CODES.has(error.code) ? EXIT.usage : isLimitError(error) ? EXIT.limit : EXIT.failed;
      return;
    }
    process.stderr.write(`cody: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT.failed;
  } finally {
    await discardRunPool();
    // A compiler worker bin/cody.js started for `script check` that no check used (every file had a verdict, or the
    // command line was refused) is ended here; the compiler module is already loaded whenever one was started.
    if ((globalThis as Record<symbol, unknown>)[Symbol.for("cody.prestartedCompilerWorker")] !== undefined) {
      await (await import("../compiler/index.js")).discardPrestartedWorker();
    }
  }
}
