/**
 * `cody script compile <files...> [--approve [--by NAME]]` — precompile scripts into the cache and print each hash;
 * `--approve` records the exact script as reviewed, so under `on-request`/`never` its tool calls run without asking.
 * Exit codes: 0 all compiled, 1 some had diagnostics, 2 usage or input error, 3 a file over the size limit. Nothing is cached for a failing script.
 */
import os from "node:os";
import type { Command } from "commander";
import { formatDiagnostics, readScriptFile } from "../../compiler/index.js";
import { CodyError, UsageError } from "../../errors/index.js";
import { createHarness } from "../../harness.js";
import { errorLine, inputErrorExit } from "../error-line.js";
import { EXIT } from "../exit-codes.js";
import { settingsFromFlags } from "../harness-options.js";
import { expandFileArgs } from "../format/index.js";

interface CompileFlags {
  store?: string;
  approve?: boolean;
  by?: string;
  cwd?: string;
  db?: string;
  json?: boolean;
  check?: boolean;
}

export function registerScriptCompile(parent: Command): void {
  parent
    .command("compile")
    .description("Precompile scripts into the cache and print their hashes; --approve records them as reviewed.")
    .argument("<files...>", "script files or glob patterns")
    .option("--approve", "record each script as reviewed by a person (its tool calls then run without asking)")
    .option("--by <name>", "who approved (default: the current user)")
    .option("--cwd <dir>", "workspace root (default: found from the current directory); files resolve against the current directory")
    .option("--store <url|file>", "postgres:// URL (needs CODY_STORE_SECRET) or SQLite file (env CODY_STORE; default: cody.json's store, else --db)")
    .option("--db <file>", "SQLite file (env CODY_DB; default <cwd>/.cody/cache.db)")
    .option("--json", "print one JSON object per script")
    .option("--no-check", "skip the type-check")
    .action(async (patterns: string[], flags: CompileFlags) => {
      process.exitCode = await compileCommand(patterns, flags);
    });
}

async function compileCommand(patterns: string[], flags: CompileFlags): Promise<number> {
  if (flags.by !== undefined && !flags.approve) throw new UsageError("--by only makes sense with --approve");
  const settings = await settingsFromFlags({
    ...(flags.cwd !== undefined ? { cwd: flags.cwd } : {}),
    ...(flags.store !== undefined ? { store: flags.store } : {}),
    ...(flags.db !== undefined ? { db: flags.db } : {}),
  });
  const files = await expandFileArgs(patterns, settings.cwd);
  const harness = await createHarness({ cwd: settings.cwd, settings, typecheck: flags.check !== false });
  const by = flags.by ?? os.userInfo().username;
  let exit: number = EXIT.ok;
  try {
    for (const file of files) {
      try {
        const script = await readScriptFile(file.absolute, harness.limits, file.display);
        const result = await harness.compile(script, { approveBy: flags.approve ? by : undefined });
        if (!result.artifact) {
          exit = Math.max(exit, EXIT.failed);
          const errors = result.diagnostics.filter((d) => d.category === "error");
          if (flags.json) process.stdout.write(`${JSON.stringify({ file: file.display, ok: false, diagnostics: errors })}\n`);
          else
            process.stderr.write(`${formatDiagnostics(errors)}\n`);
          continue;
        }
        const a = result.artifact;
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ file: file.display, ok: true, hash: a.hash, cache: result.cache, bytecodeBytes: a.bytecode.byteLength, approvedBy: a.approvedBy ?? null })}\n`,
          );
        } else {
          const note = a.approvedBy ? `  approved by ${a.approvedBy}` : "";
          process.stdout.write(`${a.hash}  ${file.display}  (${a.bytecode.byteLength} B bytecode, cache ${result.cache})${note}\n`);
        }
      } catch (error) {
        if (!(error instanceof CodyError)) throw error;
        // Any input problem outranks diagnostics; a usage problem outranks the size limit (as in `script check`).
        exit = exit === EXIT.usage ? exit : inputErrorExit(error);
        process.stderr.write(errorLine(error));
      }
    }
  } finally {
    await harness.close();
  }
  return exit;
}
