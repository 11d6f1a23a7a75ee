/** The quickjs-wasi engine compiled once per process into a WebAssembly.Module, which workers receive ready-made. */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** Node's WebAssembly global (the project's lib is ES2023 only, which types the namespace but not the value). */
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } })
  .WebAssembly;

let module: Promise<WebAssembly.Module> | undefined;

export function loadEngineModule(): Promise<WebAssembly.Module> {
  module ??= readFile(require.resolve("quickjs-wasi/quickjs.wasm")).then((bytes) => wasmApi.compile(bytes));
  module.catch(() => (module = undefined));
  return module;
}
