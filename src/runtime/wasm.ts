/**
 * The quickjs-wasi engine compiled once per process into a WebAssembly.Module, which workers receive ready-made. The
 * bytes are first given an out-of-memory counter (oom-counter.ts), so a caught "out of memory" still ends the run.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { instrumentedEngine, type EngineCacheOptions } from "./engine-cache.js";

const require = createRequire(import.meta.url);

/** Node's WebAssembly global (the project's lib is ES2023 only, which types the namespace but not the value). */
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } })
  .WebAssembly;

let module: Promise<WebAssembly.Module> | undefined;

/**
 * The engine module with its out-of-memory counter (unchanged if the engine build is not recognised). One per
 * process: the first caller's `cache` is the one used.
 */
export function loadEngineModule(cache?: EngineCacheOptions): Promise<WebAssembly.Module> {
  module ??= readFile(require.resolve("quickjs-wasi/quickjs.wasm"))
    .then((source) => instrumentedEngine(source, cache))
    .then((bytes) => wasmApi.compile(bytes));
  module.catch(() => (module = undefined));
  return module;
}
