/**
 * Conversations in the harness's one SQLite file (namespace `conversations`): a row per conversation and, in order,
 * every item sent to or received from the model (messages, function calls, their outputs), with the run id of the
 * script behind each script output. `items(id)` is exactly what the next model call is sent, so a conversation can
 * be resumed by any process that opens the same database.
 */
import { randomUUID } from "node:crypto";
import { UsageError } from "../errors/index.js";
import { migrate, storeOp, type Database } from "../store/index.js";
import type { ConversationItem } from "./contract.js";

/** Append only (namespace `conversations`). */
export const CONVERSATION_NAMESPACE = "conversations";

const STEPS: readonly string[] = [
  `CREATE TABLE conversations (
     id TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     model TEXT NOT NULL,
     api TEXT NOT NULL,
     title TEXT NOT NULL,
     turns INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE conversation_items (
     conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     turn INTEGER NOT NULL,
     type TEXT NOT NULL,
     call_id TEXT,
     run_id TEXT,
     item TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (conversation_id, seq)
   );
   CREATE INDEX conversation_items_run ON conversation_items(run_id) WHERE run_id IS NOT NULL;
   CREATE INDEX conversations_updated ON conversations(updated_at);`,
];

/** A conversation's header. */
export interface ConversationSummary {
  id: string;
  createdAt: number;
  updatedAt: number;
  model: string;
  api: string;
  /** The first user message, cut to 80 characters. */
  title: string;
  /** Model turns completed so far. */
  turns: number;
}

/** One stored item with its bookkeeping. */
export interface StoredItem {
  seq: number;
  turn: number;
  item: ConversationItem;
  runId?: string;
}

/** Where the loop keeps conversations. */
export interface ConversationStoreLike {
  create(meta: { model: string; api: string; title: string }): string;
  get(id: string): ConversationSummary | undefined;
  items(id: string): StoredItem[];
  /** Append items of `turn` in one transaction, and record `turn` as the latest turn. */
  append(id: string, turn: number, entries: { item: ConversationItem; runId?: string }[]): void;
  /** Ids starting with `prefix` (for `--resume` with a prefix); optional for stores that cannot search. */
  findIds?(prefix: string): string[];
  /** Most recently updated first; optional for stores that cannot list. */
  list?(limit?: number): ConversationSummary[];
  /** Most recently created first, `limit` per page; `next` is the cursor of the following page (REST paging). */
  page(limit: number, before?: number): { conversations: ConversationSummary[]; next: number | undefined };
  /** Set the title (a conversation created before its first message gets that message as its title). */
  setTitle(id: string, title: string): void;
}

export interface Row {
  id: string;
  created_at: number;
  updated_at: number;
  model: string;
  api: string;
  title: string;
  turns: number;
}

/** SQLite-backed conversations. */
export class ConversationStore implements ConversationStoreLike {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
    migrate(db, CONVERSATION_NAMESPACE, STEPS);
  }

  create(meta: { model: string; api: string; title: string }): string {
    const id = `conv_${randomUUID().replace(/-/g, "").slice(0, 20)}`;
    const now = Date.now();
    storeOp("conversations.create", this.#db.name, () =>
      this.#db
        .prepare("INSERT INTO conversations (id, created_at, updated_at, model, api, title) VALUES (?, ?, ?, ?, ?, ?)")
        .run(id, now, now, meta.model, meta.api, meta.title.slice(0, 80)),
    );
    return id;
  }

  get(id: string): ConversationSummary | undefined {
    const row = this.#db.prepare<[string], Row>("SELECT * FROM conversations WHERE id = ?").get(id);
    return row ? toSummary(row) : undefined;
  }

  /** Ids starting with `prefix` (at most 10), for `--resume` with a prefix as `runs show` takes one. */
  findIds(prefix: string): string[] {
    const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
    return this.#db
      .prepare<[string], { id: string }>("SELECT id FROM conversations WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 10")
      .all(`${escaped}%`)
      .map((r) => r.id);
  }

  /** Most recently updated first. */
  list(limit = 50): ConversationSummary[] {
    return this.#db
      .prepare<[number], Row>("SELECT * FROM conversations ORDER BY updated_at DESC, id LIMIT ?")
      .all(limit)
      .map(toSummary);
  }

  /**
   * Newest first (in creation order), `limit` at most, created before `before` — the `next` of the previous page.
   * Keyset paging on the insertion order: conversations created meanwhile do not shift later pages.
   */
  page(limit: number, before?: number): { conversations: ConversationSummary[]; next: number | undefined } {
    const rows = this.#db
      .prepare<[number, number], Row & { seq: number }>("SELECT rowid AS seq, * FROM conversations WHERE rowid < ? ORDER BY rowid DESC LIMIT ?")
      .all(before ?? Number.MAX_SAFE_INTEGER, limit + 1);
    const page = rows.slice(0, limit);
    return { conversations: page.map(toSummary), next: rows.length > limit ? page.at(-1)?.seq : undefined };
  }

  /** Set the title (a conversation created before its first message gets that message as its title). */
  setTitle(id: string, title: string): void {
    storeOp("conversations.title", this.#db.name, () => this.#db.prepare("UPDATE conversations SET title = ? WHERE id = ?").run(title.slice(0, 80), id));
  }

  items(id: string): StoredItem[] {
    const rows = this.#db
      .prepare<[string], { seq: number; turn: number; item: string; run_id: string | null }>(
        "SELECT seq, turn, item, run_id FROM conversation_items WHERE conversation_id = ? ORDER BY seq",
      )
      .all(id);
    return rows.map((r) => {
      const out: StoredItem = { seq: r.seq, turn: r.turn, item: JSON.parse(r.item) as ConversationItem };
      if (r.run_id !== null) out.runId = r.run_id;
      return out;
    });
  }

  append(id: string, turn: number, entries: { item: ConversationItem; runId?: string }[]): void {
    const next = this.#db.prepare<[string], { n: number | null }>("SELECT MAX(seq) AS n FROM conversation_items WHERE conversation_id = ?");
    const insert = this.#db.prepare(
      "INSERT INTO conversation_items (conversation_id, seq, turn, type, call_id, run_id, item, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const touch = this.#db.prepare("UPDATE conversations SET updated_at = ?, turns = MAX(turns, ?) WHERE id = ?");
    // A storage fault is a StoreError (CODY_STORE): the turn fails with it rather than with a raw SQLite error.
    storeOp("conversations.append", this.#db.name, () => this.#db.transaction(() => {
      const now = Date.now();
      // The conversation first: items for one that does not exist would fail on the foreign key, not as a UsageError.
      const changed = touch.run(now, turn, id).changes;
      if (changed === 0) throw new UsageError(`No conversation \`${id}\``, { conversationId: id });
      let seq = (next.get(id)?.n ?? 0) + 1;
      for (const { item, runId } of entries) {
        const callId = item.type === "message" ? null : item.call_id;
        insert.run(id, seq++, turn, item.type, callId, runId ?? null, JSON.stringify(item), now);
      }
    })());
  }
}

/** Keeps conversations for the life of the process (when no database is configured). */
export class MemoryConversationStore implements ConversationStoreLike {
  readonly #conversations = new Map<string, { summary: ConversationSummary; items: StoredItem[]; seq: number }>();
  #seq = 0;

  create(meta: { model: string; api: string; title: string }): string {
    const id = `conv_${randomUUID().replace(/-/g, "").slice(0, 20)}`;
    const now = Date.now();
    this.#conversations.set(id, {
      summary: { id, createdAt: now, updatedAt: now, model: meta.model, api: meta.api, title: meta.title.slice(0, 80), turns: 0 },
      items: [],
      seq: ++this.#seq,
    });
    return id;
  }

  page(limit: number, before?: number): { conversations: ConversationSummary[]; next: number | undefined } {
    const older = [...this.#conversations.values()].filter((c) => c.seq < (before ?? Number.MAX_SAFE_INTEGER)).reverse();
    const page = older.slice(0, limit);
    return { conversations: page.map((c) => ({ ...c.summary })), next: older.length > limit ? page.at(-1)?.seq : undefined };
  }

  setTitle(id: string, title: string): void {
    const c = this.#conversations.get(id);
    if (c) c.summary.title = title.slice(0, 80);
  }

  get(id: string): ConversationSummary | undefined {
    const c = this.#conversations.get(id);
    return c ? { ...c.summary } : undefined;
  }

  items(id: string): StoredItem[] {
    return structuredClone(this.#conversations.get(id)?.items ?? []);
  }

  append(id: string, turn: number, entries: { item: ConversationItem; runId?: string }[]): void {
    const c = this.#conversations.get(id);
    if (!c) throw new UsageError(`No conversation \`${id}\``, { conversationId: id });
    for (const { item, runId } of entries) {
      const stored: StoredItem = { seq: c.items.length + 1, turn, item: structuredClone(item) };
      if (runId !== undefined) stored.runId = runId;
      c.items.push(stored);
    }
    c.summary.updatedAt = Date.now();
    c.summary.turns = Math.max(c.summary.turns, turn);
  }
}

export function toSummary(row: Row): ConversationSummary {
  return {
    id: row.id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    model: row.model,
    api: row.api,
    title: row.title,
    turns: row.turns,
  };
}
