/** A real temporary workspace for end-to-end tests, removed when the test ends. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ExecutionContext } from "ava";

/** Create a temp dir with `files` (path → content), removed in t.teardown. Returns its real path. */
export function tempWorkspace(t: ExecutionContext, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-e2e-"));
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
