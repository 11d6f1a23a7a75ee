/**
 * The system prompt. Its tool section is the exact `.d.ts` text the type-checker enforces, so what the model reads
 * and what the checker accepts cannot drift apart; the rules around it are short and name the real limits.
 */
import { normalizeLimits, type Limits } from "../limits.js";

export interface PromptOptions {
  /** The tools declarations (from `generateToolsDts(...).text`). */
  toolsDts: string;
  /**
   * An index of MCP tools (one line each, from `buildToolIndex`) shown instead of their declarations, which the model
   * fetches with `tools.describe`. `toolsDts` then holds the other tools' declarations.
   */
  toolIndex?: string;
  limits?: Partial<Limits>;
  /** Whether native (structured) function calls are offered too. @default true */
  structuredTools?: boolean;
  /** Text placed before the tool section (project or persona instructions). */
  preamble?: string;
  /** Workspace root shown to the model (paths in tool arguments are relative to it). */
  workspace?: string;
}

const DEFAULT_PREAMBLE =
  "You are Cody, a coding agent working in a user's workspace. Act by running short TypeScript scripts; answer " +
  "plainly when you are done.";

/** Build the system prompt (instructions) for a conversation. */
export function buildSystemPrompt(opts: PromptOptions): string {
  const limits = normalizeLimits(opts.limits ?? {});
  const structured = opts.structuredTools ?? true;
  const lines = [
    opts.preamble ?? DEFAULT_PREAMBLE,
    ...(opts.workspace ? [`Workspace: ${opts.workspace} (tool paths are relative to it).`] : []),
    "",
    "# Running code",
    "To act, write a TypeScript script between `<tool-calls>` and `</tool-calls>` tags on their own lines:",
    "",
    "<tool-calls>",
    'const file = await tools.readFile({ path: "package.json" });',
    "return JSON.parse(file.content).name;",
    "</tool-calls>",
    "",
    "Rules:",
    "- The script is the body of an async function: use top-level `await`, and `return` a JSON value — the value, " +
      "your console output and a summary of the tool calls come back to you in the next message.",
    ...scriptRuleLines(limits).slice(0, 1),
    "- Write one block per step, then stop and wait for its result. Do not put the tags inside a ``` code fence (a " +
      "fenced block is shown as an example and not run); a ```ts fence *inside* the tags is fine.",
    ...scriptRuleLines(limits).slice(1),
    "- `tools.spawn.<tool>(args)` starts a call that may outlive the script; it is stopped when your turn ends.",
  ];
  if (structured) {
    lines.push(
      "",
      "# Scripts or function calls",
      "The same tools are also offered as native function calls, with the same validation and approvals. Use a " +
        "single function call for one simple action whose whole result you want to read. Use a script when you " +
        "would chain calls, loop, filter or aggregate results, run calls in parallel, or need only part of a " +
        "large result: one script replaces many round trips.",
    );
  }
  lines.push("", "# Tools (TypeScript declarations)", "```ts", opts.toolsDts.trimEnd(), "```");
  if (opts.toolIndex !== undefined) {
    lines.push(
      "",
      "# MCP tools (index)",
      "These tools exist too; their declarations are left out to keep this prompt short. Call one as " +
        '`tools.mcp.<server>.<tool>(args)` (quote names that are not identifiers: `tools.mcp.s["get-sum"]`). Before ' +
        'using one, fetch its TypeScript declaration with `await tools.describe({ pattern: "mcp.<server>.<tool>" })` ' +
        '(a `*` pattern such as `"mcp.github.*"` or a word to search names and descriptions also works), read it, then ' +
        "write the script that calls it. Scripts are type-checked against the full declarations; a type error about a " +
        "tool quotes its declaration.",
      "",
      opts.toolIndex.trimEnd(),
    );
  }
  return lines.join("\n");
}

/**
 * The rules every script follows, whoever sends it (the agent's prompt, the MCP server's `run_script` description):
 * the globals it has, how tool failures arrive, and the real limits.
 */
export function scriptRuleLines(limits: Limits): string[] {
  const kb = (n: number): string => (n >= 1024 * 1024 ? `${n / (1024 * 1024)} MB` : `${Math.round(n / 1024)} KB`);
  return [
    "- Only the globals `tools` and `console` exist (no `require`, `import`, `fetch`, `process`, file system). Every " +
      "effect goes through `tools.*`, typed below; scripts are type-checked against these declarations.",
    "- Independent calls can run together: `await Promise.all([...])`. A failed tool call rejects with a `ToolError` " +
      "(`code`, `tool`, `details`); catch it when you can recover.",
    `- Limits per script: ${kb(limits.maxSourceBytes)} of source, ${limits.timeoutMs / 1000} s of run time, ` +
      `${limits.maxToolCalls} tool calls (${limits.maxConcurrentToolCalls} at once), ${kb(limits.memoryBytes)} of memory, ` +
      `${kb(limits.maxResultBytes)} for the returned value, ${kb(limits.maxConsoleBytes)} of console output. ` +
      "Return what you need to see, not whole files.",
  ];
}
