/** The CLI ends cleanly when its reader goes away (`| head`) and when `--db` points somewhere no file can be made. */
import { spawn } from "node:child_process";
import path from "node:path";
import test from "ava";
import { AuditLog } from "../../src/audit/index.js";
import { openDatabase } from "../../src/store/index.js";
import { CODY_BIN, runCody } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";

test("`cody runs ls | head -1`: the reader closing the pipe ends the command cleanly, no EPIPE stack", async (t) => {
  const cwd = tempWorkspace(t, {});
  const db = path.join(cwd, "many.db");
  const audit = new AuditLog(openDatabase(db));
  // Far more than a pipe buffer (64 KB) of listing, so writes continue after the reader is gone.
  for (let i = 0; i < 3000; i++) audit.recordRunStart({ runId: `run-${i}`, scriptName: "x.ts" });
  audit.db.close();
  const child = spawn(process.execPath, [CODY_BIN, "runs", "ls", "--limit", "3000", "--db", db], { cwd });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  // Like `head -1`: read the first chunk, then close the read end.
  child.stdout.once("data", () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  t.is(stderr, "");
  t.is(code, 0);
});

for (const db of ["/proc/self/sub/x.db", "/proc/1/sub/x.db"]) {
  test(`\`--db ${db}\` is a one-line error with exit 2, not a spin`, async (t) => {
    const cwd = tempWorkspace(t, { "s.ts": "return 1;" });
    const r = await runCody(["script", "run", "-q", "--db", db, "s.ts"], { cwd });
    t.is(r.code, 2);
    t.regex(r.stderr, /^cody: CacheError: Cannot open database `\/proc\/[^`]+`: .*\n$/);
  });
}

test("`--db /proc/self/x.db` (no file can be made there) is a one-line error with exit 2", async (t) => {
  const cwd = tempWorkspace(t, { "s.ts": "return 1;" });
  const r = await runCody(["script", "run", "-q", "--db", "/proc/self/x.db", "s.ts"], { cwd });
  t.is(r.code, 2);
  t.regex(r.stderr, /^cody: CacheError: Cannot open database .*\n$/);
});
