/**
 * The store contract (contract.ts) on a real PostgreSQL started for this file (test/helpers/postgres.ts): one fresh
 * database per test.
 */
import test from "ava";
import { PgConversationStore } from "../../src/agent/index.js";
import { PgAuditRows } from "../../src/audit/index.js";
import { PgCacheRows } from "../../src/cache/index.js";
import { PgConnection } from "../../src/store/index.js";
import { startPostgres, type PgCluster } from "../helpers/postgres.js";
import { storeContract, type Backend } from "./contract.js";

let cluster: PgCluster;

test.before(async () => {
  cluster = await startPostgres();
});

test.after.always(() => {
  cluster?.destroy();
});

storeContract(test, "postgres", async () => {
  const url = await cluster.createDatabase();
  const opened: PgConnection[] = [];
  const pg = (): PgConnection => {
    const c = new PgConnection(url, { max: 1 });
    opened.push(c);
    return c;
  };
  const shared = pg();
  const backend: Backend = {
    cacheRows: () => new PgCacheRows(shared),
    auditRows: () => new PgAuditRows(shared),
    conversations: () => new PgConversationStore(shared),
    exec: (sql) => void shared.query("test", sql),
    reopenCache: () => void new PgCacheRows(pg()),
    close: () => {
      for (const c of opened) c.close();
    },
  };
  return backend;
});
