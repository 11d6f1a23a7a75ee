/** Summaries of cached artifacts for `list()` / `cody script ls`: metadata only, approvals MAC-checked. */
import { approvalMac, macEquals } from "./mac.js";
import type { ArtifactRows } from "./store.js";
import type { ArtifactSummary } from "./types.js";

/**
 * Every artifact row, most recently used first. Row MACs are not checked here (that means reading every bytecode
 * blob; `verify()` does it); approvals are, so a forged approval is never shown as one.
 */
export function listRows(store: ArtifactRows, key: Buffer, approvedOnly: boolean): ArtifactSummary[] {
  const rows = store.summaries();
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
