/**
 * The prelude compiled to QuickJS bytecode by the build (scripts/bundle-cli.mjs writes `prelude.qjsbc` beside this
 * module), for VMs created on a one-shot run's path: evaluating bytecode skips QuickJS's parser, ≈ 0.7 ms instead of
 * ≈ 8 ms for the prelude's source (measured with V8's baseline wasm compiler, as `script run` uses it).
 *
 * File layout: one line of JSON (`{"engine": "<quickjs-wasi version>", "prelude": "<sha256 of PRELUDE_SOURCE>"}`),
 * then the bytecode. A file made for another prelude is ignored here; one made by another engine version is ignored
 * by GuestVm (which knows the engine it runs); either way the source is evaluated, as without the file.
 */
import { readFileSync } from "node:fs";
import { sha256 } from "../hash.js";
import { PRELUDE_SOURCE } from "./prelude.js";

/** Bytecode of PRELUDE_SOURCE and the engine version (quickjs-wasi's) that made it. */
export interface PreludeBytecode {
  engine: string;
  bytes: Uint8Array;
}

export const PRELUDE_BYTECODE_FILE = new URL("./prelude.qjsbc", import.meta.url);

/** The header line for bytecode of the current prelude made by `engine`. */
export function preludeBytecodeHeader(engine: string): string {
  return `${JSON.stringify({ engine, prelude: sha256(PRELUDE_SOURCE) })}\n`;
}

let loaded: PreludeBytecode | null | undefined;

/** The build's prelude bytecode, if the file exists and was made from this prelude (read once per process). */
export function loadPreludeBytecode(file: URL = PRELUDE_BYTECODE_FILE): PreludeBytecode | undefined {
  if (loaded === undefined || file !== PRELUDE_BYTECODE_FILE) {
    let found: PreludeBytecode | null = null;
    try {
      const data = readFileSync(file);
      const end = data.indexOf(10);
      const header = JSON.parse(data.subarray(0, end).toString("utf8")) as { engine?: unknown; prelude?: unknown };
      if (typeof header.engine === "string" && header.prelude === sha256(PRELUDE_SOURCE)) {
        found = { engine: header.engine, bytes: data.subarray(end + 1) };
      }
    } catch {
      // no file (a tsc-only build) or not ours: the source is evaluated
    }
    if (file !== PRELUDE_BYTECODE_FILE) return found ?? undefined;
    loaded = found;
  }
  return loaded ?? undefined;
}
