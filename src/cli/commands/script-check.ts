/**
 * `cody script check <files|globs...>` — type-check scripts against the tools `.d.ts`, all in one program
 * (`ScriptChecker.checkFiles`, as `harness.checkFiles`: the same declarations, their cache and compiler worker) under `limits.checkTimeoutMs`
 * (config, or `--check-timeout`). A file unchanged since its last check (same text, declarations and compiler) gets
 * that check's verdict without reaching the compiler (check-verdicts.ts).
 * Exit codes: 0 clean (warnings allowed), 1 diagnostics, 2 usage or input error (missing file, directory, binary or
 * invalid UTF-8, empty — each reported with its own message), 3 a file over the size limit (as `script run`) or a
 * check that took longer than its deadline.
 */
import { Option, type Command } from "commander";
import { hasErrors, readScriptFile, sortDiagnostics, type CheckInput, type Diagnostic, type ScriptSource } from "../../compiler/index.js";
import { CodyError, UsageError } from "../../errors/index.js";
import { openScriptChecker, type FileCheck, type ScriptChecker } from "../../checker.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s), which a check without MCP servers must not pay for
import { unavailableWarning } from "../../tools/mcp/unavailable.js";
import { CheckVerdicts } from "../check-verdicts.js";
import { errorLine, inputErrorExit } from "../error-line.js";
import { EXIT } from "../exit-codes.js";
import { settingsFromFlags } from "../harness-options.js";
import {
  expandFileArgs,
  formatGithub,
  formatGithubInputError,
  formatHuman,
  toSarif,
  type InputFile,
  type InputProblem,
} from "../format/index.js";

type Format = "human" | "json" | "github" | "sarif";

interface CheckOptions {
  format: Format;
  cwd?: string;
  checkTimeout?: number;
}

function timeoutMs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--check-timeout must be a positive integer, got \`${value}\``);
  return n;
}

export function registerScriptCheck(parent: Command): void {
  parent
    .command("check")
    .description("Type-check scripts against the tool declarations (many files in one program).")
    .argument("<files...>", "script files or glob patterns (expanded without a shell, e.g. 'scripts/**/*.ts')")
    .addOption(new Option("--format <format>", "output format").choices(["human", "json", "github", "sarif"]).default("human"))
    .option("--cwd <dir>", "workspace whose tool configuration to use (default: found from the current directory); files resolve against the current directory")
    .option("--check-timeout <ms>", "deadline for the whole check in milliseconds (default: limits.checkTimeoutMs, 2000)", timeoutMs)
    .action(async (patterns: string[], opts: CheckOptions) => {
      process.exitCode = await runCheck(patterns, opts);
    });
}

async function runCheck(patterns: string[], opts: CheckOptions): Promise<number> {
  const settings = await settingsFromFlags({
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.checkTimeout !== undefined ? { checkTimeout: opts.checkTimeout } : {}),
  });
  const files = await expandFileArgs(patterns, settings.cwd);
  // The harness's checker (its declarations, their cache, the compiler worker), without a database or worker pool.
  const { checker, mcpUnavailable } = await openScriptChecker(settings);
  let checked: FileCheck;
  try {
    for (const u of mcpUnavailable) process.stderr.write(`cody: ${unavailableWarning(u)}\n`);
    checked = await checkWithVerdicts(checker, files, settings.dbPath);
  } finally {
    await checker.close();
  }
  if (process.env.CODY_COMPILER_REPORT === "1") {
    // For tests: whether the compiler worker bin/cody.js prestarted was the one used (a second start costs its time).
    const { workersStarted, workersAdopted } = checker.compiler.stats();
    process.stderr.write(`compiler workers: started ${workersStarted}, prestarted ${workersAdopted}\n`);
  }
  const { scripts, problems, diagnostics } = checked;
  // Input problems always go to stderr as well, so machine formats on stdout stay parseable and people see them.
  for (const p of problems) process.stderr.write(errorLine(p.error));
  writeReport(
    opts.format,
    diagnostics,
    problems.map((p) => ({ file: p.file, code: p.error.code, message: p.error.message })),
    scripts,
  );
  // A file over the size limit exits as `script run` does (3); any other input problem is a usage error (2).
  if (problems.length > 0) return Math.min(...problems.map((p) => inputErrorExit(p.error)));
  return hasErrors(diagnostics) ? EXIT.failed : EXIT.ok;
}

/**
 * `checker.checkFiles`, with each file's verdict from its last check when neither it, the declarations nor the compile
 * chain changed (check-verdicts.ts): only the other files reach the compiler, and when none is left it never starts.
 */
async function checkWithVerdicts(checker: ScriptChecker, files: readonly InputFile[], dbPath: string): Promise<FileCheck> {
  const scripts: ScriptSource[] = [];
  const problems: FileCheck["problems"] = [];
  for (const file of files) {
    try {
      scripts.push(await readScriptFile(file.absolute, checker.limits, file.display));
    } catch (error) {
      if (!(error instanceof CodyError)) throw error;
      problems.push({ file: file.display, error });
    }
  }
  if (scripts.length === 0) return { scripts, problems, diagnostics: [] };
  const verdicts = new CheckVerdicts(dbPath, (await checker.toolsDts()).hash);
  const known = await Promise.all(scripts.map((s) => verdicts.get(s)));
  const unknown = scripts.filter((_, i) => known[i] === undefined);
  const fresh = unknown.length > 0 ? await checker.check(unknown) : [];
  // Kept only when every diagnostic belongs to one of the files (a verdict holds all of its file's diagnostics).
  const names = new Set(unknown.map((s) => s.filename));
  if (fresh.every((d) => names.has(d.file))) {
    await Promise.all(unknown.map((s) => verdicts.put(s, fresh.filter((d) => d.file === s.filename))));
  }
  return { scripts, problems, diagnostics: sortDiagnostics([...known.flatMap((d) => d ?? []), ...fresh]) };
}

function writeReport(format: Format, diagnostics: Diagnostic[], problems: InputProblem[], inputs: CheckInput[]): void {
  switch (format) {
    case "human": {
      const sources = new Map(inputs.map((i) => [i.filename, i.source]));
      if (diagnostics.length > 0 || problems.length === 0) {
        process.stdout.write(formatHuman(diagnostics, sources, process.stdout.isTTY === true));
      }
      return;
    }
    case "json": {
      const errorCount = diagnostics.filter((d) => d.category === "error").length;
      const report = {
        files: inputs.map((i) => i.filename),
        diagnostics,
        inputErrors: problems,
        errorCount,
        warningCount: diagnostics.length - errorCount,
      };
      process.stdout.write(JSON.stringify(report, null, 2) + "\n");
      return;
    }
    case "github":
      process.stdout.write(formatGithub(diagnostics) + problems.map((p) => formatGithubInputError(p.file, p.message)).join(""));
      return;
    case "sarif":
      process.stdout.write(JSON.stringify(toSarif(diagnostics, problems), null, 2) + "\n");
      return;
  }
}
