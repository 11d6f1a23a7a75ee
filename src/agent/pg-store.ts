/**
 * Conversations in PostgreSQL (namespace `conversations`, the same tables as SQLite's): a conversation started on one
 * machine can be resumed on any other using the same database.
 */
import { randomUUID } from "node:crypto";
import { UsageError } from "../errors/index.js";
import { PgStatementError, type PgConnection, type PgStatement } from "../store/index.js";
import type { ConversationItem } from "./contract.js";
import { CONVERSATION_NAMESPACE, toSummary, type ConversationStoreLike, type ConversationSummary, type Row, type StoredItem } from "./store.js";

export const PG_CONVERSATION_MIGRATIONS: readonly string[] = [
  `CREATE TABLE conversations (
     id TEXT PRIMARY KEY,
     created_at BIGINT NOT NULL,
     updated_at BIGINT NOT NULL,
     model TEXT NOT NULL,
     api TEXT NOT NULL,
     title TEXT NOT NULL,
     turns INTEGER NOT NULL DEFAULT 0,
     seq BIGSERIAL
   );
   CREATE TABLE conversation_items (
     conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     turn INTEGER NOT NULL,
     type TEXT NOT NULL,
     call_id TEXT,
     run_id TEXT,
     item TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     PRIMARY KEY (conversation_id, seq)
   );
   CREATE INDEX conversation_items_run ON conversation_items(run_id) WHERE run_id IS NOT NULL;
   CREATE INDEX conversations_updated ON conversations(updated_at);`,
];

export class PgConversationStore implements ConversationStoreLike {
  readonly #pg: PgConnection;

  constructor(pg: PgConnection) {
    this.#pg = pg;
    pg.migrate(CONVERSATION_NAMESPACE, PG_CONVERSATION_MIGRATIONS);
  }

  create(meta: { model: string; api: string; title: string }): string {
    const id = `conv_${randomUUID().replace(/-/g, "").slice(0, 20)}`;
    const now = Date.now();
    this.#pg.query(
      "conversations.create",
      "INSERT INTO conversations (id, created_at, updated_at, model, api, title) VALUES ($1, $2, $3, $4, $5, $6)",
      [id, now, now, meta.model, meta.api, meta.title.slice(0, 80)],
    );
    return id;
  }

  get(id: string): ConversationSummary | undefined {
    const row = this.#pg.query("conversations.get", "SELECT * FROM conversations WHERE id = $1", [id]).rows[0];
    return row ? toSummary(row as unknown as Row) : undefined;
  }

  findIds(prefix: string): string[] {
    return this.#pg
      .query("conversations.find", "SELECT id FROM conversations WHERE substr(id, 1, length($1)) = $1 ORDER BY id LIMIT 10", [prefix])
      .rows.map((r) => String(r["id"]));
  }

  page(limit: number, before?: number): { conversations: ConversationSummary[]; next: number | undefined } {
    const rows = this.#pg
      .query("conversations.page", "SELECT * FROM conversations WHERE seq < $1 ORDER BY seq DESC LIMIT $2", [before ?? Number.MAX_SAFE_INTEGER, limit + 1])
      .rows as unknown as (Row & { seq: string })[];
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { conversations: page.map(toSummary), next: rows.length > limit && last ? Number(last.seq) : undefined };
  }

  setTitle(id: string, title: string): void {
    this.#pg.query("conversations.title", "UPDATE conversations SET title = $1 WHERE id = $2", [title.slice(0, 80), id]);
  }

  list(limit = 50): ConversationSummary[] {
    return this.#pg
      .query("conversations.list", "SELECT * FROM conversations ORDER BY updated_at DESC, id LIMIT $1", [limit])
      .rows.map((r) => toSummary(r as unknown as Row));
  }

  items(id: string): StoredItem[] {
    return this.#pg
      .query("conversations.items", "SELECT seq, turn, item, run_id FROM conversation_items WHERE conversation_id = $1 ORDER BY seq", [id])
      .rows.map((r) => {
        const out: StoredItem = { seq: Number(r["seq"]), turn: Number(r["turn"]), item: JSON.parse(String(r["item"])) as ConversationItem };
        if (r["run_id"] !== null) out.runId = String(r["run_id"]);
        return out;
      });
  }

  append(id: string, turn: number, entries: { item: ConversationItem; runId?: string }[]): void {
    const now = Date.now();
    // The row lock taken by the UPDATE orders concurrent appends to one conversation; seq continues from the max.
    const statements: PgStatement[] = [
      { sql: "UPDATE conversations SET updated_at = $1, turns = GREATEST(turns, $2) WHERE id = $3", params: [now, turn, id] },
      ...entries.map(({ item, runId }) => ({
        sql: `INSERT INTO conversation_items (conversation_id, seq, turn, type, call_id, run_id, item, created_at)
              SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7 FROM conversation_items WHERE conversation_id = $1`,
        params: [id, turn, item.type, item.type === "message" ? null : item.call_id, runId ?? null, JSON.stringify(item), now],
      })),
    ];
    let touched: number;
    try {
      touched = this.#pg.transaction("conversations.append", statements)[0]?.rowCount ?? 0;
    } catch (error) {
      // 23503: an item for a conversation that does not exist (the foreign key refused it; nothing was written).
      if (error instanceof PgStatementError && error.code === "23503") touched = 0;
      else throw error;
    }
    if (touched === 0) throw new UsageError(`No conversation \`${id}\``, { conversationId: id });
  }
}
