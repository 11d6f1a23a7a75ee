/** A real temporary workspace for tool handler tests: files written, root resolved to its real path, removed after. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ToolContext } from "../../src/tools/types.js";
import { realWorkspaceRoot } from "../../src/tools/workspace.js";

export function workspace(
  t: { teardown(fn: () => void): void },
  files: Record<string, string | Buffer> = {},
  signal: AbortSignal = new AbortController().signal,
): ToolContext {
  const root = realWorkspaceRoot(fs.mkdtempSync(path.join(os.tmpdir(), "cody-tool-")));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return { workspaceRoot: root, signal };
}
