/**
 * Versions that decide whether a compiled artifact is still valid. Bytecode is specific to the engine build, and the
 * compile chain decides what the bytecode contains, so each of these is part of the artifact key.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function packageVersion(specifier: string): string {
  try {
    return (require(specifier) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** quickjs-wasi version (bytecode is only valid for the engine that produced it). */
export const ENGINE_VERSION = `quickjs-wasi@${packageVersion("quickjs-wasi/package.json")}`;

/** The TypeScript 7 package actually installed under the `typescript7` alias. */
const TYPESCRIPT_VERSION = packageVersion("typescript7/package.json");

/** This package's own version, from the package.json at the repository root (dist/src/compiler → ../../..). */
export const CODY_VERSION = packageVersion("../../../package.json");

/** From its package.json rather than its `version` export: importing esbuild costs a cached run ≈ 50–175 ms. */
const ESBUILD_VERSION = packageVersion("esbuild/package.json");

/** The compile chain, e.g. `cody@0.1.0 typescript@7.0.2 esbuild@0.28.2`. */
export const COMPILER_VERSION = `cody@${CODY_VERSION} typescript@${TYPESCRIPT_VERSION} esbuild@${ESBUILD_VERSION}`;

/**
 * Bumped by hand whenever the wrapper, the generated lib or the compile options change in a way the versions above
 * would not reveal; it is part of every artifact key.
 */
export const ARTIFACT_SCHEMA = 1;
