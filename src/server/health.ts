/** `GET /healthz`: the server answers; `degraded` (with the reason) while the database refuses writes. */
import type { Harness } from "../harness.js";

export interface HealthBody {
  ok: boolean;
  status: "ok" | "degraded";
  version: string;
  /** Present while degraded: which operation failed, SQLite's code, the message, since when and how often. */
  store?: { operation: string; sqliteCode: string | undefined; reason: string; since: string; failures: number };
}

export function healthBody(harness: Harness, version: string): HealthBody {
  const fault = harness.storeHealth.fault;
  if (fault === undefined) return { ok: true, status: "ok", version };
  return {
    ok: false,
    status: "degraded",
    version,
    store: {
      operation: fault.operation,
      sqliteCode: fault.sqliteCode,
      reason: fault.message,
      since: new Date(fault.since).toISOString(),
      failures: fault.count,
    },
  };
}
