/** Summaries of cached artifacts for `list()` / `cody script ls`: metadata only, approvals MAC-checked. */
import type { Database } from "../store/index.js";
import { approvalMac, macEquals } from "./mac.js";
import type { ArtifactSummary } from "./types.js";

interface SummaryRow {
  hash: string;
  filename: string;
  bytes: number;
  source_bytes: number;
  dts_hash: string;
  engine_version: string;
  compiler_version: string;
  created_at: number;
  last_used_at: number;
  hits: number;
  approved_by: unknown;
  approved_at: unknown;
  approval_mac: unknown;
}

/**
 * Every artifact row, most recently used first. Row MACs are not checked here (that means reading every bytecode
 * blob; `verify()` does it); approvals are, so a forged approval is never shown as one.
 */
export function listRows(db: Database, key: Buffer, approvedOnly: boolean): ArtifactSummary[] {
  const rows = db
    .prepare<[], SummaryRow>(
      `SELECT a.hash, a.filename, a.bytes, a.source_bytes, a.dts_hash, a.engine_version, a.compiler_version,
              a.created_at, a.last_used_at, a.hits, p.approved_by, p.approved_at, p.mac AS approval_mac
       FROM cache_artifacts a LEFT JOIN cache_approvals p ON p.hash = a.hash
       ORDER BY a.last_used_at DESC, a.hash`,
    )
    .all();
  const out: ArtifactSummary[] = [];
  for (const r of rows) {
    const summary: ArtifactSummary = {
      hash: String(r.hash),
      filename: String(r.filename),
      bytes: Number(r.bytes),
      sourceBytes: Number(r.source_bytes),
      dtsHash: String(r.dts_hash),
      engineVersion: String(r.engine_version),
      compilerVersion: String(r.compiler_version),
      createdAt: Number(r.created_at),
      lastUsedAt: Number(r.last_used_at),
      hits: Number(r.hits),
    };
    const by = r.approved_by;
    const at = r.approved_at;
    if (typeof by === "string" && typeof at === "number" && macEquals(approvalMac(key, summary.hash, by, at), r.approval_mac)) {
      summary.approvedBy = by;
      summary.approvedAt = at;
    }
    if (!approvedOnly || summary.approvedBy !== undefined) out.push(summary);
  }
  return out;
}
