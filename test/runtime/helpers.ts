/**
 * Test helpers: artifacts compiled straight from JavaScript with quickjs-wasi, wrapped exactly as the compiler wraps a
 * script body (`(async () => {\n` … `\n})`, evaluated as a global script), and small host invokers.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { QuickJS } from "quickjs-wasi";
import type { Artifact } from "../../src/compiler/artifact.js";
import type { ToolInvocation, ToolInvoker } from "../../src/runtime/index.js";

const require = createRequire(import.meta.url);
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }).WebAssembly;

let compiler: Promise<QuickJS> | undefined;
let counter = 0;

function compileVm(): Promise<QuickJS> {
  compiler ??= wasmApi
    .compile(readFileSync(require.resolve("quickjs-wasi/quickjs.wasm")))
    .then((wasm) => QuickJS.create({ wasm }));
  return compiler;
}

/** Compile a script body (JavaScript) into an Artifact without a source map (stack positions stay emitted ones). */
export async function artifact(body: string, filename = "test.ts"): Promise<Artifact> {
  const vm = await compileVm();
  const code = `(async () => {\n${body}\n})`;
  return {
    hash: `test-${++counter}`,
    bytecode: Uint8Array.from(vm.compile(code, filename)),
    sourceMap: "",
    filename,
    dtsHash: "test",
    engineVersion: "quickjs-wasi@3.6.2",
    compilerVersion: "test",
    sourceBytes: Buffer.byteLength(body),
    createdAt: Date.now(),
  };
}

/** Resolves with `{ tool, args }` for every call. */
export const echo: ToolInvoker = async (call) => ({ tool: call.tool, args: call.args });

/** An invoker whose calls stay pending until released; records every invocation. */
export function gate(): {
  invoker: ToolInvoker;
  calls: ToolInvocation[];
  release: (index: number, value: unknown) => void;
  waitFor: (count: number) => Promise<void>;
} {
  const calls: ToolInvocation[] = [];
  const resolvers: ((v: unknown) => void)[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    calls,
    invoker: (call) =>
      new Promise((resolve, reject) => {
        calls.push(call);
        resolvers.push(resolve);
        call.signal.addEventListener("abort", () => reject(call.signal.reason), { once: true });
        for (const w of waiters.splice(0)) {
          if (calls.length >= w.count) w.resolve();
          else waiters.push(w);
        }
      }),
    release: (index, value) => resolvers[index]?.(value),
    waitFor: (count) =>
      calls.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve })),
  };
}

/** Resolve after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
