/**
 * The conversation loop. One *turn* = one model call: stream the reply, run each `<tool-calls>` block as soon as it
 * closes (in order, one at a time), run the provider's native function calls, record everything, and call the model
 * again with the outputs. The loop ends when a reply has neither blocks nor function calls, or at `maxTurns`.
 *
 * Cancellation: `signal` cancels the model stream, the running script (and its tool calls) and any structured call.
 * Each turn has its own `turnSignal`, aborted when the turn ends, which stops calls spawned by its scripts.
 */
import { AbortedError, InvalidOptionError, UsageError } from "../errors/index.js";
import type { Limits } from "../limits.js";
import {
  SCRIPT_CALL_NAME,
  type AgentEvent,
  type ConversationItem,
  type ScriptExecutor,
  type StopReason,
  type StructuredToolCaller,
  type Usage,
} from "./contract.js";
import { StreamingDetector, type DetectorItem } from "./detect/streaming.js";
import { DEFAULT_OUTPUT_CAPS, formatNotRun, type OutputCaps } from "./output.js";
import { buildSystemPrompt } from "./prompt.js";
import type { ModelProvider } from "./providers/types.js";
import { runBlock, type CheckMode, type PendingCall } from "./run-block.js";
import { runFunction } from "./run-function.js";
import { MemoryConversationStore, type ConversationStoreLike } from "./store.js";

export type { CheckMode } from "./run-block.js";

export interface AgentOptions {
  provider: ModelProvider;
  executor: ScriptExecutor;
  /** Native function calling; omit to offer scripts only. */
  tools?: StructuredToolCaller;
  /** The tools `.d.ts` the checker enforces (goes into the system prompt). */
  toolsDts: string;
  /** Replace the generated system prompt entirely. */
  instructions?: string;
  /** Text put before the generated prompt's tool section. */
  preamble?: string;
  workspace?: string;
  limits?: Partial<Limits>;
  /** @default "off" (the executor's compile step type-checks anyway) */
  check?: CheckMode;
  /** Model calls per `run()` before stopping. @default 20 */
  maxTurns?: number;
  /** @default an in-memory store (conversations last as long as the process) */
  store?: ConversationStoreLike;
  caps?: Partial<OutputCaps>;
}

export interface RunOptions {
  /** Continue this conversation (its stored items are sent first). */
  conversationId?: string;
  signal?: AbortSignal;
  onEvent?: (event: AgentEvent) => void;
}

export interface AgentResult {
  conversationId: string;
  /** The final reply's prose (blocks removed). */
  text: string;
  /** Model turns of the whole conversation so far (a resumed conversation counts its earlier turns too). */
  turns: number;
  stopReason: StopReason;
  /** Set when stopped early (max turns), saying why and how to continue. */
  message?: string;
  usage: Usage;
}

/** Default and bounds of `maxTurns`. */
const DEFAULT_MAX_TURNS = 20;


export class Agent {
  readonly #opts: AgentOptions;
  readonly #store: ConversationStoreLike;
  readonly #caps: OutputCaps;
  readonly #maxTurns: number;
  readonly #check: CheckMode;

  constructor(opts: AgentOptions) {
    const maxTurns = opts.maxTurns ?? DEFAULT_MAX_TURNS;
    if (!Number.isInteger(maxTurns) || maxTurns < 1) {
      throw new InvalidOptionError(`\`maxTurns\` must be an integer >= 1, got \`${String(maxTurns)}\``, { path: "maxTurns", value: maxTurns });
    }
    const check = opts.check ?? "off";
    if (check !== "off" && check !== "warn" && check !== "block") {
      throw new InvalidOptionError(`\`check\` must be off, warn or block, got \`${String(check)}\``, { path: "check", value: String(check) });
    }
    this.#opts = opts;
    this.#store = opts.store ?? new MemoryConversationStore();
    this.#caps = { ...DEFAULT_OUTPUT_CAPS, ...opts.caps };
    this.#maxTurns = maxTurns;
    this.#check = check;
  }

  /** The system prompt this agent sends. */
  instructions(): string {
    return (
      this.#opts.instructions ??
      buildSystemPrompt({
        toolsDts: this.#opts.toolsDts,
        structuredTools: this.#opts.tools !== undefined && this.#opts.tools.listTools().length > 0,
        ...(this.#opts.limits ? { limits: this.#opts.limits } : {}),
        ...(this.#opts.preamble !== undefined ? { preamble: this.#opts.preamble } : {}),
        ...(this.#opts.workspace !== undefined ? { workspace: this.#opts.workspace } : {}),
      })
    );
  }

  /**
   * Send `prompt` and loop until the model is done. Rejects with AbortedError when `signal` fires (what happened so
   * far is recorded first), with ProviderError when the model endpoint fails.
   */
  async run(prompt: string, options: RunOptions = {}): Promise<AgentResult> {
    if (typeof prompt !== "string" || prompt.trim() === "") throw new UsageError("The prompt is empty");
    const signal = options.signal ?? new AbortController().signal;
    const emit = options.onEvent ?? ((): void => {});
    const { provider } = this.#opts;
    let conversationId = options.conversationId;
    let history: ConversationItem[] = [];
    let turnBase = 0;
    if (conversationId !== undefined) {
      const summary = this.#store.get(conversationId);
      if (!summary) throw new UsageError(`No conversation \`${conversationId}\` to resume`, { conversationId });
      history = this.#store.items(conversationId).map((s) => s.item);
      turnBase = summary.turns;
    } else {
      conversationId = this.#store.create({ model: provider.model, api: provider.api, title: prompt.trim() });
    }
    const id = conversationId;
    const instructions = this.instructions();
    const tools = this.#opts.tools?.listTools() ?? [];
    const usage: Usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
    let unsaved: ConversationItem[] = [{ type: "message", role: "user", content: prompt }];
    history.push(...unsaved);

    for (let turn = 1; ; turn++) {
      const globalTurn = turnBase + turn;
      if (signal.aborted) {
        if (unsaved.length > 0) this.#store.append(id, globalTurn - 1, unsaved.map((item) => ({ item })));
        throw new AbortedError("The conversation was aborted", { conversationId: id });
      }
      emit({ type: "turn_start", conversationId: id, turn: globalTurn });
      const outcome = await this.#turn(id, globalTurn, instructions, history, tools, signal, emit);
      if (outcome.usage) addUsage(usage, outcome.usage);
      const entries = [...unsaved.map((item) => ({ item })), ...outcome.entries];
      unsaved = [];
      history.push(...outcome.entries.map((e) => e.item));
      this.#store.append(id, globalTurn, entries);
      emit({
        type: "turn_end",
        turn: globalTurn,
        scripts: outcome.scripts,
        functionCalls: outcome.functionCalls,
        ...(outcome.usage ? { usage: outcome.usage } : {}),
      });
      if (outcome.failure) {
        if (outcome.failure instanceof AbortedError || signal.aborted) {
          throw new AbortedError("The conversation was aborted", { conversationId: id }, { cause: outcome.failure });
        }
        throw outcome.failure;
      }
      if (outcome.calls === 0) {
        emit({ type: "final", conversationId: id, text: outcome.text, turns: globalTurn, stopReason: "done", usage });
        return { conversationId: id, text: outcome.text, turns: globalTurn, stopReason: "done", usage };
      }
      if (turn >= this.#maxTurns) {
        const message =
          `Stopped after ${turn} model turn(s) (maxTurns = ${this.#maxTurns}) while the model was still calling tools; ` +
          `the last outputs are recorded. Continue with \`cody exec --resume ${id} "continue"\` or raise --max-turns.`;
        emit({ type: "final", conversationId: id, text: outcome.text, turns: globalTurn, stopReason: "max_turns", usage, message });
        return { conversationId: id, text: outcome.text, turns: globalTurn, stopReason: "max_turns", message, usage };
      }
    }
  }

  /** Continue conversation `conversationId` with `prompt` (same as `run` with `conversationId`). */
  resume(conversationId: string, prompt: string, options: Omit<RunOptions, "conversationId"> = {}): Promise<AgentResult> {
    return this.run(prompt, { ...options, conversationId });
  }

  /** One model call and the calls it asks for. Never throws: a failure comes back with what was recorded before it. */
  async #turn(
    conversationId: string,
    turn: number,
    instructions: string,
    history: ConversationItem[],
    tools: ReturnType<StructuredToolCaller["listTools"]>,
    signal: AbortSignal,
    emit: (e: AgentEvent) => void,
  ): Promise<{
    entries: { item: ConversationItem; runId?: string }[];
    text: string;
    calls: number;
    scripts: number;
    functionCalls: number;
    usage?: Usage;
    failure?: unknown;
  }> {
    // `cancel` stops this turn's work (user abort, or the model stream failing); `turnEnd` also ends spawned calls.
    const cancel = new AbortController();
    const turnEnd = new AbortController();
    const onAbort = (): void => {
      cancel.abort();
      turnEnd.abort();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) onAbort();

    const detector = new StreamingDetector();
    const blocks: PendingCall[] = [];
    const functions: PendingCall[] = [];
    let raw = "";
    let prose = "";
    let usage: Usage | undefined;
    let failure: unknown;
    let chain: Promise<void> = Promise.resolve();

    const onItem = (item: DetectorItem): void => {
      if (item.type === "text") {
        prose += item.text;
        emit({ type: "assistant_text", turn, delta: item.text });
        return;
      }
      const pending: PendingCall = {
        call: {
          type: "function_call",
          call_id: `tc_${turn}_${item.index}`,
          name: SCRIPT_CALL_NAME,
          arguments: JSON.stringify({ block: item.index }),
        },
      };
      blocks.push(pending);
      if (item.type === "error") {
        pending.output = formatNotRun(item.message);
        emit({ type: "block_error", callId: pending.call.call_id, index: item.index, kind: item.kind, message: item.message });
        return;
      }
      chain = chain.then(() =>
        runBlock(pending, item, {
          executor: this.#opts.executor,
          check: this.#check,
          caps: this.#caps,
          signal: cancel.signal,
          turnSignal: turnEnd.signal,
          turn,
          emit,
        }),
      );
    };

    try {
      for await (const event of this.#opts.provider.stream({ instructions, input: history, tools }, cancel.signal)) {
        if (event.type === "text_delta") {
          raw += event.delta;
          for (const item of detector.push(event.delta)) onItem(item);
        } else if (event.type === "function_call") {
          functions.push({ call: { type: "function_call", call_id: event.callId, name: event.name, arguments: event.arguments } });
        } else if (event.usage) {
          usage = event.usage;
        }
      }
      for (const item of detector.finish()) onItem(item);
      await chain;
      for (const pending of functions) {
        if (cancel.signal.aborted) break;
        await runFunction(pending, this.#opts.tools, { signal: cancel.signal, caps: this.#caps, emit, conversationId, turn });
      }
    } catch (error) {
      failure = error;
      cancel.abort();
      await chain;
    } finally {
      signal.removeEventListener("abort", onAbort);
      turnEnd.abort();
    }

    const entries: { item: ConversationItem; runId?: string }[] = [];
    if (raw !== "") entries.push({ item: { type: "message", role: "assistant", content: raw } });
    const all = [...blocks, ...functions];
    for (const p of all) entries.push({ item: p.call });
    for (const p of all) {
      const output = p.output ?? "error: not run — the turn was cancelled before this call finished";
      const entry: { item: ConversationItem; runId?: string } = {
        item: { type: "function_call_output", call_id: p.call.call_id, output },
      };
      if (p.runId !== undefined) entry.runId = p.runId;
      entries.push(entry);
    }
    return {
      entries: failure !== undefined && raw === "" && all.length === 0 ? [] : entries,
      text: prose.trim(),
      calls: all.length,
      scripts: blocks.length,
      functionCalls: functions.length,
      ...(usage ? { usage } : {}),
      ...(failure !== undefined ? { failure } : {}),
    };
  }
}

function addUsage(total: Usage, add: Usage): void {
  total.inputTokens += add.inputTokens;
  total.outputTokens += add.outputTokens;
  total.totalTokens += add.totalTokens;
}
