/**
 * Compile stripped JavaScript to QuickJS bytecode with quickjs-wasi. One compile VM per process, created lazily from
 * a WebAssembly.Module compiled once; debug info is kept so runtime stack traces carry line numbers.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { QuickJS } from "quickjs-wasi";
import { ScriptSyntaxError } from "../errors/index.js";

const require = createRequire(import.meta.url);

/** Node's WebAssembly global (the project's lib is ES2023 only, which types the namespace but not the value). */
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } })
  .WebAssembly;

let wasmModule: Promise<WebAssembly.Module> | undefined;
let compileVm: Promise<QuickJS> | undefined;
let compilesOnVm = 0;

/** Recreate the compile VM after this many compiles, so atoms interned by past scripts do not pile up forever. */
const COMPILES_PER_VM = 1000;

/** The quickjs-wasi engine as a compiled WebAssembly.Module (compiled once per process, shared by every VM). */
export function loadQuickJSModule(): Promise<WebAssembly.Module> {
  wasmModule ??= readFile(require.resolve("quickjs-wasi/quickjs.wasm")).then((bytes) => wasmApi.compile(bytes));
  wasmModule.catch(() => (wasmModule = undefined));
  return wasmModule;
}

/** Use a module compiled elsewhere (a worker thread gets the main thread's instead of compiling its own). */
export function useQuickJSModule(module: Promise<WebAssembly.Module>): void {
  wasmModule = module;
}

async function getCompileVm(): Promise<QuickJS> {
  if (compileVm && compilesOnVm >= COMPILES_PER_VM) {
    const old = compileVm;
    compileVm = undefined;
    (await old).dispose();
  }
  if (!compileVm) {
    compilesOnVm = 0;
    compileVm = loadQuickJSModule().then((wasm) => QuickJS.create({ wasm }));
    compileVm.catch(() => (compileVm = undefined));
  }
  return compileVm;
}

/**
 * Compile JavaScript (a global script) to bytecode. `filename` is what stack traces show. A QuickJS parse error —
 * rare once esbuild accepted the code — becomes ScriptSyntaxError.
 */
export async function compileBytecode(code: string, filename: string): Promise<Uint8Array> {
  const vm = await getCompileVm();
  compilesOnVm++;
  try {
    // Copy: the returned view may alias WASM memory that a later compile reuses.
    return Uint8Array.from(vm.compile(code, filename));
  } catch (error) {
    throw new ScriptSyntaxError(`${filename}: QuickJS could not compile the script: ${error instanceof Error ? error.message : String(error)}`, {
      file: filename,
    });
  }
}

/** Dispose the compile VM (tests and short-lived tools; a process may also just exit). */
export async function disposeCompileVm(): Promise<void> {
  const vm = compileVm;
  compileVm = undefined;
  if (vm) (await vm).dispose();
}
