/**
 * Storage faults, made for real on the harness's own SQLite connection: `PRAGMA max_page_count` (the file cannot
 * grow: SQLITE_FULL), `PRAGMA query_only` (every write refused: SQLITE_READONLY) and a write lock held past the busy
 * timeout by another connection (SQLITE_BUSY). None may crash the process or leave the audit saying what did not happen.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import test from "ava";
import { ConversationStore } from "../../src/agent/index.js";
import { CallbackApprover } from "../../src/approval/index.js";
import { StoreError } from "../../src/errors/index.js";
import { createHarness, type Harness } from "../../src/harness.js";
import { createServer } from "../../src/server/index.js";
import { openDatabase } from "../../src/store/index.js";
import { runCody } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";
import { TEST_TOKEN, request } from "../server/helpers.js";

const POOL = { workers: 1, vmsPerWorker: 1 };
/** Tests in this file share one event loop and the machine is shared: a run's wall-time limit gets a wide margin. */
const LIMITS = { timeoutMs: 60_000 };

/** Let every pending setImmediate (the audit's deferred flush) run. */
const turns = async (n = 3): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/** Stop the file from growing, then fill every free page: from here on any write that needs a page is SQLITE_FULL. */
function fillUp(db: Database.Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS filler (x BLOB)");
  const pages = db.pragma("page_count", { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
  const insert = db.prepare("INSERT INTO filler (x) VALUES (randomblob(?))");
  for (const size of [4096, 1024, 256, 64, 8]) {
    for (;;) {
      try {
        insert.run(size);
      } catch (error) {
        if ((error as { code?: string }).code !== "SQLITE_FULL") throw error;
        break;
      }
    }
  }
}

/** A workspace whose database uses 512-byte pages, so a long error message cannot fit in a page already there. */
function smallPageWorkspace(t: Parameters<typeof tempWorkspace>[0]): { cwd: string; dbPath: string } {
  const cwd = tempWorkspace(t, {});
  const dbPath = path.join(cwd, ".cody", "cache.db");
  fs.mkdirSync(path.dirname(dbPath), { recursive: true });
  const db = new Database(dbPath);
  db.pragma("page_size = 512");
  db.exec("CREATE TABLE filler (x BLOB)");
  db.close();
  return { cwd, dbPath };
}

async function open(t: Parameters<typeof tempWorkspace>[0], cwd: string, extra: Parameters<typeof createHarness>[0] | object = {}): Promise<Harness> {
  const harness = await createHarness({ cwd, pool: POOL, limits: LIMITS, ...extra });
  t.teardown(() => harness.close());
  return harness;
}

test("a deferred audit flush refused with SQLITE_FULL is reported, not thrown; the writes land once there is room", async (t) => {
  const { cwd } = smallPageWorkspace(t);
  const box: { harness?: Harness } = {};
  // The disk fills once the approved call has been recorded as started: the run's row and its call's row (with
  // the answer) are written; what is left is the deferred part — the call's outcome and the run's end.
  const approver = new CallbackApprover(() => {
    setImmediate(() => fillUp((box.harness as Harness).db));
    return "approve";
  });
  const harness = (box.harness = await open(t, cwd, { approver, policy: { policy: "on-request" } }));
  const reported: unknown[] = [];
  harness.storeHealth.listen((e) => reported.push(e));
  const source = 'await tools.writeFile({ path: "out.txt", content: "x" });\nthrow new Error("y".repeat(3000));';
  const result = await harness.run({ source, filename: "full.ts" });
  await turns();
  // The script ran and failed on its own; the end of the run could not be written and that is said, not crashed on.
  const fault = harness.storeHealth.fault;
  const seen = JSON.stringify({ error: result.error, fault });
  t.is(result.error?.code, "CODY_SCRIPT_RUNTIME", seen);
  t.true(fs.existsSync(path.join(cwd, "out.txt")));
  t.is(fault?.sqliteCode, "SQLITE_FULL", seen);
  t.is(fault?.operation, "audit.flush", seen);
  t.true(reported.length >= 1 && reported.every((e) => e instanceof StoreError));
  t.true(harness.audit.pendingWrites > 0);
  // Reads still work, and show only what was committed: the run has no end yet, it does not claim one.
  const before = harness.audit.getRun(result.runId);
  t.is(before?.run.outcome, null);
  t.is(before?.run.endedAt, null);
  // Room again: the kept writes are committed with the next write and the store is healthy.
  harness.db.pragma("max_page_count = 1000000");
  const next = await harness.run({ source: "return 1;", filename: "ok.ts" });
  t.true(next.ok);
  t.is(harness.storeHealth.fault, undefined);
  const after = harness.audit.getRun(result.runId);
  t.is(after?.run.outcome, "error");
  t.is(after?.calls[0]?.outcome, "ok");
});

test("a cached run on a database that refuses writes fails with StoreError, also after a restart; reads still work", async (t) => {
  const cwd = tempWorkspace(t, {});
  const first = await createHarness({ cwd, pool: POOL, limits: LIMITS });
  t.true((await first.run({ source: "return 42;", filename: "c.ts" })).ok);
  await turns();
  first.db.pragma("query_only = ON");
  const refused = await first.run({ source: "return 42;", filename: "c.ts" });
  t.false(refused.ok);
  t.is(refused.cache, "hit");
  t.is(refused.error?.code, "CODY_STORE");
  t.like(refused.error?.details, { operation: "audit.recordRunStart", sqliteCode: "SQLITE_READONLY" });
  t.is(refused.error?.stack, undefined);
  t.is(first.storeHealth.fault?.sqliteCode, "SQLITE_READONLY");
  t.is(first.audit.listRuns().length, 1);
  await first.close();

  // After a restart, the first (cached) run on the refusing database.
  const again = await open(t, cwd);
  again.db.pragma("query_only = ON");
  const result = await again.run({ source: "return 42;", filename: "c.ts" });
  await turns();
  t.is(result.cache, "hit");
  t.is(result.error?.code, "CODY_STORE");
  // No row claims a run that did not happen.
  t.deepEqual(again.audit.listRuns().map((r) => r.outcome), ["ok"]);
});

test("a cache write that fails does not fail a script that compiled: it runs uncached and the fault is reported", async (t) => {
  const cwd = tempWorkspace(t, {});
  const harness = await open(t, cwd);
  harness.db.pragma("query_only = ON");
  const prepared = await harness.prepare({ source: "return 7;", filename: "p.ts" });
  t.truthy(prepared.artifact);
  t.is(prepared.cache, "miss");
  t.is(harness.storeHealth.fault?.operation, "cache.put");
  harness.db.pragma("query_only = OFF");
  t.false(harness.cache.has(prepared.hash));
  // The artifact itself is good: it runs.
  const result = await harness.runArtifact(prepared.artifact!, {}, "miss");
  t.true(result.ok);
  t.is(result.value, 7);
});

test("a call whose audit row cannot be written is not run, and the run fails with StoreError even if the script caught it", async (t) => {
  const cwd = tempWorkspace(t, {});
  const box: { harness?: Harness } = {};
  const approver = new CallbackApprover(() => {
    // The first call's row is written before it asks; the second's must be written before its handler starts.
    (box.harness as Harness).db.pragma("query_only = ON");
    return "approve";
  });
  const harness = (box.harness = await open(t, cwd, { approver, policy: { policy: "on-request" } }));
  const source = `
await tools.writeFile({ path: "a.txt", content: "a" }).catch(() => undefined);
try { await tools.readFile({ path: "a.txt" }); } catch (e) { return "caught: " + (e as Error).message; }
return "ran";`;
  const result = await harness.run({ source, filename: "caught.ts" });
  t.false(result.ok);
  t.is(result.error?.code, "CODY_STORE");
  t.regex(result.error?.message ?? "", /cannot record the call in the audit log/);
});

test("GET /healthz reports degraded with the reason while the database refuses writes; reads keep working", async (t) => {
  const cwd = tempWorkspace(t, {});
  const harness = await createHarness({ cwd, pool: POOL, limits: LIMITS });
  const server = await createServer(harness, { token: TEST_TOKEN }).listen(0, "127.0.0.1");
  t.teardown(async () => {
    await server.close();
    await harness.close();
  });
  const base = `http://127.0.0.1:${server.port}`;
  t.like((await request(base, "POST", "/v1/runs", { source: "return 1;" })).body, { ok: true });
  t.like((await request(base, "GET", "/healthz")).body, { ok: true, status: "ok" });
  harness.db.pragma("query_only = ON");
  const refused = await request(base, "POST", "/v1/runs", { source: "return 1;" });
  t.like(refused.body, { ok: false, error: { code: "CODY_STORE" } });
  const health = await request<{ status: string; store: { sqliteCode: string; operation: string; reason: string } }>(base, "GET", "/healthz");
  t.is(health.status, 200);
  t.is(health.body.status, "degraded");
  t.is(health.body.store.sqliteCode, "SQLITE_READONLY");
  t.regex(health.body.store.reason, /readonly|read-only/i);
  const list = await request<{ runs: unknown[] }>(base, "GET", "/v1/runs");
  t.is(list.status, 200);
  t.is(list.body.runs.length, 1);
});

test("the CLI exits 2 with one line when the database stays locked past the busy timeout", async (t) => {
  const cwd = tempWorkspace(t, { "s.ts": "return 1;" });
  const dbPath = path.join(cwd, ".cody", "cache.db");
  t.is((await runCody(["script", "run", "-q", "s.ts"], { cwd })).code, 0);
  const holder = new Database(dbPath);
  holder.exec("BEGIN IMMEDIATE");
  t.teardown(() => holder.close());
  const r = await runCody(["script", "run", "-q", "s.ts"], { cwd });
  t.is(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split("\n");
  t.is(lines.length, 1, r.stderr);
  t.regex(lines[0] ?? "", /^cody: StoreError: .*SQLITE_BUSY/);
});

test("conversation writes refused by the database are a StoreError, not a raw SQLite error", (t) => {
  const cwd = tempWorkspace(t, {});
  const db = openDatabase(path.join(cwd, "c.db"));
  t.teardown(() => db.close());
  const store = new ConversationStore(db);
  const id = store.create({ model: "m", api: "responses", title: "hello" });
  db.pragma("query_only = ON");
  const error = t.throws(() => store.create({ model: "m", api: "responses", title: "again" }), { instanceOf: StoreError });
  t.like(error?.details, { operation: "conversations.create", sqliteCode: "SQLITE_READONLY" });
  t.throws(() => store.append(id, 1, [{ item: { type: "message", role: "user", content: "hi" } }]), { instanceOf: StoreError });
  t.is(store.get(id)?.title, "hello");
});

test("cody script run whose end cannot be saved (lock held past the busy timeout) shows its result, then one line, exit 2", async (t) => {
  const cwd = tempWorkspace(t, { "w.ts": 'await tools.exec({ command: ["sleep", "3"] });\nreturn "done";' });
  const dbPath = path.join(cwd, ".cody", "cache.db");
  let holder: Database.Database | undefined;
  t.teardown(() => holder?.close());
  const run = runCody(["script", "run", "-q", "--timeout", "60000", "--allow", "exec", "w.ts"], { cwd });
  // Once the exec has started (its row says so), take the write lock and keep it.
  const deadline = Date.now() + 60_000;
  while (holder === undefined && Date.now() < deadline) {
    if (fs.existsSync(dbPath)) {
      // No busy wait here: this process's event loop runs the other tests of the file.
      const db = new Database(dbPath, { fileMustExist: true, timeout: 0 });
      try {
        const started = db.prepare("SELECT 1 FROM audit_calls WHERE tool = 'exec' AND handler_started = 1").get();
        if (started !== undefined) {
          db.exec("BEGIN IMMEDIATE"); // SQLITE_BUSY (caught) if cody is writing right now: try again shortly
          holder = db;
        }
      } catch {
        // tables not created yet
      }
      if (holder === undefined) db.close();
    }
    if (holder === undefined) await new Promise((r) => setTimeout(r, 50));
  }
  t.truthy(holder, "the exec call never started");
  const r = await run;
  t.is(r.code, 2, r.stderr);
  t.is(r.stdout, '"done"\n', r.stderr);
  const lines = r.stderr.trim().split("\n");
  t.regex(lines.at(-2) ?? "", /^✔ ok/);
  t.regex(lines.at(-1) ?? "", /^cody: StoreError: Database audit\.flush failed \(SQLITE_BUSY\)/);
  t.false(/at .*\.js:\d+/.test(r.stderr), "no stack");
});

test("reading the audit log takes no write lock: cody runs ls answers at once while another process holds it", async (t) => {
  const cwd = tempWorkspace(t, { "s.ts": "return 1;" });
  const dbPath = path.join(cwd, ".cody", "cache.db");
  t.is((await runCody(["script", "run", "-q", "s.ts"], { cwd })).code, 0);
  const holder = new Database(dbPath);
  holder.exec("BEGIN IMMEDIATE");
  t.teardown(() => holder.close());
  const r = await runCody(["runs", "ls", "--json"], { cwd });
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, "");
  t.is((JSON.parse(r.stdout) as { runs: { outcome: string }[] }).runs[0]?.outcome, "ok");
});
