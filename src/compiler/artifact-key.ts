/**
 * The artifact key: a content hash over everything that decides what the compiled artifact contains. Computable
 * before any checking or compiling, so a cache can be consulted first and a hit skips both.
 */
import { sha256 } from "../hash.js";
import { ARTIFACT_SCHEMA, COMPILER_VERSION, ENGINE_VERSION } from "./versions.js";
import { normalizeSource } from "./wrap.js";

export interface ArtifactKeyInput {
  /** Script text (BOM and CRLF do not change the key). */
  source: string;
  /** Part of the key because it is baked into the bytecode (stack traces) and the source map. */
  filename: string;
  /** sha256 of the tools `.d.ts` the script is checked against. */
  dtsHash: string;
  /** Whether the artifact was type-checked; an unchecked artifact must never satisfy a checked lookup. @default true */
  typecheck?: boolean;
  /** Override versions (tests; a future upgrade). */
  engineVersion?: string;
  compilerVersion?: string;
}

/** sha256 (hex) over the normalized source, the `.d.ts` hash, engine and compiler versions, schema and options. */
export function computeArtifactKey(input: ArtifactKeyInput): string {
  return sha256(
    JSON.stringify({
      schema: ARTIFACT_SCHEMA,
      engine: input.engineVersion ?? ENGINE_VERSION,
      compiler: input.compilerVersion ?? COMPILER_VERSION,
      dts: input.dtsHash,
      typecheck: input.typecheck ?? true,
      filename: input.filename,
      source: normalizeSource(input.source),
    }),
  );
}
