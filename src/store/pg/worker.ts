/**
 * The thread that talks to PostgreSQL for a `PgConnection`: it owns a `pg` pool, runs each request (a statement, a
 * transaction, a migration) and posts the reply, then flips the shared flag so the waiting caller wakes.
 */
import { workerData } from "node:worker_threads";
import pg from "pg";
import type { PgFailure, PgReply, PgRequest, PgResult, PgWorkerData } from "./protocol.js";

// int8 (COUNT(*), BIGINT times in ms) as a number: every value the stores keep is far below 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

const data = workerData as PgWorkerData;
const flag = new Int32Array(data.flag);
const port = data.port;
const pool = new pg.Pool({
  connectionString: data.url,
  max: data.max,
  connectionTimeoutMillis: data.connectTimeoutMs,
  // A client that errors while idle (the server restarted) is dropped by the pool; without a listener it would end
  // the thread.
});
pool.on("error", () => undefined);

function failure(error: unknown, extra: Partial<PgFailure> = {}): PgFailure {
  const e = error as { message?: unknown; code?: unknown };
  return {
    message: typeof e?.message === "string" ? e.message : String(error),
    code: typeof e?.code === "string" ? e.code : undefined,
    ...extra,
  };
}

function result(r: pg.QueryResult): PgResult {
  return { rows: r.rows as Record<string, unknown>[], rowCount: r.rowCount ?? 0 };
}

async function batch(request: PgRequest & { type: "batch" }): Promise<PgResult[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const { statements } = request;
    // One statement is atomic on its own; several go as one simple-protocol round trip (BEGIN; …; COMMIT) with their
    // parameters rendered as literals, instead of one round trip each plus two for BEGIN and COMMIT.
    if (statements.length === 1 || !request.transaction) {
      const out: PgResult[] = [];
      for (const s of statements) {
        out.push(result(await client.query({ name: statementName(s.sql), text: s.sql, values: (s.params ?? []) as unknown[] })));
      }
      return out;
    }
    const text = ["BEGIN", ...statements.map((s) => inline(client, s.sql, s.params ?? [])), "COMMIT"].join(";\n");
    try {
      const results = (await client.query(text)) as unknown as pg.QueryResult[];
      return results.slice(1, -1).map(result);
    } catch (error) {
      await client.query("ROLLBACK").catch((e: Error) => (broken = e));
      throw error;
    }
  } catch (error) {
    broken ??= isConnectionLevel(error) ? (error as Error) : undefined;
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * A name per distinct SQL text: `pg` prepares a named statement once per connection and then only binds and executes
 * it, so the server skips parsing and planning the stores' few statement shapes on every call.
 */
const names = new Map<string, string>();
function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) names.set(sql, (name = `cody_${names.size + 1}`));
  return name;
}

/** `sql` with `$n` replaced by the literal of `params[n-1]` (the stores' SQL has no `$` inside quoted text). */
function inline(client: pg.PoolClient, sql: string, params: readonly unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => literal(client, params[Number(n) - 1]));
}

function literal(client: pg.PoolClient, value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot store the number ${value}`);
    return String(value);
  }
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (value instanceof Uint8Array) return `'\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}'::bytea`;
  return client.escapeLiteral(String(value));
}

function isConnectionLevel(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code !== "string" || code.startsWith("08") || code.startsWith("57P") || code.startsWith("E");
}

const LOCK_ID = 7_263_001; // one advisory lock for every namespace's migrations

async function migrate(namespace: string, steps: readonly string[]): Promise<PgResult[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // Fast path: a current namespace is seen by a plain read and takes no lock.
    const current = await client
      .query("SELECT version FROM schema_migrations WHERE namespace = $1", [namespace])
      .then((r) => (r.rows[0] as { version: number } | undefined)?.version ?? 0)
      .catch(() => -1);
    if (current === steps.length) return [];
    for (;;) {
      await client.query("BEGIN");
      try {
        await client.query("SELECT pg_advisory_xact_lock($1)", [LOCK_ID]);
        await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (namespace TEXT PRIMARY KEY, version INTEGER NOT NULL)");
        const r = await client.query("SELECT version FROM schema_migrations WHERE namespace = $1", [namespace]);
        const version = (r.rows[0] as { version: number } | undefined)?.version ?? 0;
        if (version > steps.length) throw Object.assign(new Error("newer"), { newerVersion: version });
        if (version === steps.length) {
          await client.query("COMMIT");
          return [];
        }
        try {
          await client.query(steps[version] as string);
        } catch (error) {
          throw Object.assign(error as Error, { failedStep: version + 1 });
        }
        await client.query(
          "INSERT INTO schema_migrations (namespace, version) VALUES ($1, $2) ON CONFLICT (namespace) DO UPDATE SET version = EXCLUDED.version",
          [namespace, version + 1],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch((e: Error) => (broken = e));
        throw error;
      }
    }
  } catch (error) {
    if (isConnectionLevel(error) && (error as { newerVersion?: unknown }).newerVersion === undefined) broken ??= error as Error;
    throw error;
  } finally {
    client.release(broken);
  }
}

function reply(message: PgReply): void {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

/** The ordered batches sent so far (settled, never rejected): what `ordered` and `after` requests wait for. */
let writes: Promise<unknown> = Promise.resolve();

port.on("message", (request: PgRequest) => {
  const ordered = request.type === "batch" && request.ordered === true;
  // Close and migrations come from the synchronous caller too: all but asynchronous reads wait for earlier writes.
  const waitFor = ordered || request.type !== "batch" || request.after === true ? writes : undefined;
  const done = (async () => {
    if (waitFor !== undefined) await waitFor;
    try {
      if (request.type === "close") {
        await pool.end().catch(() => undefined);
        reply({ id: request.id, ok: true, results: [] });
        return;
      }
      const results = request.type === "batch" ? await batch(request) : await migrate(request.namespace, request.steps);
      reply({ id: request.id, ok: true, results });
    } catch (error) {
      const e = error as { newerVersion?: number; failedStep?: number };
      reply({
        id: request.id,
        ok: false,
        error: failure(error, {
          ...(e.newerVersion === undefined ? {} : { newerVersion: e.newerVersion }),
          ...(e.failedStep === undefined ? {} : { failedStep: e.failedStep }),
        }),
      });
    }
  })();
  if (ordered) writes = done;
});
