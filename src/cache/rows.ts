/** Conversions between Artifact objects and `cache_artifacts` rows, with the HMAC check on the way out. */
import type { Artifact } from "../compiler/index.js";
import { artifactMac, macEquals } from "./mac.js";

/** A row as SQLite hands it back; the types are what a tampered file might contain, so nothing is trusted yet. */
export interface ArtifactRow {
  hash: unknown;
  bytecode: unknown;
  source_map: unknown;
  filename: unknown;
  dts_hash: unknown;
  engine_version: unknown;
  compiler_version: unknown;
  source_bytes: unknown;
  created_at: unknown;
  mac: unknown;
}

export const ARTIFACT_COLUMNS =
  "hash, bytecode, source_map, filename, dts_hash, engine_version, compiler_version, source_bytes, created_at, mac";

/** Bytes an artifact costs in the LRU and in `bytes` accounting. */
export function artifactBytes(a: Pick<Artifact, "bytecode" | "sourceMap">): number {
  return a.bytecode.byteLength + Buffer.byteLength(a.sourceMap, "utf8");
}

/** Artifact without approval fields: what the LRU holds and what the row MAC covers. */
export type StoredArtifact = Omit<Artifact, "approvedBy" | "approvedAt">;

/** A copy the caller can no longer mutate under us (bytecode copied once, at put time). */
export function ownCopy(a: Artifact): StoredArtifact {
  return {
    hash: a.hash,
    bytecode: new Uint8Array(a.bytecode),
    sourceMap: a.sourceMap,
    filename: a.filename,
    dtsHash: a.dtsHash,
    engineVersion: a.engineVersion,
    compilerVersion: a.compilerVersion,
    sourceBytes: a.sourceBytes,
    createdAt: a.createdAt,
  };
}

/** Rebuild the artifact if every column has the right type and the HMAC verifies; otherwise undefined. */
export function rowToArtifact(key: Buffer, row: ArtifactRow): StoredArtifact | undefined {
  const { hash, bytecode, source_map, filename, dts_hash, engine_version, compiler_version, source_bytes, created_at } = row;
  if (
    typeof hash !== "string" ||
    !(bytecode instanceof Uint8Array) ||
    typeof source_map !== "string" ||
    typeof filename !== "string" ||
    typeof dts_hash !== "string" ||
    typeof engine_version !== "string" ||
    typeof compiler_version !== "string" ||
    typeof source_bytes !== "number" ||
    typeof created_at !== "number"
  ) {
    return undefined;
  }
  const artifact: StoredArtifact = {
    hash,
    // A plain Uint8Array view (no copy) so callers see the declared type, not a Buffer subclass.
    bytecode: new Uint8Array(bytecode.buffer, bytecode.byteOffset, bytecode.byteLength),
    sourceMap: source_map,
    filename,
    dtsHash: dts_hash,
    engineVersion: engine_version,
    compilerVersion: compiler_version,
    sourceBytes: source_bytes,
    createdAt: created_at,
  };
  return macEquals(artifactMac(key, artifact), row.mac) ? artifact : undefined;
}
