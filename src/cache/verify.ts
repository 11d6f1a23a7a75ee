/** Full integrity pass over the cache tables: SQLite's own structure check, then every row's HMAC. */
import { approvalMac, macEquals } from "./mac.js";
import { rowToArtifact } from "./rows.js";
import type { ArtifactRows, ApprovalRows } from "./store.js";
import type { VerifyResult } from "./types.js";

/** SQLite reports a damaged file (as opposed to a lock, a full disk, a bug in our SQL). */
function isCorruption(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT"));
}

interface Bad {
  hash: string;
  mac: unknown;
}

/**
 * Check every artifact and approval row; with `remove`, delete the bad ones in one transaction — each only if its MAC
 * is still the one checked, so a row another process rewrote correctly meanwhile survives. A damaged file is reported
 * (`sqliteOk: false`, with the rows that could be read) and nothing is deleted: writing into a broken b-tree can make
 * it worse.
 */
export function verifyRows(store: ArtifactRows & ApprovalRows, key: Buffer, remove: boolean): VerifyResult {
  let sqliteOk = true;
  const bad: Bad[] = [];
  let checked = 0;
  try {
    sqliteOk = store.integrityOk();
    for (const row of store.scan()) {
      checked++;
      if (!rowToArtifact(key, row)) bad.push({ hash: String(row.hash), mac: row.mac });
    }
  } catch (error) {
    if (!isCorruption(error)) throw error;
    sqliteOk = false;
  }
  if (!sqliteOk) return { checked, bad: bad.map((b) => b.hash), badApprovals: [], removed: 0, sqliteOk };

  const badApprovals: Bad[] = [];
  const approvals = store.approvals();
  for (const a of approvals) {
    const ok =
      typeof a.hash === "string" &&
      typeof a.approved_by === "string" &&
      typeof a.approved_at === "number" &&
      macEquals(approvalMac(key, a.hash, a.approved_by, a.approved_at), a.mac);
    if (!ok) badApprovals.push({ hash: String(a.hash), mac: a.mac });
  }

  let removed = 0;
  if (remove && (bad.length > 0 || badApprovals.length > 0)) {
    removed = store.deleteUnchanged(bad, badApprovals);
  }
  return { checked, bad: bad.map((b) => b.hash), badApprovals: badApprovals.map((b) => b.hash), removed, sqliteOk };
}
