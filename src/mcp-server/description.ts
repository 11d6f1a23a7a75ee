/**
 * What the client's model reads about `run_script`: how a script is written, the rules and limits it runs under
 * (shared with the agent's own prompt), and the tool declarations the checker enforces — whole when they are small,
 * as an index pointing at `describe_tools` when they would crowd the client's context.
 */
import { scriptRuleLines } from "../agent/index.js";
import type { Limits } from "../limits.js";
import { toolIndex } from "./describe.js";

/** Declarations longer than this are replaced by an index in the description. @default 24000 */
export const DEFAULT_MAX_DTS_CHARS = 24_000;

export function runScriptDescription(dts: string, limits: Limits, maxDtsChars = DEFAULT_MAX_DTS_CHARS): string {
  const lines = [
    "Run a TypeScript script in a sandbox against this workspace's tools. The script is type-checked against the " +
      "declarations below before it runs; a type error comes back as a tool error naming line:column, so fix the " +
      "script and send it again.",
    "",
    "Example `source`:",
    'const file = await tools.readFile({ path: "package.json" });',
    "console.log(file.totalLines);",
    "return JSON.parse(file.content).name;",
    "",
    "Rules:",
    "- The script is the body of an async function: use top-level `await`, and `return` a JSON value. You get back " +
      "the value, the console output and a one-line summary of the tool calls.",
    ...scriptRuleLines(limits),
    "- Calls that write or run commands may be refused by the approval policy (`ApprovalDeniedError`, a `ToolError`) " +
      "or asked of the user; reading is always allowed inside the workspace.",
  ];
  if (dts.length <= maxDtsChars) {
    lines.push("", "# Tools (TypeScript declarations)", "```ts", dts.trimEnd(), "```");
  } else {
    lines.push(
      "",
      `# Tools (index; the declarations are ${dts.length} characters: call describe_tools with the names you need)`,
      toolIndex(dts),
    );
  }
  return lines.join("\n");
}
