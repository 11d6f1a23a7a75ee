/**
 * The asynchronous path of the PostgreSQL store (one cluster for this file): the audit's group commit does not block
 * the thread while PostgreSQL works, the writes of one turn share one transaction, and requests still waiting when
 * the connection closes are answered, never left pending. Serial: one test stops the cluster.
 */
import test from "ava";
import pg from "pg";
import { AuditLog, PgAuditRows } from "../../src/audit/index.js";
import { StoreError } from "../../src/errors/index.js";
import { PgConnection } from "../../src/store/index.js";
import { startPostgres, type PgCluster } from "../helpers/postgres.js";

let cluster: PgCluster;

test.before(async () => {
  cluster = await startPostgres();
});

test.after.always(() => {
  cluster?.destroy();
});

async function open(t: { teardown: (fn: () => void | Promise<void>) => void }): Promise<{ url: string; conn: PgConnection; audit: AuditLog }> {
  const url = await cluster.createDatabase();
  const conn = new PgConnection(url);
  t.teardown(() => conn.close());
  return { url, conn, audit: new AuditLog(new PgAuditRows(conn), { deferWrites: true }) };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Run `runId` with one committed call, then put a group commit in flight that waits for a lock another session holds
 * on audit_calls. `refuse()` kills the waiting session (the batch in flight fails) and lets the lock go.
 */
async function holdGroupCommit(
  t: { teardown: (fn: () => void | Promise<void>) => void },
  url: string,
  audit: AuditLog,
  runId: string,
): Promise<{ refuse: () => Promise<void> }> {
  await audit.recordRunStartGrouped({ runId });
  const first = await audit.startCallGrouped({ runId, callId: "c1", tool: "readFile", source: "script", args: {}, handlerStarted: true });
  const locker = new pg.Client({ connectionString: url });
  await locker.connect();
  t.teardown(() => locker.end());
  await locker.query("BEGIN");
  await locker.query("LOCK TABLE audit_calls IN ACCESS EXCLUSIVE MODE");
  audit.endCall(first, "ok", { durationMs: 1 });
  const waiting = async (): Promise<number | undefined> => {
    const r = await locker.query("SELECT pid FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid()");
    return (r.rows[0] as { pid: number } | undefined)?.pid;
  };
  await until(async () => (await waiting()) !== undefined);
  return {
    refuse: async () => {
      await locker.query("SELECT pg_terminate_backend($1)", [await waiting()]);
      await locker.query("COMMIT");
    },
  };
}

test.serial("a grouped call start waits for a locked table without blocking the event loop, then resolves once its row is committed", async (t) => {
  const { url, audit } = await open(t);
  await audit.recordRunStartGrouped({ runId: "locked" });
  // Another session holds the table: the insert must wait for it. Were the insert synchronous, this thread could never
  // run the session's COMMIT below and the call would fail with StoreError after the 15 s timeout.
  const locker = new pg.Client({ connectionString: url });
  await locker.connect();
  t.teardown(() => locker.end());
  await locker.query("BEGIN");
  await locker.query("LOCK TABLE audit_calls IN ACCESS EXCLUSIVE MODE");
  let settled = false;
  const started = audit.startCallGrouped({ runId: "locked", callId: "c1", tool: "writeFile", source: "script", args: {}, handlerStarted: true });
  void started.then(() => (settled = true));
  await until(async () => {
    const r = await locker.query("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted");
    return (r.rows[0] as { n: number }).n > 0;
  });
  t.false(settled, "the row is not reported committed while the insert waits");
  await locker.query("COMMIT");
  const id = await started;
  t.true(id > 0);
  t.like(audit.getRun("locked")?.calls[0], { id, handlerStarted: true, outcome: "pending" });
});

test.serial("the run starts and call rows of concurrent runs queued in one turn are committed in one transaction", async (t) => {
  const { conn, audit } = await open(t);
  const runs = Array.from({ length: 16 }, (_, i) => `run-${i}`);
  await Promise.all(runs.map((runId) => audit.recordRunStartGrouped({ runId })));
  const ids = await Promise.all(
    runs.map((runId) => audit.startCallGrouped({ runId, callId: "c1", tool: "readFile", source: "script", args: {}, handlerStarted: true })),
  );
  t.is(new Set(ids).size, runs.length);
  // xmin is the id of the transaction that wrote a row.
  const starts = conn.query("test", "SELECT count(DISTINCT xmin::text)::int AS n FROM audit_runs").rows[0];
  const calls = conn.query("test", "SELECT count(DISTINCT xmin::text)::int AS n FROM audit_calls").rows[0];
  t.deepEqual([starts?.["n"], calls?.["n"]], [1, 1]);
});

test.serial("a database that is gone fails grouped writes with StoreError; close() lets a request in flight finish and refuses later ones", async (t) => {
  const { conn, audit } = await open(t);
  await audit.recordRunStartGrouped({ runId: "before" });
  cluster.stop();
  let stopped = true;
  t.teardown(() => {
    if (stopped) cluster.start();
  });
  const error = await t.throwsAsync(audit.startCallGrouped({ runId: "before", callId: "c1", tool: "readFile", source: "script", args: {} }), {
    instanceOf: StoreError,
  });
  t.is(typeof error?.details["pgCode"], "string");
  await t.throwsAsync(conn.queryAsync("test", "SELECT 1"), { instanceOf: StoreError });
  cluster.start();
  stopped = false;
  // close() lets a request in flight finish (its reply is handed on while close waits); later ones fail at once.
  const inFlightAtClose = conn.queryAsync("test", "SELECT pg_sleep(0.3), 1 AS one");
  conn.close();
  t.is((await inFlightAtClose).rows[0]?.["one"], 1);
  await t.throwsAsync(conn.queryAsync("test", "SELECT 1"), { instanceOf: StoreError, message: /closed/ });
});

test.serial("a run start queued behind a group commit that the database then refuses is still committed and answered", async (t) => {
  const { url, audit } = await open(t);
  // A deferred write goes in flight and waits for the lock; a run start queued meanwhile waits for that batch.
  const held = await holdGroupCommit(t, url, audit, "refused");
  let answered = false;
  const second = audit.recordRunStartGrouped({ runId: "next" }).finally(() => (answered = true));
  await new Promise((r) => setImmediate(r));
  t.false(answered, "the start waits for the batch in flight");
  // The batch in flight fails (its session is killed); the queued start must not be left waiting for a flush.
  await held.refuse();
  await second;
  audit.flush();
  t.like(audit.getRun("next")?.run, { runId: "next", outcome: null });
  t.like(audit.getRun("refused")?.run.calls, { total: 1, ok: 1 }, "the refused deferred write was kept and committed with the next batch");
});

test.serial("a call start is not held behind a group commit in flight: its row commits while that batch waits for a lock", async (t) => {
  const { url, audit } = await open(t);
  await Promise.all([audit.recordRunStartGrouped({ runId: "slow" }), audit.recordRunStartGrouped({ runId: "fast" })]);
  const locker = new pg.Client({ connectionString: url });
  await locker.connect();
  t.teardown(() => locker.end());
  await locker.query("BEGIN");
  await locker.query("SELECT 1 FROM audit_runs WHERE run_id = 'slow' FOR UPDATE");
  // The run end goes in flight and waits for the row lock.
  audit.recordRunEnd("slow", { outcome: "ok" });
  await until(async () => {
    const r = await locker.query("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted");
    return (r.rows[0] as { n: number }).n > 0;
  });
  // A script worker waits for this row: it must not wait for the run end.
  const id = await audit.startCallGrouped({ runId: "fast", callId: "c1", tool: "writeFile", source: "script", args: {}, handlerStarted: true });
  t.true(id > 0);
  await locker.query("COMMIT");
  audit.flush();
  t.like(audit.getRun("slow")?.run, { outcome: "ok" });
  t.like(audit.getRun("fast")?.calls[0], { id, handlerStarted: true });
});

test.serial("a read-only call row queued behind a group commit that the database then refuses fails its run instead of leaving it waiting", async (t) => {
  const url = await cluster.createDatabase();
  const conn = new PgConnection(url);
  t.teardown(() => conn.close());
  const reported: unknown[] = [];
  const audit = new AuditLog(new PgAuditRows(conn), { deferWrites: true, onError: (error) => reported.push(error) });
  // A deferred write goes in flight and waits for the lock; a read-only call's row queued meanwhile waits behind it.
  const held = await holdGroupCommit(t, url, audit, "held");
  audit.queueCall({ runId: "held", callId: "c2", tool: "readFile", source: "script", args: {}, handlerStarted: true });
  await new Promise((r) => setImmediate(r));
  const settled = audit.queuedCallsSettled("held");
  t.truthy(settled, "the row is still queued behind the batch in flight");
  await held.refuse();
  await settled;
  t.true(
    reported.some((e) => e instanceof StoreError && e.details["runId"] === "held"),
    "the run is named, so the harness fails it with CODY_STORE",
  );
});
