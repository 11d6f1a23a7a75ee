/**
 * The compiler worker: owns one TypeChecker (and through it the `tsgo` child), esbuild and the QuickJS compile VM, so
 * no compile step ever runs on the host's event loop. It serves one request at a time; the host bounds each with
 * `limits.checkTimeoutMs` and, past it, kills the `tsgo` child by pid (the sync API blocks this thread in a read
 * until the child answers or dies) and raises the stop flag so the checker does not retry.
 */
import { parentPort, workerData } from "node:worker_threads";
import { serializeError } from "../errors/index.js";
import type { ToolsDts } from "./dts.js";
import type { CompilerWorkerInit, FromCompiler, ToCompiler } from "./host-protocol.js";
import { TypeChecker } from "./typecheck.js";

const port = parentPort;
if (!port) throw new Error("host-worker.js must run in a worker thread");
const stop = new Int32Array((workerData as CompilerWorkerInit).stop);
let engineReady!: (wasm: WebAssembly.Module) => void;
const engine = new Promise<WebAssembly.Module>((resolve) => (engineReady = resolve));
let compileModules: Promise<CompileModules> | undefined;

type CompileModules = typeof import("./compile.js") & typeof import("./bytecode.js") & typeof import("./strip.js");

/**
 * The compile steps (strip, bytecode: quickjs-wasi's ~100 KB module and its engine) are loaded on the first compile,
 * not at the worker's start: a worker that only type-checks (`cody script check`) never needs them, and the worker's
 * start is on a cold check's critical path.
 */
function compiling(): Promise<CompileModules> {
  compileModules ??= Promise.all([import("./compile.js"), import("./bytecode.js"), import("./strip.js")]).then(([compile, bytecode, strip]) => {
    bytecode.useQuickJSModule(engine);
    return { ...compile, ...bytecode, ...strip };
  });
  return compileModules;
}
const post = (message: FromCompiler): void => port.postMessage(message);

let dts: ToolsDts = { text: "", hash: "" };
let checker: TypeChecker | undefined;
/** A compile ran (or was warmed), so esbuild's service child may be running. */
let compiled = false;

function getChecker(): TypeChecker {
  checker ??= new TypeChecker(dts.text, {
    onChild: (pid) => post({ type: "child", pid }),
    shouldRetry: () => Atomics.load(stop, 0) === 0,
  });
  return checker;
}

async function handle(message: ToCompiler): Promise<void> {
  switch (message.type) {
    case "engine":
      engineReady(message.wasm);
      return;
    case "dts":
      dts = { text: message.text, hash: message.hash };
      checker?.setToolsDts(message.text);
      return;
    case "check":
      post({ type: "checked", id: message.id, diagnostics: getChecker().check(message.files) });
      return;
    case "compile": {
      compiled = true;
      const { compileScript, compileValidScript } = await compiling();
      const { source, filename, typecheck, limits, validated } = message;
      const opts = typecheck ? { dts, checker: getChecker(), limits, typecheck } : { dts, limits, typecheck };
      const result = validated
        ? await compileValidScript({ source, filename, bytes: validated.bytes }, { ...opts, key: validated.key })
        : await compileScript({ source, filename }, opts);
      post({ type: "compiled", id: message.id, result });
      return;
    }
    case "warm":
      try {
        if (message.checker) getChecker().check([{ filename: "warm-up.ts", source: "return 0;\n" }]);
        compiled ||= message.compiler;
        if (message.compiler) {
          const { compileBytecode, stripTypes } = await compiling();
          await compileBytecode((await stripTypes("return 0;\n", "warm-up.ts")).code, "warm-up.ts");
        }
      } catch {
        // the request that follows reports the failure, with its own error
      }
      post({ type: "warmed" });
      return;
    case "close":
      await checker?.closeAndWait();
      checker = undefined;
      if (compileModules) await (await compileModules).disposeCompileVm();
      if (compiled) {
        // Loaded here, not at the worker's start: a worker that only type-checks never needs esbuild's module.
        const { stop: stopEsbuild } = await import("esbuild");
        await stopEsbuild();
        // esbuild's stop() does not wait for its child: give the SIGCHLD a turn of this loop so the child is reaped.
        // (Only then: a worker that only type-checked, as for `cody script check`, has no such child to wait 20 ms for.)
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      post({ type: "closed" });
      return;
  }
}

port.on("message", (message: ToCompiler) => {
  handle(message).catch((error: unknown) => {
    if (message.type === "check" || message.type === "compile") post({ type: "failed", id: message.id, error: serializeError(error) });
  });
});
post({ type: "ready" });
