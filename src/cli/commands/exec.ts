/**
 * `cody exec "<prompt>"` — a conversation with a model that acts through `<tool-calls>` scripts and native function
 * calls. Streams the assistant's prose to stdout; a banner per script, its console output and tool calls go to
 * stderr; `--json` prints every event as one JSON line on stdout instead.
 * Exit codes: 0 done, 1 model/provider failure, 2 usage, 3 stopped at --max-turns, 130 aborted (Ctrl-C).
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { formatDiagnosticsForModel, resolveProviderConfig, type Agent, type AgentEvent, type CheckMode, type ConversationStoreLike } from "../../agent/index.js";
import type { ConversationOptions } from "../../conversation.js";
import { AbortedError, CodyError, RUN_EXIT_OF_CODE, UsageError, publicError, serializeError } from "../../errors/index.js";
import { Harness } from "../../harness.js";
import { EXIT } from "../exit-codes.js";
import { addHarnessFlags, checkAllowedTools, harnessOptionsFromFlags, type CliHarnessOptions, type HarnessFlags } from "../harness-options.js";
import { summarizeTools } from "../render-run.js";

export interface ExecFlags extends Omit<HarnessFlags, "check"> {
  model?: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  api?: "responses" | "chat";
  json?: boolean;
  verbose?: boolean;
  resume?: string;
  maxTurns?: number;
  /** `--check MODE`, or `true`/`false` from the shared `--no-check`. */
  check?: CheckMode | boolean;
}

/** What the command needs from the rest of the harness. The integrator may swap `createExecWiring`. */
export interface ExecWiring {
  /** A conversation loop over the harness (`Harness.conversation`). */
  conversation(opts: ConversationOptions): Promise<Agent>;
  store: ConversationStoreLike;
  /** A line to print on stderr before starting (e.g. the approve-all warning). */
  warning?: string | undefined;
  close(): Promise<void>;
}

/**
 * `--check` against the harness's compile-time check: absent = the compile step type-checks (a type error fails the
 * run with its diagnostics); `block` = also check before running and send diagnostics back without running;
 * `warn` = check, report, run anyway (compile without the check); `off` / `--no-check` = no type-check.
 */
function checkModes(check: ExecFlags["check"]): { loop: CheckMode; compileTypecheck: boolean } {
  if (check === undefined || check === true) return { loop: "off", compileTypecheck: true };
  if (check === false || check === "off") return { loop: "off", compileTypecheck: false };
  if (check === "warn") return { loop: "warn", compileTypecheck: false };
  return { loop: "block", compileTypecheck: true };
}

/** HarnessOptions for `exec`: the settings resolved once from the flags, and the compile step's type-check. */
function execHarnessOptions(flags: ExecFlags): Promise<CliHarnessOptions> {
  return harnessOptionsFromFlags({ ...flags, check: checkModes(flags.check).compileTypecheck });
}

/**
 * A Harness over the flags' workspace and database (`options` when the caller resolved them already); conversations
 * are assembled by `Harness.conversation`.
 */
export async function createExecWiring(flags: ExecFlags, options?: CliHarnessOptions): Promise<ExecWiring> {
  options ??= await execHarnessOptions(flags);
  // A conversation runs one script at a time: one worker with one spare VM is enough and starts fastest.
  const harness = await Harness.create({ ...options, pool: { workers: 1, maxWorkers: 1, vmsPerWorker: 1 } });
  try {
    checkAllowedTools(options.settings.policy?.allowTools ?? [], harness.toolNames());
    return {
      conversation: (opts) => harness.conversation(opts),
      store: await harness.conversations(),
      warning: harness.warnings().join("\n") || undefined,
      close: () => harness.close(),
    };
  } catch (error) {
    await harness.close();
    throw error;
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`must be a positive integer, got \`${value}\``);
  return n;
}

export function registerExec(
  parent: Command,
  wiring: (flags: ExecFlags, options?: CliHarnessOptions) => Promise<ExecWiring> = createExecWiring,
): void {
  const cmd = parent
    .command("exec")
    .description("Talk to a model that acts by writing <tool-calls> scripts (and native function calls).")
    .argument("<prompt>", "what to do")
    .option("--model <name>", "model name (env CODY_MODEL; default gpt-4.1)")
    .option("--base-url <url>", "OpenAI-compatible API base URL (env CODY_BASE_URL, OPENAI_BASE_URL)")
    .option("--api-key-env <name>", "read the API key from this environment variable (default CODY_API_KEY, then OPENAI_API_KEY)")
    .addOption(new Option("--api <protocol>", "wire protocol (env CODY_API; default responses)").choices(["responses", "chat"]))
    .option("--json", "print every event as a JSON line on stdout")
    .option("-v, --verbose", "show each script and its result whole (default: their first lines)")
    .option("--resume <id>", "continue a stored conversation")
    .option("--max-turns <n>", "model calls before stopping (default 20)", positiveInt)
    .addOption(new Option("--check <mode>", "type-check before running: off | warn | block").choices(["off", "warn", "block"]));
  addHarnessFlags(cmd);
  cmd.action(async (prompt: string, flags: ExecFlags) => {
    await execAction(prompt, flags, wiring);
  });
}

async function execAction(
  prompt: string,
  flags: ExecFlags,
  wiring: (flags: ExecFlags, options?: CliHarnessOptions) => Promise<ExecWiring>,
): Promise<void> {
  // Settings (cody.json included) are resolved once, here. The provider comes first: a missing key or bad URL fails
  // before any worker or MCP server starts.
  const options = await execHarnessOptions(flags);
  const provider = resolveProviderConfig(
    {
      ...(flags.model !== undefined ? { model: flags.model } : {}),
      ...(flags.baseUrl !== undefined ? { baseUrl: flags.baseUrl } : {}),
      ...(flags.apiKeyEnv !== undefined ? { apiKeyEnv: flags.apiKeyEnv } : {}),
      ...(flags.api !== undefined ? { api: flags.api } : {}),
    },
    process.env,
    options.settings.config["provider"],
  );
  const w = await wiring(flags, options);
  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.aborted);
    process.stderr.write("\ncody: cancelling the turn (Ctrl-C again to quit at once)\n");
    abort.abort();
  };
  process.on("SIGINT", onSigint);
  const render = flags.json ? jsonRenderer() : humanRenderer(flags.verbose === true);
  try {
    // Loud in every mode: stderr never mixes with the JSON lines on stdout.
    if (w.warning) process.stderr.write(`${w.warning}\n`);
    const agent = await w.conversation({ provider, check: checkModes(flags.check).loop, maxTurns: flags.maxTurns });
    const resume = flags.resume === undefined ? undefined : resolveConversationId(w.store, flags.resume);
    const result = await agent.run(prompt, {
      signal: abort.signal,
      onEvent: render,
      ...(resume !== undefined ? { conversationId: resume } : {}),
    });
    process.exitCode = result.stopReason === "max_turns" ? EXIT.limit : EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError || !(error instanceof CodyError)) throw error;
    if (flags.json) process.stdout.write(`${JSON.stringify({ type: "error", error: publicError(serializeError(error)) })}\n`);
    process.stderr.write(`\ncody: ${error.name}: ${error.message}\n`);
    const conversationId = error.details["conversationId"];
    if (typeof conversationId === "string") process.stderr.write(`conversation ${conversationId} (resume with --resume ${conversationId})\n`);
    // A database fault (a conversation that could not be saved) is an I/O error like any other: exit 2.
    process.exitCode = error instanceof AbortedError ? EXIT.aborted : (Object.hasOwn(RUN_EXIT_OF_CODE, error.code) ? RUN_EXIT_OF_CODE[error.code] : undefined) ?? EXIT.failed;
  } finally {
    process.off("SIGINT", onSigint);
    await w.close();
  }
}

/**
 * `--resume` takes a whole id or a unique prefix, as `cody runs show` does (with or without the `conv_`). An id that
 * matches nothing is passed on as given, and the loop reports it as unknown.
 */
function resolveConversationId(store: ConversationStoreLike, id: string): string {
  if (store.get(id) || !store.findIds) return id;
  for (const prefix of id.startsWith("conv_") ? [id] : [id, `conv_${id}`]) {
    const matches = store.findIds(prefix);
    if (matches.length > 1) {
      throw new UsageError(`Conversation id \`${id}\` is ambiguous: ${matches.join(", ")}`, { conversationId: id, matches });
    }
    if (matches[0] !== undefined) return matches[0];
  }
  return id;
}

function jsonRenderer(): (e: AgentEvent) => void {
  return (e) => {
    // Errors leave the process without host stacks.
    const out = e.type === "script_end" && e.error ? { ...e, error: publicError(e.error) } : e;
    process.stdout.write(`${JSON.stringify(out)}\n`);
  };
}

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Lines of `text`, indented; without `verbose` only the first `max`, then how many more there are. */
function block(text: string, max: number, verbose: boolean, prefix: string): string[] {
  const lines = text.replace(/\n+$/, "").split("\n");
  const shown = verbose ? lines : lines.slice(0, max);
  const out = shown.map((l) => `${prefix}${l}`);
  if (shown.length < lines.length) out.push(`${prefix}… ${lines.length - shown.length} more line(s) (-v shows all)`);
  return out;
}

function humanRenderer(verbose: boolean): (e: AgentEvent) => void {
  const err = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  let atLineStart = true;
  const newline = (): void => {
    if (!atLineStart) process.stdout.write("\n");
    atLineStart = true;
  };
  return (e) => {
    switch (e.type) {
      case "assistant_text":
        process.stdout.write(e.delta);
        atLineStart = e.delta.endsWith("\n");
        break;
      case "script_start": {
        newline();
        // The same 12 characters of the same hash as the approval prompt and `cody runs show`.
        err(`── script ${e.filename} · hash ${e.sourceHash.slice(0, 12)} · tools: ${summarizeTools(e.tools)}`);
        for (const line of block(e.source, 6, verbose, "   ┆ ")) err(line);
        break;
      }
      case "diagnostics":
        if (e.diagnostics.length > 0) for (const line of formatDiagnosticsForModel(e.diagnostics).split("\n")) err(`   ${line}`);
        if (e.blocked) err("   not run: type errors (sent back to the model)");
        break;
      case "console":
        err(`   │ ${e.entry.level === "log" ? "" : `[${e.entry.level}] `}${e.entry.text}`);
        break;
      case "tool_call":
        err(`   → ${e.tool}${e.detached ? " (spawned)" : ""} ${clip(JSON.stringify(e.args) ?? "", 120)}`);
        break;
      case "tool_result":
        err(`   ← ${e.tool} ${e.outcome} ${Math.round(e.ms)} ms`);
        break;
      case "script_end":
        err(
          e.ok
            ? `── ok in ${Math.round(e.durationMs ?? 0)} ms${e.runId ? ` · run ${e.runId}` : ""}`
            : `── failed${e.error ? `: ${e.error.code}: ${clip(e.error.message, 200)}` : ""}${e.runId ? ` · run ${e.runId}` : ""}`,
        );
        // What the model is told: the result or the error (console lines were shown live above).
        for (const line of block(e.output.split("\nconsole")[0] ?? "", 8, verbose, "   ⇒ ")) err(line);
        break;
      case "block_error":
        newline();
        err(`── ${e.message}`);
        break;
      case "function_call":
        newline();
        err(`── call ${e.name} ${clip(JSON.stringify(e.args) ?? "", 120)}`);
        break;
      case "function_result":
        err(`── ${e.name} ${e.ok ? "ok" : clip(e.output, 200)}`);
        break;
      case "final":
        newline();
        if (e.message) err(`cody: ${e.message}`);
        {
          // A provider that sends no usage leaves both counts at 0: say nothing rather than "0 in / 0 out".
          const tokens = e.usage.inputTokens + e.usage.outputTokens > 0 ? ` · tokens ${e.usage.inputTokens} in / ${e.usage.outputTokens} out` : "";
          err(`conversation ${e.conversationId} · ${e.turns} turn(s)${tokens}`);
        }
        break;
      case "turn_start":
      case "turn_end":
        break;
    }
  };
}
