/**
 * The store contract (contract.ts) on SQLite with the audit's writer thread (`cody serve`): the audit rows' group
 * commits go through another connection on another thread, and the contract holds all the same.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { ConversationStore } from "../../src/agent/index.js";
import { SqliteAuditRows } from "../../src/audit/index.js";
import { SqliteCacheRows } from "../../src/cache/index.js";
import { openDatabase, type Database } from "../../src/store/index.js";
import { storeContract, type Backend } from "./contract.js";

storeContract(test, "sqlite-writer", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-contract-w-"));
  const file = path.join(dir, "cache.db");
  const opened: Database[] = [];
  const writers: SqliteAuditRows[] = [];
  const db = (): Database => {
    const d = openDatabase(file);
    opened.push(d);
    return d;
  };
  const backend: Backend = {
    cacheRows: () => new SqliteCacheRows(db()),
    auditRows: () => {
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
  return backend;
});
