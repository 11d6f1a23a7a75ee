/** Shared setup for the MCP tests: real server processes, temp workspaces and child-process inspection. */
import { readdirSync, readFileSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { McpStdioServerConfig } from "../../src/config/index.js";
import type { ToolContext } from "../../src/tools/index.js";

const require = createRequire(import.meta.url);

/**
 * Start timeout for real servers in tests: far above a normal start (~0.3 s) because parallel test files on a small
 * machine can starve a starting Node process for many seconds; the tests are about behaviour, not the default.
 */
export const TEST_START_TIMEOUT_MS = 40_000;

/** server-everything's launcher; `stdio` selects its stdio transport. */
export const EVERYTHING_ENTRY = path.join(
  path.dirname(require.resolve("@modelcontextprotocol/server-everything/package.json")),
  "dist",
  "index.js",
);

export function everythingServer(extra: Partial<McpStdioServerConfig> = {}): McpStdioServerConfig {
  return { command: process.execPath, args: [EVERYTHING_ENTRY, "stdio"], ...extra };
}

/** The compiled fixture server next to this file (dist/test/mcp/fixtures/odd-server.js). */
export function oddServer(): McpStdioServerConfig {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return { command: process.execPath, args: [path.join(here, "fixtures", "odd-server.js")] };
}

export function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-mcp-test-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function context(workspaceRoot: string, signal: AbortSignal = new AbortController().signal): ToolContext {
  return { workspaceRoot, signal };
}

/** Live (non-zombie) child processes of this test process, read from /proc (Linux). */
export function childPids(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // Fields after the parenthesised command: state, ppid, …
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[1]) === process.pid && fields[0] !== "Z") out.push(Number(entry));
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Poll until `check()` is true; fails (returns false) after `limitMs` so a broken test ends instead of hanging. */
export async function waitFor(check: () => boolean, limitMs = 10_000): Promise<boolean> {
  const until = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
