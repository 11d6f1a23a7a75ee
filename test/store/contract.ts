/**
 * The contract every storage backend keeps: artifact rows and approvals (through the real ArtifactCache, with its
 * HMACs), the audit log (through the real AuditLog) and conversations. Run by one test file per backend
 * (contract-sqlite.test.ts, contract-postgres.test.ts) so a new backend proves itself by adding a file, not by
 * touching callers.
 */
import crypto from "node:crypto";
import type { TestFn } from "ava";
import type { ConversationStoreLike } from "../../src/agent/index.js";
import { AuditLog, type AuditRows } from "../../src/audit/index.js";
import { ArtifactCache, type CacheRows } from "../../src/cache/index.js";
import { CacheError, UsageError } from "../../src/errors/index.js";
import { fakeArtifact, manualClock } from "../cache/helpers.js";

/** One fresh, empty database on the backend under test. */
export interface Backend {
  /** A new handle on the cache rows (as a second process would open them). */
  cacheRows(): CacheRows;
  auditRows(): AuditRows;
  conversations(): ConversationStoreLike;
  /** Run raw SQL on the database (to tamper with rows as an attacker with write access would). */
  exec(sql: string): void;
  /** Reopen everything after `exec` changed the schema's recorded version; must throw if the backend refuses. */
  reopenCache(): void;
  close(): void;
}

const KEY = crypto.randomBytes(32);

export function storeContract(test: TestFn, name: string, open: () => Promise<Backend>): void {
  const withBackend = async (t: { teardown: (fn: () => void) => void }): Promise<Backend> => {
    const backend = await open();
    t.teardown(() => backend.close());
    return backend;
  };
  const cacheOn = (rows: CacheRows, opts: { key?: Buffer; clock?: () => number } = {}): ArtifactCache =>
    new ArtifactCache({ rows, key: opts.key ?? KEY, lruMaxBytes: 0, ...(opts.clock ? { clock: opts.clock } : {}) });

  test(`${name}: an artifact put by one cache is a database hit for another holding the same key, byte for byte`, async (t) => {
    const b = await withBackend(t);
    const a = fakeArtifact("shared", 5000);
    const writer = cacheOn(b.cacheRows());
    writer.put(a);
    writer.close();
    const reader = cacheOn(b.cacheRows());
    const hit = reader.get(a.hash);
    t.is(hit?.level, "sqlite");
    t.deepEqual(Buffer.from(hit?.artifact.bytecode ?? []), Buffer.from(a.bytecode));
    t.like(hit?.artifact, { filename: a.filename, sourceBytes: a.sourceBytes, createdAt: a.createdAt, dtsHash: a.dtsHash });
    t.is(reader.get(fakeArtifact("absent").hash), undefined);
    reader.close();
  });

  test(`${name}: a row under another key, or with a flipped bytecode byte, is a miss and counted as rejected`, async (t) => {
    const b = await withBackend(t);
    const a = fakeArtifact("tampered");
    cacheOn(b.cacheRows()).put(a);
    const other = cacheOn(b.cacheRows(), { key: crypto.randomBytes(32) });
    t.is(other.get(a.hash), undefined);
    t.is(other.stats().sqlite.rejected, 1);
    const rows = b.cacheRows();
    const row = rows.select(a.hash);
    const bytecode = Buffer.from(row?.bytecode as Uint8Array);
    bytecode[0] = (bytecode[0] ?? 0) ^ 0xff;
    rows.upsert({ ...a, bytecode, mac: Buffer.from(row?.mac as Uint8Array), bytes: 1, now: 1 });
    t.is(cacheOn(b.cacheRows()).get(a.hash), undefined);
  });

  test(`${name}: an approval is seen by every cache on the database and only under the right key`, async (t) => {
    const b = await withBackend(t);
    const a = fakeArtifact("approved");
    const first = cacheOn(b.cacheRows());
    first.put(a);
    t.throws(() => first.approve(fakeArtifact("never-compiled").hash, "alice"), { instanceOf: CacheError });
    const approved = first.approve(a.hash, "alice");
    t.is(approved.approvedBy, "alice");
    const second = cacheOn(b.cacheRows());
    t.true(second.isApproved(a.hash));
    t.is(second.get(a.hash)?.artifact.approvedBy, "alice");
    t.false(cacheOn(b.cacheRows(), { key: crypto.randomBytes(32) }).isApproved(a.hash));
    t.deepEqual(second.list({ approvedOnly: true }).map((s) => s.hash), [a.hash]);
  });

  test(`${name}: getAsync answers an LRU hit with the approval as stored now, and a database hit reads row and approval together`, async (t) => {
    const b = await withBackend(t);
    const a = fakeArtifact("async-hit");
    const rows = b.cacheRows();
    const withLru = new ArtifactCache({ rows, key: KEY });
    withLru.put(a);
    const before = await withLru.getAsync(a.hash);
    t.is(before?.level, "lru");
    t.is(before?.artifact.approvedBy, undefined);
    // Approved by another cache on the database: the next LRU hit sees it at once.
    cacheOn(b.cacheRows()).approve(a.hash, "bob");
    t.like((await withLru.getAsync(a.hash))?.artifact, { approvedBy: "bob" });
    t.is((await rows.approvalAsync(a.hash))?.approved_by, "bob");
    t.is(await rows.approvalAsync(fakeArtifact("none").hash), undefined);
    const both = rows.selectWithApproval(a.hash);
    t.is(both?.row.hash, a.hash);
    t.is(both?.approval?.approved_by, "bob");
    t.is(rows.selectWithApproval(fakeArtifact("none").hash), undefined);
    const other = fakeArtifact("unapproved");
    withLru.put(other);
    t.deepEqual(rows.selectWithApproval(other.hash)?.approval, undefined);
    // Lookups asked for in one turn (PostgreSQL reads them in one statement) each get their own answer.
    const answers = await Promise.all([a.hash, other.hash, a.hash, fakeArtifact("none").hash].map((h) => rows.approvalAsync(h)));
    t.deepEqual(answers.map((r) => r?.approved_by), ["bob", undefined, "bob", undefined]);
    // A database-level hit (another cache, empty LRU) carries the approval too; under another key the row is a miss.
    const fresh = new ArtifactCache({ rows: b.cacheRows(), key: KEY });
    t.false(fresh.inMemory(a.hash));
    t.like(await fresh.getAsync(a.hash), { level: "sqlite", artifact: { approvedBy: "bob" } });
    t.true(fresh.inMemory(a.hash));
    t.is(cacheOn(b.cacheRows(), { key: crypto.randomBytes(32) }).get(a.hash), undefined);
    t.is((await withLru.getAsync("not-a-hash"))?.artifact, undefined);
    withLru.close();
    fresh.close();
  });

  test(`${name}: hits are written back and list() orders by last use, with totals in stats()`, async (t) => {
    const b = await withBackend(t);
    const clock = manualClock();
    const cache = cacheOn(b.cacheRows(), { clock: clock.now });
    const old = fakeArtifact("old", 100);
    const recent = fakeArtifact("recent", 200);
    cache.put(old);
    clock.advance(1000);
    cache.put(recent);
    clock.advance(1000);
    cache.get(old.hash);
    cache.get(old.hash);
    const list = cache.list();
    t.deepEqual(list.map((s) => s.hash), [old.hash, recent.hash]);
    t.is(list[0]?.hits, 2);
    t.is(list[0]?.lastUsedAt, clock.now());
    t.like(cache.stats().sqlite, { entries: 2, bytes: 100 + 200 + 4 });
  });

  test(`${name}: verify removes bad rows and approvals and keeps good ones; dry-run removes nothing`, async (t) => {
    const b = await withBackend(t);
    const good = fakeArtifact("good");
    const bad = fakeArtifact("bad");
    cacheOn(b.cacheRows()).put(good);
    const foreign = cacheOn(b.cacheRows(), { key: crypto.randomBytes(32) });
    foreign.put(bad);
    foreign.approve(bad.hash, "mallory");
    const cache = cacheOn(b.cacheRows());
    const dry = cache.verify({ remove: false });
    t.like(dry, { checked: 2, bad: [bad.hash], badApprovals: [bad.hash], removed: 0, sqliteOk: true });
    const result = cache.verify();
    t.is(result.removed, 2);
    t.like(cache.verify(), { checked: 1, bad: [], badApprovals: [], removed: 0 });
    t.truthy(cache.get(good.hash));
  });

  test(`${name}: prune removes by age, then least recently used past the byte budget, keeping approved entries`, async (t) => {
    const b = await withBackend(t);
    const clock = manualClock();
    const cache = cacheOn(b.cacheRows(), { clock: clock.now });
    const names = ["a", "b", "c", "d"];
    for (const n of names) {
      cache.put(fakeArtifact(n, 998));
      clock.advance(1000);
    }
    cache.approve(fakeArtifact("a").hash, "alice");
    // a (approved) and b are older than 2.5 s; b goes, a stays
    t.deepEqual(cache.prune({ olderThanMs: 2500 }), { removed: 1, bytesFreed: 1000 });
    // c and d and a remain (3000 bytes); a budget of 1000 removes c (the oldest unapproved), keeps d and a
    const sized = cache.prune({ maxBytes: 2000 });
    t.deepEqual(sized, { removed: 1, bytesFreed: 1000 });
    t.deepEqual(cache.list().map((s) => s.filename).sort(), ["a.ts", "d.ts"]);
    t.deepEqual(cache.prune({ maxBytes: 0, keepApproved: false }), { removed: 2, bytesFreed: 2000 });
    t.false(cache.isApproved(fakeArtifact("a").hash));
  });

  test(`${name}: the audit log records runs and calls, counts outcomes, finds ids by prefix and lists newest first`, async (t) => {
    const b = await withBackend(t);
    const audit = new AuditLog(b.auditRows(), { deferWrites: true });
    audit.recordRunStart({ runId: "run-one", scriptHash: "h1", scriptName: "one.ts", startedAt: 1000 });
    const first = audit.startCall({ runId: "run-one", callId: "c1", tool: "readFile", source: "script", args: { path: "a", token: "s3cret" } });
    const second = audit.startCall({
      runId: "run-one",
      callId: "c2",
      tool: "writeFile",
      source: "script",
      args: {},
      decision: { decision: "ask", decidedBy: "user", approval: "approve", approvalWaitMs: 12.5 },
      handlerStarted: true,
    });
    t.true(second > first);
    audit.endCall(first, "ok", { durationMs: 1.25 });
    audit.endCall(second, "error", { durationMs: 2, errorCode: "CODY_TOOL", errorMessage: "boom" });
    audit.recordRunEnd("run-one", { outcome: "error", errorCode: "CODY_TOOL", errorMessage: "boom", endedAt: 2000 });
    audit.recordRunStart({ runId: "run-two", startedAt: 3000 });
    const got = audit.getRun("run-one");
    t.like(got?.run, { runId: "run-one", scriptHash: "h1", scriptName: "one.ts", startedAt: 1000, endedAt: 2000, outcome: "error" });
    t.like(got?.run.calls, { total: 2, ok: 1, error: 1, pending: 0 });
    t.like(got?.calls[1], { callId: "c2", decision: "ask", decidedBy: "user", approval: "approve", approvalWaitMs: 12.5, handlerStarted: true, durationMs: 2, errorMessage: "boom" });
    t.false(got?.calls[0]?.argsPreview.includes("s3cret"));
    t.deepEqual(audit.listRuns(10).map((r) => r.runId), ["run-two", "run-one"]);
    t.deepEqual(audit.findRunIds("run-"), ["run-one", "run-two"]);
    t.is(audit.getRun("nope"), undefined);
  });

  test(`${name}: commitAsync applies writes in the order they were made and a synchronous read sees them`, async (t) => {
    const b = await withBackend(t);
    const rows = b.auditRows();
    const owner = { ownerPid: 1, ownerId: "owner-a" };
    const call = (callId: string) => ({
      op: "insertCall" as const,
      ...owner,
      call: {
        runId: "async-run", scriptHash: null, callId, tool: "readFile", source: "script" as const, detached: 0, argsDigest: "d",
        argsPreview: "{}", startedAt: 1500, decision: null, decidedBy: null, reason: null, approval: null, approvalWaitMs: null,
        handlerStarted: 1, sandbox: null,
      },
    });
    // Not awaited one by one: each is sent before the previous one has committed.
    const started = rows.commitAsync([{ op: "runStart", runId: "async-run", scriptHash: "h", scriptName: "a.ts", startedAt: 1000, ...owner }, call("c1")]);
    const ended = rows.commitAsync([
      { op: "endCall", id: 0, outcome: "ok", durationMs: 1, errorCode: null, errorMessage: null, note: null },
      { op: "runEnd", runId: "async-run", endedAt: 2000, outcome: "ok", errorCode: null, errorMessage: null },
    ]);
    const [startResults, endResults] = await Promise.all([started, ended]);
    t.is(startResults.length, 2);
    t.true(Number.isInteger(startResults[1]) && (startResults[1] ?? 0) > 0, "insertCall returns the new call's id");
    t.deepEqual(endResults, [0, 1], "the run end found the row the earlier commit made (no call has id 0)");
    const later = rows.commitAsync([call("c2")]);
    // A synchronous read made right after an asynchronous write is sent waits for it.
    t.like(rows.getRun("async-run"), { run: { outcome: "ok", calls: { total: 2 } } });
    t.is((await later).length, 1);
    const refused = await rows.commitAsync([{ ...call("c3"), call: { ...call("c3").call, tool: null as unknown as string } }]).then(
      () => false,
      () => true,
    );
    t.true(refused, "a row that breaks a constraint is refused");
    t.is(rows.getRun("async-run")?.run.calls.total, 2, "a refused batch leaves nothing behind");
  });

  test(`${name}: a grouped call start resolves with the id of a committed row; starts of one turn share one commit`, async (t) => {
    const b = await withBackend(t);
    const audit = new AuditLog(b.auditRows(), { deferWrites: true });
    await audit.recordRunStartGrouped({ runId: "grouped", startedAt: 1000 });
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_, i) => audit.startCallGrouped({ runId: "grouped", callId: `c${i}`, tool: "readFile", source: "script", args: { i }, handlerStarted: true })),
    );
    t.is(new Set(ids).size, 8);
    const got = audit.getRun("grouped");
    t.deepEqual(got?.calls.map((c) => c.id), ids);
    t.true(got?.calls.every((c) => c.handlerStarted && c.outcome === "pending"));
    for (const id of ids) audit.endCall(id, "ok", { durationMs: 1 });
    audit.flush();
    t.is(audit.getRun("grouped")?.run.calls.ok, 8);
  });

  test(`${name}: a queued read-only call ended before its row is committed is written with its end`, async (t) => {
    const b = await withBackend(t);
    const audit = new AuditLog(b.auditRows(), { deferWrites: true });
    let committed: number | undefined;
    const provisional = audit.queueCall({ runId: "queued", callId: "c1", tool: "readFile", source: "script", args: {}, handlerStarted: true }, (id) => (committed = id));
    audit.endCall(provisional, "error", { durationMs: 1.5, errorCode: "CODY_TOOL", errorMessage: "boom", note: "n" });
    audit.flush();
    t.true((committed ?? 0) > 0);
    t.like(audit.getRun("queued")?.calls[0], { id: committed, callId: "c1", outcome: "error", durationMs: 1.5, errorCode: "CODY_TOOL", errorMessage: "boom", note: "n", handlerStarted: true });
  });

  test(`${name}: a run whose owner is gone is closed as crashed once, its pending calls become unknown`, async (t) => {
    const b = await withBackend(t);
    const audit = new AuditLog(b.auditRows());
    const id = audit.startCall({ runId: "lost", callId: "c1", tool: "exec", source: "script", args: {}, handlerStarted: true });
    t.true(id > 0);
    const owner = audit.rows.unendedRuns("another-owner").find((r) => r.runId === "lost");
    if (owner === undefined) return t.fail("the open run is not listed as unended");
    t.deepEqual(audit.rows.unendedRuns(owner.ownerId), []);
    t.deepEqual(audit.closeRunsOf([owner], 5000, "lease expired"), ["lost"]);
    t.deepEqual(audit.closeRunsOf([owner], 6000, "lease expired"), []);
    const got = audit.getRun("lost");
    t.like(got?.run, { outcome: "crashed", crashDetectedAt: 5000, errorMessage: "lease expired" });
    t.like(got?.calls[0], { outcome: "unknown" });
  });

  test(`${name}: conversations keep items in order per turn and are found by prefix`, async (t) => {
    const b = await withBackend(t);
    const store = b.conversations();
    const id = store.create({ model: "m", api: "responses", title: "hello".repeat(40) });
    t.is(store.get(id)?.title.length, 80);
    store.append(id, 1, [
      { item: { type: "message", role: "user", content: "hi" } },
      { item: { type: "function_call", call_id: "k1", name: "run", arguments: "{}" }, runId: "r1" },
    ]);
    store.append(id, 2, [{ item: { type: "message", role: "assistant", content: "done" } }]);
    const items = store.items(id);
    t.deepEqual(items.map((i) => [i.seq, i.turn, i.runId]), [[1, 1, undefined], [2, 1, "r1"], [3, 2, undefined]]);
    t.deepEqual(items[2]?.item, { type: "message", role: "assistant", content: "done" });
    t.is(store.get(id)?.turns, 2);
    t.deepEqual(store.findIds?.(id.slice(0, 8)), [id]);
    t.deepEqual(store.list?.(5).map((c) => c.id), [id]);
    t.throws(() => store.append("conv_missing", 1, [{ item: { type: "message", role: "user", content: "x" } }]), { instanceOf: UsageError });
  });

  test(`${name}: runs are paged newest first with a cursor that continues exactly, filtered by outcome and start time`, async (t) => {
    const b = await withBackend(t);
    const audit = new AuditLog(b.auditRows());
    for (let i = 1; i <= 5; i++) {
      audit.recordRunStart({ runId: `r${i}`, startedAt: i <= 2 ? 1000 : i * 1000 });
      if (i !== 4) audit.recordRunEnd(`r${i}`, { outcome: i % 2 === 0 ? "error" : "ok", endedAt: i * 1000 + 1 });
    }
    const first = audit.pageRuns({ limit: 2 });
    t.deepEqual(first.runs.map((r) => r.runId), ["r5", "r4"]);
    const second = audit.pageRuns({ limit: 2, after: first.next });
    // r1 and r2 start at the same millisecond: insertion order breaks the tie, so neither is skipped or repeated.
    t.deepEqual(second.runs.map((r) => r.runId), ["r3", "r2"]);
    const last = audit.pageRuns({ limit: 2, after: second.next });
    t.deepEqual(last.runs.map((r) => r.runId), ["r1"]);
    t.is(last.next, undefined);
    t.deepEqual(audit.pageRuns({ limit: 10, outcomes: ["error"] }).runs.map((r) => r.runId), ["r2"]);
    t.deepEqual(audit.pageRuns({ limit: 10, outcomes: [null, "ok"] }).runs.map((r) => r.runId), ["r5", "r4", "r3", "r1"]);
    t.deepEqual(audit.pageRuns({ limit: 10, since: 3000, until: 5000 }).runs.map((r) => r.runId), ["r4", "r3"]);
  });

  test(`${name}: conversations are paged newest first and a title can be set after creation`, async (t) => {
    const b = await withBackend(t);
    const store = b.conversations();
    const ids = [1, 2, 3].map((i) => store.create({ model: "m", api: "responses", title: `c${i}` }));
    const first = store.page(2);
    t.deepEqual(first.conversations.map((c) => c.id), [ids[2], ids[1]]);
    const second = store.page(2, first.next);
    t.deepEqual(second.conversations.map((c) => c.id), [ids[0]]);
    t.is(second.next, undefined);
    store.setTitle(ids[0] as string, "x".repeat(100));
    t.is(store.get(ids[0] as string)?.title, "x".repeat(80));
  });

  test(`${name}: a database whose cache schema is newer than this cody is refused, naming both versions`, async (t) => {
    const b = await withBackend(t);
    b.cacheRows().close();
    b.exec("UPDATE schema_migrations SET version = 99 WHERE namespace = 'cache'");
    const error = t.throws(() => b.reopenCache(), { instanceOf: CacheError });
    t.regex(error?.message ?? "", /version 99, newer than this cody knows \(1\)/);
  });
}
