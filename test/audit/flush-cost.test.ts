/**
 * The batch flush that must not wait for another process's lock sets busy_timeout to 0 and back around its
 * transaction: through statements prepared once, not a statement compiled per flush, and the timeout is restored.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { AuditLog } from "../../src/audit/index.js";
import { openDatabase } from "../../src/store/index.js";

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("deferred flushes compile no statement each and leave busy_timeout as it was", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-flush-"));
  const db = openDatabase(path.join(dir, "cache.db"));
  t.teardown(() => {
    if (db.open) db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const audit = new AuditLog(db, { deferWrites: true });
  const before = db.pragma("busy_timeout", { simple: true });
  // The first flush prepares what it needs.
  audit.recordRunStart({ runId: "r0" });
  audit.recordRunEnd("r0", { outcome: "ok" });
  await turn();
  // Every statement (`db.prepare` and `db.pragma` alike) is compiled by the native handle's prepare.
  const native = Object.getOwnPropertySymbols(db)
    .map((symbol) => (db as unknown as Record<symbol, unknown>)[symbol])
    .find((value): value is { prepare: (...args: unknown[]) => unknown } => typeof (value as { prepare?: unknown } | null)?.prepare === "function");
  if (native === undefined) return t.fail("no native database handle found");
  let prepared = 0;
  const prepare = native.prepare;
  native.prepare = function (this: unknown, ...args: unknown[]) {
    prepared++;
    return prepare.apply(this, args);
  };
  for (let i = 1; i <= 20; i++) {
    audit.recordRunStart({ runId: `r${i}` });
    audit.recordRunEnd(`r${i}`, { outcome: "ok" });
    await turn();
  }
  native.prepare = prepare;
  t.is(prepared, 0);
  t.is(db.pragma("busy_timeout", { simple: true }), before);
  t.is(audit.listRuns(100).filter((r) => r.outcome === "ok").length, 21);
});
