/** A temp directory holding a real SQLite file for audit tests. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Approver, ApprovalPolicyOptions } from "../../src/approval/index.js";
import { AuditLog } from "../../src/audit/index.js";
import { createHarness, type Harness } from "../../src/harness.js";
import type { Limits } from "../../src/limits.js";
import { openDatabase } from "../../src/store/index.js";
import type { ToolRegistry } from "../../src/tools/index.js";

export function tempDb(): { dir: string; file: string; audit: AuditLog; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-audit-"));
  const file = path.join(dir, "cache.db");
  const audit = new AuditLog(openDatabase(file));
  return {
    dir,
    file,
    audit,
    cleanup() {
      try {
        audit.db.close();
      } catch {
        // already closed by the test
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A real Harness (compiler, cache, worker pool, dispatcher, audit) over `dir` with its database at `dir/cache.db`:
 * the audit rows the tests read are the ones real runs wrote.
 */
export function auditHarness(
  dir: string,
  opts: { registry: ToolRegistry; policy?: ApprovalPolicyOptions; approver?: Approver; limits?: Partial<Limits> },
): Promise<Harness> {
  return createHarness({
    cwd: dir,
    dbPath: path.join(dir, "cache.db"),
    registry: opts.registry,
    policy: opts.policy,
    approver: opts.approver,
    limits: opts.limits,
    pool: { workers: 1, vmsPerWorker: 1 },
    // The audit tests are about what runs record, not about types; skipping the checker saves a compiler process.
    typecheck: false,
  });
}

/** Call `onCommit` for every transaction the log's rows commit (each `commit` of a batch is one transaction). */
export function countTransactions(audit: AuditLog, onCommit: () => void): void {
  const rows = audit.rows;
  const commit = rows.commit.bind(rows);
  rows.commit = (writes, opts) => {
    onCommit();
    return commit(writes, opts);
  };
}
