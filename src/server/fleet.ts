/**
 * Several `cody serve` instances on one PostgreSQL store form a fleet: a run executes on the instance that accepted
 * it (its workspace is local there), but its follow-ups can be sent to any instance. They travel through the
 * database:
 *
 * - events: every event of a local run is appended to `fleet_events` and announced with `NOTIFY cody_fleet` (the
 *   event itself rides along when it fits in a notification), so `GET /v1/runs/:id/events` elsewhere replays what was
 *   sent and then follows live;
 * - approvals: a request parked here is listed in `fleet_approvals`; an answer given elsewhere is a notification;
 * - aborts: `DELETE /v1/runs/:id` elsewhere is a notification to whichever instance runs it;
 * - crashes: each instance renews a lease (`fleet_instances.heartbeat_at`, on the database's clock); any instance
 *   closes the open runs of one whose lease expired as `crashed` (a lease, not a guess from a pid on another machine).
 */
import type pg from "pg";
import type { ApprovalRequest } from "../approval/index.js";
import type { Harness } from "../harness.js";
import { currentOwner, type PgConnection } from "../store/index.js";
import type { ActiveRuns, RunEventRecord } from "./active-runs.js";
import { checkDecision, type ApprovalBroker } from "./approvals.js";
import { NotFoundError } from "./errors.js";

const CHANNEL = "cody_fleet";
/** NOTIFY payloads are limited to 8000 bytes; an event larger than this is fetched from the table instead. */
const INLINE_EVENT_BYTES = 7000;
/** Events are kept this long for watchers that join late. */
const EVENT_RETENTION_MS = 60 * 60 * 1000;
const NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

export const FLEET_NAMESPACE = "fleet";
export const FLEET_MIGRATIONS: readonly string[] = [
  `CREATE TABLE fleet_instances (
     owner_id     TEXT PRIMARY KEY,
     started_at   BIGINT NOT NULL,
     heartbeat_at BIGINT NOT NULL
   );
   CREATE TABLE fleet_events (
     run_id TEXT NOT NULL,
     seq    INTEGER NOT NULL,
     event  TEXT NOT NULL,
     data   TEXT NOT NULL,
     at     BIGINT NOT NULL,
     PRIMARY KEY (run_id, seq)
   );
   CREATE INDEX fleet_events_at ON fleet_events (at);
   CREATE TABLE fleet_approvals (
     id       TEXT PRIMARY KEY,
     run_id   TEXT NOT NULL,
     owner_id TEXT NOT NULL,
     request  TEXT NOT NULL,
     at       BIGINT NOT NULL
   );
   CREATE INDEX fleet_approvals_run ON fleet_approvals (run_id);`,
];

/** How JSON.stringify begins an event's note (`t`, then `r`: the order `#write` builds it in). */
const EVENT_NOTE_PREFIX = '{"t":"ev","r":"';

type Note =
  | { t: "ev"; r: string; s: number; e: string; d?: string }
  | { t: "abort"; r: string; why: string }
  | { t: "ans"; id: string; d: string };

export interface FleetOptions {
  harness: Harness;
  runs: ActiveRuns;
  approvals: ApprovalBroker | undefined;
  /** Told about failures of the fleet's own work (a publish, a heartbeat): they never reach a client. */
  onError?: (error: unknown) => void;
  /** How often the lease is renewed. @default 1000 */
  heartbeatMs?: number;
  /** A lease not renewed for this long is expired: the instance's open runs are closed as crashed. @default 5000 */
  leaseMs?: number;
}

interface QueuedEvent {
  runId: string;
  seq: number;
  event: string;
  data: string;
}

export class Fleet {
  readonly #pool: pg.Pool;
  readonly #listener: pg.Client;
  readonly #opts: FleetOptions;
  readonly #ownerId = currentOwner().id;
  readonly #seq = new Map<string, number>();
  #queue: QueuedEvent[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #flushScheduled = false;
  readonly #watchers = new Map<string, Set<(note: Note & { t: "ev" }) => void>>();
  readonly #stops: (() => void)[] = [];
  readonly #timers: NodeJS.Timeout[] = [];
  #approvalWrites: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(pool: pg.Pool, listener: pg.Client, opts: FleetOptions) {
    this.#pool = pool;
    this.#listener = listener;
    this.#opts = opts;
  }

  /** Join the fleet of the harness's PostgreSQL store (migrating its tables), listen, and start the lease. */
  static async start(connection: PgConnection, opts: FleetOptions): Promise<Fleet> {
    connection.migrate(FLEET_NAMESPACE, FLEET_MIGRATIONS);
    const { default: pgLib } = await import("pg");
    pgLib.types.setTypeParser(20, (value: string) => Number(value));
    const pool = new pgLib.Pool({ connectionString: connection.url, max: 4 });
    pool.on("error", () => undefined);
    const listener = new pgLib.Client({ connectionString: connection.url });
    listener.on("error", (error) => opts.onError?.(error));
    await listener.connect();
    await listener.query(`LISTEN ${CHANNEL}`);
    const fleet = new Fleet(pool, listener, opts);
    listener.on("notification", (n) => fleet.#onNotification(n.payload));
    await fleet.#heartbeat();
    fleet.#begin();
    return fleet;
  }

  #begin(): void {
    const { runs, approvals } = this.#opts;
    this.#stops.push(runs.watchAll((runId, record) => this.#publish(runId, record)));
    if (approvals) {
      this.#stops.push(approvals.subscribe((request) => this.#approvalWrite(
        `INSERT INTO fleet_approvals (id, run_id, owner_id, request, at) VALUES ($1, $2, $3, $4, ${NOW_MS}) ON CONFLICT (id) DO NOTHING`,
        [request.id, request.runId, this.#ownerId, JSON.stringify(request)],
      )));
      this.#stops.push(approvals.subscribeSettled((request) => this.#approvalWrite("DELETE FROM fleet_approvals WHERE id = $1", [request.id])));
    }
    const heartbeatMs = this.#opts.heartbeatMs ?? 1000;
    const beat = setInterval(() => void this.#heartbeat().catch((error: unknown) => this.#opts.onError?.(error)), heartbeatMs);
    const prune = setInterval(
      () => void this.#pool.query(`DELETE FROM fleet_events WHERE at < ${NOW_MS} - $1`, [EVENT_RETENTION_MS]).catch(() => undefined),
      60_000,
    );
    for (const t of [beat, prune]) {
      t.unref();
      this.#timers.push(t);
    }
  }

  /** Renew this instance's lease, then close the runs of instances whose lease expired. */
  async #heartbeat(): Promise<void> {
    await this.#pool.query(
      `INSERT INTO fleet_instances (owner_id, started_at, heartbeat_at) VALUES ($1, ${NOW_MS}, ${NOW_MS})
       ON CONFLICT (owner_id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at`,
      [this.#ownerId],
    );
    await this.sweep();
  }

  /**
   * Close, as crashed, the open runs of every instance whose lease expired (each run once, whichever instance gets
   * there first), tell their watchers, and forget those instances once none of their runs is open.
   */
  async sweep(): Promise<string[]> {
    const leaseMs = this.#opts.leaseMs ?? 5000;
    const expired = await this.#pool.query<{ run_id: string; owner_id: string }>(
      `SELECT r.run_id, r.owner_id FROM audit_runs r JOIN fleet_instances i ON i.owner_id = r.owner_id
       WHERE r.outcome IS NULL AND i.heartbeat_at < ${NOW_MS} - $1 AND i.owner_id <> $2`,
      [leaseMs, this.#ownerId],
    );
    let closed: string[] = [];
    if (expired.rows.length > 0) {
      const why = `the instance running it stopped renewing its lease (${leaseMs} ms); found at ${new Date().toISOString()}`;
      closed = this.#opts.harness.audit.closeRunsOf(expired.rows.map((r) => ({ runId: r.run_id, ownerId: r.owner_id })), Date.now(), why);
      for (const runId of closed) {
        const end = {
          type: "end",
          result: { runId, ok: false, crashed: true, error: { name: "AbortedError", code: "CODY_ABORTED", message: `The run crashed: ${why}` } },
        };
        await this.#pool.query(
          `WITH ins AS (INSERT INTO fleet_events (run_id, seq, event, data, at)
             SELECT $1, coalesce(max(seq), 0) + 1, 'end', $2, ${NOW_MS} FROM fleet_events WHERE run_id = $1 RETURNING seq)
           SELECT pg_notify('${CHANNEL}', json_build_object('t', 'ev', 'r', $1::text, 's', seq, 'e', 'end')::text) FROM ins`,
          [runId, JSON.stringify(end)],
        );
        await this.#pool.query("DELETE FROM fleet_approvals WHERE run_id = $1", [runId]);
      }
    }
    await this.#pool.query(
      `DELETE FROM fleet_instances i WHERE i.heartbeat_at < ${NOW_MS} - $1
       AND NOT EXISTS (SELECT 1 FROM audit_runs r WHERE r.owner_id = i.owner_id AND r.outcome IS NULL)`,
      [leaseMs],
    );
    return closed;
  }

  #approvalWrite(sql: string, params: unknown[]): void {
    this.#approvalWrites = this.#approvalWrites
      .then(() => this.#pool.query(sql, params))
      .catch((error: unknown) => this.#opts.onError?.(error));
  }

  /**
   * Queue an event of a local run. Queued events are written in one statement: on the next turn of the event loop, or,
   * while a write is in flight, as soon as it is done (everything queued meanwhile in one statement then).
   */
  #publish(runId: string, record: RunEventRecord): void {
    const seq = (this.#seq.get(runId) ?? 0) + 1;
    if (record.event === "end") this.#seq.delete(runId);
    else this.#seq.set(runId, seq);
    this.#queue.push({ runId, seq, event: record.event, data: JSON.stringify(record.data) });
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushing = this.#flushing.then(() => {
        this.#flushScheduled = false;
        const batch = this.#queue;
        this.#queue = [];
        return this.#write(batch);
      }).catch((error: unknown) => this.#opts.onError?.(error));
    });
  }

  async #write(batch: QueuedEvent[]): Promise<void> {
    if (batch.length === 0 || this.#closed) return;
    const notes = batch.map((q) => {
      const note: Note = { t: "ev", r: q.runId, s: q.seq, e: q.event };
      if (Buffer.byteLength(q.data) <= INLINE_EVENT_BYTES) note.d = q.data;
      return JSON.stringify(note);
    });
    // One statement: the rows commit before the notifications are delivered (NOTIFY is sent at commit). Named, so each
    // connection prepares it once.
    await this.#pool.query({
      name: "cody_fleet_events",
      text: `WITH ins AS (
         INSERT INTO fleet_events (run_id, seq, event, data, at)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], array_fill(${NOW_MS}, ARRAY[cardinality($1::text[])])))
       SELECT pg_notify('${CHANNEL}', n) FROM unnest($5::text[]) AS n`,
      values: [batch.map((q) => q.runId), batch.map((q) => q.seq), batch.map((q) => q.event), batch.map((q) => q.data), notes],
    });
  }

  #onNotification(payload: string | undefined): void {
    // Every instance hears every event of the fleet: those of runs nobody here watches are dropped before parsing.
    if (payload?.startsWith(EVENT_NOTE_PREFIX) === true) {
      const runId = payload.slice(EVENT_NOTE_PREFIX.length, payload.indexOf('"', EVENT_NOTE_PREFIX.length));
      if (!runId.includes("\\") && !this.#watchers.has(runId)) return;
    }
    let note: Note;
    try {
      note = JSON.parse(payload ?? "") as Note;
    } catch {
      return;
    }
    if (note.t === "ev") {
      for (const watch of this.#watchers.get(note.r) ?? []) watch(note);
    } else if (note.t === "abort") {
      this.#opts.runs.abort(note.r, note.why);
    } else if (note.t === "ans") {
      const broker = this.#opts.approvals;
      if (broker?.has(note.id)) broker.answer(note.id, note.d);
    }
  }

  /**
   * A watch over a run executing on another instance (undefined when no such run is in progress and none of its
   * events are kept): the events sent so far, then each new one, through `end`.
   */
  async watchRemote(runId: string): Promise<((onEvent: (record: RunEventRecord) => void) => () => void) | undefined> {
    const known = await this.#pool.query(
      `SELECT EXISTS (SELECT 1 FROM audit_runs WHERE run_id = $1 AND outcome IS NULL)
           OR EXISTS (SELECT 1 FROM fleet_events WHERE run_id = $1) AS known`,
      [runId],
    );
    if (known.rows[0]?.["known"] !== true) return undefined;
    return (onEvent) => {
      let last = 0;
      let chain: Promise<void> = Promise.resolve();
      let stopped = false;
      const deliver = (seq: number, event: string, data: string): void => {
        if (stopped || seq !== last + 1) return;
        last = seq;
        onEvent({ event, data: JSON.parse(data) as unknown });
      };
      const fetch = async (): Promise<void> => {
        const rows = await this.#pool.query<{ seq: number; event: string; data: string }>(
          "SELECT seq, event, data FROM fleet_events WHERE run_id = $1 AND seq > $2 ORDER BY seq",
          [runId, last],
        );
        for (const r of rows.rows) deliver(r.seq, r.event, r.data);
      };
      const onNote = (note: Note & { t: "ev" }): void => {
        chain = chain
          .then(() => {
            if (note.s <= last) return undefined;
            if (note.s === last + 1 && note.d !== undefined) return deliver(note.s, note.e, note.d);
            return fetch();
          })
          .catch((error: unknown) => this.#opts.onError?.(error));
      };
      let set = this.#watchers.get(runId);
      if (!set) this.#watchers.set(runId, (set = new Set()));
      set.add(onNote);
      // Listening first, then reading what was sent before: nothing falls between the two.
      chain = chain.then(fetch).catch((error: unknown) => this.#opts.onError?.(error));
      return () => {
        stopped = true;
        set.delete(onNote);
        if (set.size === 0) this.#watchers.delete(runId);
      };
    };
  }

  /** Ask the instance running `runId` to abort it; false when no such run is in progress in the fleet. */
  async abortRemote(runId: string, why: string): Promise<boolean> {
    const open = await this.#pool.query("SELECT 1 FROM audit_runs WHERE run_id = $1 AND outcome IS NULL", [runId]);
    if (open.rowCount === 0) return false;
    await this.#notify({ t: "abort", r: runId, why });
    return true;
  }

  /** Requests parked anywhere in the fleet, oldest first. */
  async pendingApprovals(runId?: string): Promise<ApprovalRequest[]> {
    const rows = await this.#pool.query<{ request: string }>(
      `SELECT request FROM fleet_approvals ${runId === undefined ? "" : "WHERE run_id = $1"} ORDER BY at, id`,
      runId === undefined ? [] : [runId],
    );
    return rows.rows.map((r) => JSON.parse(r.request) as ApprovalRequest);
  }

  /**
   * Answer a request parked on another instance.
   * @throws NotFoundError when no instance has it pending; BadRequestError for an unknown decision.
   */
  async answerRemote(id: string, decision: unknown, broker: ApprovalBroker): Promise<ApprovalRequest> {
    checkDecision(decision);
    if (broker.has(id)) return broker.answer(id, decision);
    const row = await this.#pool.query<{ request: string }>("SELECT request FROM fleet_approvals WHERE id = $1", [id]);
    const request = row.rows[0];
    if (request === undefined) {
      throw new NotFoundError(`No pending approval request \`${id}\` (answered, withdrawn or never asked)`, { kind: "approval", id });
    }
    await this.#notify({ t: "ans", id, d: decision });
    return JSON.parse(request.request) as ApprovalRequest;
  }

  async #notify(note: Note): Promise<void> {
    await this.#pool.query("SELECT pg_notify($1, $2)", [CHANNEL, JSON.stringify(note)]);
  }

  /** Write what is queued, give up the lease (so nobody closes runs this instance settled) and disconnect. */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const stop of this.#stops) stop();
    for (const t of this.#timers) clearInterval(t);
    await this.#flushing;
    const batch = this.#queue;
    this.#queue = [];
    await this.#write(batch).catch(() => undefined);
    await this.#approvalWrites;
    this.#closed = true;
    await this.#pool.query("DELETE FROM fleet_instances WHERE owner_id = $1", [this.#ownerId]).catch(() => undefined);
    await this.#listener.end().catch(() => undefined);
    await this.#pool.end().catch(() => undefined);
  }
}
