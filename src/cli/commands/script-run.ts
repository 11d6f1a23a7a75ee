/**
 * `cody script run <file|->` — run a script: banner, console streamed live, result last. `--json` prints JSONL events
 * (start, console, tool_call, tool_result, end). Exit codes: 0 ok, 1 script failed, 2 usage, 3 limit exceeded,
 * 130 aborted. Ctrl-C aborts the script and every tool it started; a second Ctrl-C exits at once.
 */
import type { Command } from "commander";
import type { CallRow } from "../../audit/index.js";
import { describeSideEffect } from "../../audit/index.js";
import { readScriptFile, validateScriptSource, type Diagnostic, type ScriptSource } from "../../compiler/index.js";
import { isLimitError, RUN_EXIT_OF_CODE, StoreError, type SerializedError } from "../../errors/index.js";
import { createHarness, type Harness } from "../../harness.js";
import { Turn, publicRunEvent, type RunResult, type ScriptPool } from "../../runtime/index.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s), which a run without MCP servers must not pay for
import { unavailableWarning } from "../../tools/mcp/unavailable.js";
import { EXIT } from "../exit-codes.js";
import { addHarnessFlags, checkAllowedTools, harnessOptionsFromFlags, type HarnessFlags } from "../harness-options.js";
import { RUN_POOL, takeRunPool, useOneShotEngineTiering } from "../prestart.js";
import { banner, formatErrorForTerminal, renderEvent, renderResult } from "../render-run.js";
import { resolveFileArg, workspaceDisplayName } from "../workspace.js";

interface RunFlags extends HarnessFlags {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export function registerScriptRun(parent: Command): void {
  const cmd = parent
    .command("run")
    .description("Run a script (a .ts file, or - for standard input) in a fresh sandbox.")
    .argument("<file>", "script file, or - to read the script from standard input")
    .option("--json", "print JSONL events (start, console, tool_call, tool_result, end) instead of text")
    .option("-q, --quiet", "no banner")
    .option("-v, --verbose", "show each tool call and result as it happens");
  addHarnessFlags(cmd).action(async (file: string, flags: RunFlags) => {
    // Started by main.ts while this module loaded; closed here whatever happens (the harness does not own it).
    const prestarted = takeRunPool();
    if (!prestarted) useOneShotEngineTiering();
    try {
      process.exitCode = await runCommand(file, flags, prestarted);
    } finally {
      await (await prestarted?.catch(() => undefined))?.close();
    }
  });
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function exitCodeFor(result: RunResult): number {
  if (result.ok) return EXIT.ok;
  const code = result.error?.code ?? "";
  if (Object.hasOwn(RUN_EXIT_OF_CODE, code)) return RUN_EXIT_OF_CODE[code] as number;
  return isLimitError(result.error) ? EXIT.limit : EXIT.failed;
}

async function runCommand(file: string, flags: RunFlags, prestarted: Promise<ScriptPool> | undefined): Promise<number> {
  const fromStdin = file === "-";
  const options = await harnessOptionsFromFlags(flags, { stdinBusy: fromStdin });
  const { limits } = options.settings;
  let script: ScriptSource;
  if (fromStdin) {
    script = validateScriptSource(await readStdin(), "<stdin>.ts", limits);
  } else {
    const absolute = resolveFileArg(file);
    script = await readScriptFile(absolute, limits, workspaceDisplayName(absolute, options.cwd));
  }

  const out = (text: string): void => void process.stdout.write(text);
  const err = (text: string): void => void process.stderr.write(text);
  // One script runs here: one worker with one VM starts fastest.
  const harness: Harness = await createHarness({ ...options, pool: (await prestarted) ?? RUN_POOL });
  // A storage fault nobody could be thrown to is still said, once. The audit's (the run's end not saved) fails the
  // command — its record is incomplete; the cache's (a compile not cached) is a warning: the run itself was fine.
  let storeFault: string | undefined;
  let cacheWarning: string | undefined;
  harness.storeHealth.listen((error) => {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const operation = error instanceof StoreError ? String(error.details["operation"]) : "";
    if (operation.startsWith("cache.")) cacheWarning ??= text;
    else storeFault ??= text;
  });
  try {
    checkAllowedTools(options.settings.policy?.allowTools ?? [], harness.toolNames());
  } catch (error) {
    await harness.close();
    throw error;
  }
  const abort = new AbortController();
  const turn = new Turn();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT.aborted);
    err("\n^C aborting the script and its tools (press again to exit now)\n");
    abort.abort();
  };
  process.on("SIGINT", onSigint);
  let code: number;
  try {
    if (harness.dispatcher.policy.warning) err(`${harness.dispatcher.policy.warning}\n`);
    for (const u of harness.mcpUnavailable) err(`cody: ${unavailableWarning(u)}\n`);
    // The script as validated above: the harness does not validate it again.
    const result = await harness.run(
      script,
      {
        signal: abort.signal,
        turnSignal: turn.signal,
        onEvent: (event) => {
          if (flags.json) {
            out(`${JSON.stringify(publicRunEvent(event))}\n`);
            return;
          }
          if (event.type === "start" && !flags.quiet) {
            err(
              banner({
                filename: script.filename,
                hash: event.hash,
                cache: event.cache,
                tools: harness.toolNames(),
                limits: harness.limits,
                approval: harness.dispatcher.policy.dangerouslyApproveAll ? "approve-all" : harness.dispatcher.policy.policy,
                sandbox: `${harness.sandbox.mode}${harness.sandbox.network && harness.sandbox.mode !== "danger-full-access" ? " + network" : ""}`,
              }),
            );
          }
          renderEvent(event, { out, err }, flags.verbose === true);
        },
      },
    );
    await waitForSpawned(turn, abort.signal, limits.timeoutMs, flags.json ? () => {} : err);
    if (result.error?.code === "CODY_STORE") {
      // The database failed, not the script: one line, like every other I/O error (exit 2).
      storeFault = undefined;
      cacheWarning = undefined;
      if (!flags.json) err(`cody: StoreError: ${result.error.message}\n`);
    } else if (!flags.json) {
      const rows = auditCalls(harness, result);
      renderResult(withAuditOutcomes(result, rows), { out, err }, {
        sideEffects: new Map(rows.map((c) => [c.callId, describeSideEffect(c)])),
        formatFailure: await failureFormatter(result, script),
      });
    }
    code = exitCodeFor(result);
  } finally {
    process.off("SIGINT", onSigint);
    await turn.end();
    await harness.close();
  }
  if (cacheWarning !== undefined) err(`cody: warning: ${cacheWarning} (the script ran uncached)\n`);
  if (storeFault === undefined) return code;
  err(`cody: ${storeFault}\n`);
  return EXIT.usage;
}

/** The run's calls as the audit log has them (what `cody runs show` prints); none when the store cannot be read. */
function auditCalls(harness: Harness, result: RunResult): readonly CallRow[] {
  if (result.toolCalls.length === 0) return [];
  try {
    return harness.audit.getRun(result.runId)?.calls ?? [];
  } catch {
    return []; // the store is failing; that is reported on its own
  }
}

/**
 * The CLI's turn is one script: spawned tasks may finish after it returns, so wait for them (up to the script's own
 * time limit, or until Ctrl-C), then end the turn, which aborts whatever is still running.
 */
async function waitForSpawned(turn: Turn, signal: AbortSignal, maxMs: number, err: (t: string) => void): Promise<void> {
  if (turn.pending === 0) return;
  err(`… waiting for ${turn.pending} spawned task(s)\n`);
  const deadline = Date.now() + maxMs;
  while (turn.pending > 0 && !signal.aborted && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  if (turn.pending > 0) err(`… ending ${turn.pending} spawned task(s) still running\n`);
}

/**
 * The run's calls as the audit log has them now, which is what `cody runs show` prints: a spawned call may be denied
 * or settle after the script returned, when the result was already built.
 */
function withAuditOutcomes(result: RunResult, rows: readonly CallRow[]): RunResult {
  if (rows.length === 0) return result;
  const byId = new Map(rows.map((r) => [r.callId, r]));
  const toolCalls = result.toolCalls.map((c) => {
    const row = byId.get(c.id);
    // "unknown" (a crashed process's call) never appears for a run this process just finished.
    if (!row || row.outcome === c.outcome || row.outcome === "unknown") return c;
    return { ...c, outcome: row.outcome, ok: row.outcome === "ok" };
  });
  return { ...result, toolCalls };
}

/** Type and syntax errors are shown as `script check` shows them: each diagnostic once, with its code frame. */
async function failureFormatter(result: RunResult, script: ScriptSource): Promise<(error: SerializedError) => string> {
  const diagnostics = result.error?.details["diagnostics"];
  const code = result.error?.code;
  if ((code !== "CODY_SCRIPT_TYPE" && code !== "CODY_SCRIPT_SYNTAX") || !Array.isArray(diagnostics) || diagnostics.length === 0) {
    return formatErrorForTerminal;
  }
  // Loaded only on this path: the code-frame renderer is not needed by a script that compiles.
  const { formatHuman } = await import("../format/human.js");
  return () => formatHuman(diagnostics as Diagnostic[], new Map([[script.filename, script.source]]), process.stderr.isTTY === true);
}
