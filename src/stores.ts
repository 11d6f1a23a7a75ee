/**
 * The one place that picks a storage backend: SQLite (one file per workspace, the default) or PostgreSQL (shared by a
 * fleet), and builds the artifact cache, audit log and conversation store on it. Everything above talks to those
 * objects (and, below them, to the narrow row interfaces: CacheRows, AuditRows, ConversationStoreLike), never to a
 * database, so a backend is added here and nowhere else.
 */
import type { ConversationStoreLike } from "./agent/index.js";
import { AuditLog, PgAuditRows, SqliteAuditRows, type AuditLogOptions } from "./audit/index.js";
import { ArtifactCache, keyFromSecret, PgCacheRows } from "./cache/index.js";
import { UsageError } from "./errors/index.js";
import { openDatabase, PgConnection, type Database, type StoreTarget } from "./store/index.js";

export interface StoresOptions {
  /**
   * The secret every instance sharing a PostgreSQL store is given (the cache's HMAC key is derived from it; it is
   * never stored in the database). Required for PostgreSQL; SQLite keeps its key in a file beside the database.
   */
  secret?: string | undefined;
  audit?: AuditLogOptions;
  /** Pool size of a PostgreSQL connection. @default 4 */
  poolSize?: number;
  /**
   * SQLite: commit the audit's group commits on a writer thread (see SqliteAuditRows' `writer`), for a long-lived
   * process under load. @default false
   */
  auditWriter?: boolean;
}

export class Stores {
  readonly kind: StoreTarget["kind"];
  /** The file, or the URL with its password masked. */
  readonly name: string;
  readonly cache: ArtifactCache;
  readonly audit: AuditLog;
  /** The SQLite connection (undefined on PostgreSQL). */
  readonly sqlite: Database | undefined;
  /** The PostgreSQL connection (undefined on SQLite). */
  readonly pg: PgConnection | undefined;
  #conversations: ConversationStoreLike | undefined;
  #closed = false;

  private constructor(parts: { kind: StoreTarget["kind"]; name: string; cache: ArtifactCache; audit: AuditLog; sqlite?: Database; pg?: PgConnection }) {
    this.kind = parts.kind;
    this.name = parts.name;
    this.cache = parts.cache;
    this.audit = parts.audit;
    this.sqlite = parts.sqlite;
    this.pg = parts.pg;
  }

  /**
   * Open the backend and migrate every module's tables.
   *
   * @throws StoreError when PostgreSQL does not answer; CacheError when a SQLite file cannot be opened or a schema is
   *   newer than this cody; UsageError when a PostgreSQL store has no secret.
   */
  static open(target: StoreTarget, opts: StoresOptions = {}): Stores {
    if (target.kind === "sqlite") {
      const db = openDatabase(target.path);
      try {
        const cache = new ArtifactCache({ db });
        const audit = new AuditLog(new SqliteAuditRows(db, opts.auditWriter === true ? { writer: {} } : {}), opts.audit);
        return new Stores({ kind: "sqlite", name: db.name, cache, audit, sqlite: db });
      } catch (error) {
        db.close();
        throw error;
      }
    }
    if (opts.secret === undefined || opts.secret === "") {
      throw new UsageError(
        "A PostgreSQL store needs the secret its instances share (CODY_STORE_SECRET, at least 16 characters): the " +
          "cache's bytecode and approvals are checked with a key derived from it",
        { path: "CODY_STORE_SECRET" },
      );
    }
    const key = keyFromSecret(opts.secret);
    const pg = new PgConnection(target.url, opts.poolSize === undefined ? {} : { max: opts.poolSize });
    try {
      const cache = new ArtifactCache({ rows: new PgCacheRows(pg), key });
      const audit = new AuditLog(new PgAuditRows(pg), opts.audit);
      return new Stores({ kind: "postgres", name: pg.name, cache, audit, pg });
    } catch (error) {
      pg.close();
      throw error;
    }
  }

  /** The conversation store on this backend (loaded on first use: only `cody exec` and the agent need it). */
  async conversations(): Promise<ConversationStoreLike> {
    if (this.#conversations === undefined) {
      const { ConversationStore, PgConversationStore } = await import("./agent/index.js");
      this.#conversations = this.pg ? new PgConversationStore(this.pg) : new ConversationStore(this.sqlite as Database);
    }
    return this.#conversations;
  }

  /** Close the cache and the connection (flush the audit log first). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.cache.close();
    } finally {
      // The writer thread's commits in flight first, then its connection, then this one.
      if (this.audit.rows instanceof SqliteAuditRows) this.audit.rows.stopWriter();
      this.sqlite?.close();
      this.pg?.close();
    }
  }
}
