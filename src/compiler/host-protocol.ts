/**
 * Messages between the CompilerHost (main thread) and its compiler worker, one discriminated union per direction.
 * The worker runs our own code only, so inbound checks are limited to the message type and its request id.
 */
import type { SerializedError } from "../errors/index.js";
import type { Limits } from "../limits.js";
import type { CompileResult } from "./compile.js";
import type { Diagnostic } from "./diagnostic.js";
import type { CheckInput } from "./typecheck.js";

/** Data handed to the worker through `workerData`. */
export interface CompilerWorkerInit {
  /** Int32Array view target: slot 0 is raised by the host when it ends the current request (deadline, abort). */
  stop: SharedArrayBuffer;
}

/** A script the host's caller validated and keyed already (the harness): the worker neither validates nor hashes it. */
export interface ValidatedScript {
  /** Its size in UTF-8 bytes as given (recorded in the artifact). */
  bytes: number;
  /** Its artifact key. */
  key: string;
}

/** Host → worker. */
export type ToCompiler =
  /** The quickjs-wasi engine, compiled once in the main thread; sent while the worker loads its modules. */
  | { type: "engine"; wasm: WebAssembly.Module }
  /** The tools declarations for every later request (sent only when they change). */
  | { type: "dts"; text: string; hash: string }
  | { type: "check"; id: number; files: CheckInput[] }
  | { type: "compile"; id: number; source: string; filename: string; typecheck: boolean; limits: Partial<Limits>; validated?: ValidatedScript }
  /**
   * Start the checker's child and load the libs with a trivial check, and/or esbuild's service and the QuickJS compile
   * VM with a trivial strip and compile; the worker answers `warmed`.
   */
  | { type: "warm"; checker: boolean; compiler: boolean }
  /** End the children (tsgo, esbuild) and wait until they are reaped; the worker answers `closed`. */
  | { type: "close" };

/** Worker → host. */
export type FromCompiler =
  | { type: "ready" }
  | { type: "closed" }
  | { type: "warmed" }
  /** The checker's `tsgo` child started (pid) or was ended (undefined): the host kills it by pid on a deadline. */
  | { type: "child"; pid: number | undefined }
  | { type: "checked"; id: number; diagnostics: Diagnostic[] }
  | { type: "compiled"; id: number; result: CompileResult }
  | { type: "failed"; id: number; error: SerializedError };

/** The only place the host checks what the worker sent. */
export function parseFromCompiler(data: unknown): FromCompiler | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const m = data as { type?: unknown; id?: unknown; pid?: unknown };
  switch (m.type) {
    case "ready":
    case "closed":
    case "warmed":
      return m as FromCompiler;
    case "child":
      return m.pid === undefined || typeof m.pid === "number" ? (m as FromCompiler) : undefined;
    case "checked":
    case "compiled":
    case "failed":
      return typeof m.id === "number" ? (m as FromCompiler) : undefined;
    default:
      return undefined;
  }
}
