/**
 * How a Harness fills the conversation loop's contracts (src/agent/contract.ts): scripts go through `harness.run`,
 * native function calls through the dispatcher (`harness.callTool`), conversations live in the harness's database.
 * `Harness.conversation()` is the one place this is assembled; `cody exec` and `cody serve` only choose options.
 */
import { randomUUID } from "node:crypto";
import {
  Agent,
  type ConversationStoreLike,
  createProvider,
  type CheckMode,
  type ModelProvider,
  type ProviderConfig,
  type ScriptExecutor,
  type StructuredToolCaller,
} from "./agent/index.js";
import type { Harness } from "./harness.js";
import type { Limits } from "./limits.js";

export interface ConversationOptions {
  /** The model endpoint: a provider, or a config resolved with `resolveProviderConfig` (flags, environment, file). */
  provider: ModelProvider | ProviderConfig;
  /** Type-check mode of the loop (see docs/conversation.md, "Check modes"). @default "off" */
  check?: CheckMode | undefined;
  /** Model calls per `run()`. @default 20 */
  maxTurns?: number | undefined;
  /** Limits for this conversation's scripts, over the harness's (they should only lower them; the caller checks). */
  limits?: Partial<Limits> | undefined;
  /** Text put before the generated system prompt's tool section. */
  preamble?: string | undefined;
  /** Told each script's run id before the run starts (the REST server forwards that run's approval requests). */
  onScriptRun?: ((runId: string) => void) | undefined;
}

/** The executor a conversation's scripts run through: the harness's run path, with this conversation's limits. */
export function harnessExecutor(harness: Harness, limits?: Partial<Limits>, onScriptRun?: (runId: string) => void): ScriptExecutor {
  return {
    runScript: (source, o) => {
      const runId = randomUUID();
      onScriptRun?.(runId);
      return harness.run(
        { source, filename: o.filename },
        { runId, signal: o.signal, turnSignal: o.turnSignal, onEvent: o.onEvent, ...(limits ? { limits } : {}) },
      );
    },
    checkScript: (source, filename) => harness.check([{ source, filename }]),
    toolNames: () => harness.toolNames(),
    scriptHash: (source, filename) => harness.hashOf({ source, filename }),
  };
}

/** Native function calls through the dispatcher: the same validation, approval policy and audit as script calls. */
export function harnessToolCaller(harness: Harness): StructuredToolCaller {
  let structured = 0;
  return {
    listTools: () => harness.registry.specs().map((s) => ({ name: s.name, description: s.description, parameters: s.argsSchema })),
    // A turn's native calls share one audit run id, so `cody runs show <conversation>:t<turn>` lists them together.
    call: (name, args, signal, context) =>
      harness.callTool(
        context
          ? { runId: `${context.conversationId}:t${context.turn}`, callId: context.callId, tool: name, args }
          : { callId: `f${++structured}`, tool: name, args },
        signal,
      ),
  };
}

function isProvider(p: ConversationOptions["provider"]): p is ModelProvider {
  return typeof (p as ModelProvider).stream === "function";
}

/** An Agent over `harness`, storing its conversations in `store`. */
export async function createConversation(harness: Harness, store: ConversationStoreLike, opts: ConversationOptions): Promise<Agent> {
  const provider = isProvider(opts.provider) ? opts.provider : createProvider(opts.provider);
  const limits = opts.limits ? { ...harness.limits, ...opts.limits } : harness.limits;
  return new Agent({
    provider,
    executor: harnessExecutor(harness, opts.limits, opts.onScriptRun),
    tools: harnessToolCaller(harness),
    toolsDts: (await harness.toolsDts()).text,
    // Asked before each turn: MCP tool lists can change mid-conversation, and above the index threshold the prompt
    // carries an index of MCP tools instead of their declarations.
    currentTools: () => harness.promptTools(),
    store,
    limits,
    workspace: harness.cwd,
    ...(opts.check !== undefined ? { check: opts.check } : {}),
    ...(opts.maxTurns !== undefined ? { maxTurns: opts.maxTurns } : {}),
    ...(opts.preamble !== undefined ? { preamble: opts.preamble } : {}),
  });
}
