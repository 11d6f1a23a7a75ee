/** A temp directory holding a real SQLite file for audit tests. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AuditLog } from "../../src/audit/index.js";
import { openDatabase } from "../../src/store/index.js";

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
