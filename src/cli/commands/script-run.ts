/**
 * `cody script run <file|->` — run a script: banner, console streamed live, result last. `--json` prints JSONL events
 * (start, console, tool_call, tool_result, end). Exit codes: 0 ok, 1 script failed, 2 usage, 3 limit exceeded,
 * 130 aborted. Ctrl-C aborts the script and every tool it started; a second Ctrl-C exits at once.
 */
import path from "node:path";
import type { Command } from "commander";
import { readScriptFile, validateScriptSource, type ScriptSource } from "../../compiler/index.js";
import { isLimitError } from "../../errors/index.js";
import { createHarness, type Harness } from "../../harness.js";
import { normalizeLimits } from "../../limits.js";
import { Turn, type RunResult, type ScriptPool } from "../../runtime/index.js";
import { EXIT } from "../exit-codes.js";
import { addHarnessFlags, harnessOptionsFromFlags, type HarnessFlags } from "../harness-options.js";
import { RUN_POOL, takeRunPool } from "../prestart.js";
import { banner, renderEvent, renderResult } from "../render-run.js";

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
  if (result.error?.code === "CODY_ABORTED") return EXIT.aborted;
  if (isLimitError(result.error)) return EXIT.limit;
  return EXIT.failed;
}

async function runCommand(file: string, flags: RunFlags, prestarted: Promise<ScriptPool> | undefined): Promise<number> {
  const fromStdin = file === "-";
  const options = await harnessOptionsFromFlags(flags, { stdinBusy: fromStdin });
  const limits = normalizeLimits(options.limits);
  let script: ScriptSource;
  if (fromStdin) {
    script = validateScriptSource(await readStdin(), "<stdin>.ts", limits);
  } else {
    const display = path.relative(options.cwd, path.resolve(file)) || file;
    script = await readScriptFile(path.resolve(file), limits, display.startsWith("..") ? file : display);
  }

  const out = (text: string): void => void process.stdout.write(text);
  const err = (text: string): void => void process.stderr.write(text);
  // One script runs here: one worker with one VM starts fastest.
  const harness: Harness = await createHarness({ ...options, pool: (await prestarted) ?? RUN_POOL });
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
  try {
    if (harness.dispatcher.policy.warning) err(`${harness.dispatcher.policy.warning}\n`);
    const result = await harness.run(
      { source: script.source, filename: script.filename },
      {
        signal: abort.signal,
        turnSignal: turn.signal,
        onEvent: (event) => {
          if (flags.json) {
            out(`${JSON.stringify(event)}\n`);
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
              }),
            );
          }
          renderEvent(event, { out, err }, flags.verbose === true);
        },
      },
    );
    await waitForSpawned(turn, abort.signal, limits.timeoutMs, flags.json ? () => {} : err);
    if (!flags.json) renderResult(result, { out, err });
    return exitCodeFor(result);
  } finally {
    process.off("SIGINT", onSigint);
    await turn.end();
    await harness.close();
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
