/** The `.d.ts` scripts in a workspace are checked against, from the harness's checker for that workspace. */
import { resolveSettings } from "../config/index.js";
import { openScriptChecker } from "../checker.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s), which a run without MCP servers must not pay for
import { unavailableWarning } from "../tools/mcp/unavailable.js";

/**
 * Declarations for `cwd` with its database at `dbPath` (their cache lives beside it; `:memory:` caches nothing). MCP
 * servers configured in cody.json start just long enough to list their tools; one that cannot start is left out with
 * one warning on stderr, as `script run` does.
 */
export async function toolsDtsText(cwd: string, dbPath?: string): Promise<string> {
  const { checker, mcpUnavailable } = await openScriptChecker(await resolveSettings({ cwd, env: process.env, dbPath }));
  try {
    for (const u of mcpUnavailable) process.stderr.write(`cody: ${unavailableWarning(u)}\n`);
    return (await checker.toolsDts()).text;
  } finally {
    await checker.close();
  }
}
