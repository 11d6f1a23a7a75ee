/** The SQLite backend of the store contract (contract.ts): one temp file per test, every connection closed after it. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConversationStore } from "../../src/agent/index.js";
import { SqliteAuditRows } from "../../src/audit/index.js";
import { SqliteCacheRows } from "../../src/cache/index.js";
import { openDatabase, type Database } from "../../src/store/index.js";
import type { Backend } from "./contract.js";

/** With `writer`, the audit rows commit through their writer thread (as under `cody serve`), stopped at close. */
export function sqliteBackend(opts: { writer: boolean }): Backend {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), opts.writer ? "cody-contract-w-" : "cody-contract-"));
  const file = path.join(dir, "cache.db");
  const opened: Database[] = [];
  const writers: SqliteAuditRows[] = [];
  const db = (): Database => {
    const d = openDatabase(file);
    opened.push(d);
    return d;
  };
  return {
    cacheRows: () => new SqliteCacheRows(db()),
    auditRows: () => {
      if (!opts.writer) return new SqliteAuditRows(db());
      const rows = new SqliteAuditRows(db(), { writer: {} });
      writers.push(rows);
      return rows;
    },
    conversations: () => new ConversationStore(db()),
    exec: (sql) => db().exec(sql),
    reopenCache: () => void new SqliteCacheRows(db()),
    close: () => {
      for (const w of writers) w.stopWriter();
      for (const d of opened) if (d.open) d.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
