/**
 * Type-check scripts with TypeScript 7's native compiler through its synchronous API (a `tsgo` child process and a
 * virtual file system). Chosen over TypeScript 6's in-process API by measurement (docs/compiler.md): the first check
 * in a fresh process is ~15× faster and a warm re-check of a changed script takes a few milliseconds, because the
 * child keeps the ES2023 lib and the tools `.d.ts` parsed and bound between snapshots.
 *
 * Each script is checked as `async function __cody_main() {\n<body>\n}` in its own module (moduleDetection "force"),
 * so scripts never see each other's declarations; diagnostics are mapped back to the user's lines and columns.
 */
import type { ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { API, Diagnostic as TsDiagnostic, Snapshot } from "typescript7/unstable/sync";
import type { FileSystem } from "typescript7/unstable/fs";
import type { Diagnostic } from "./diagnostic.js";
import { sortDiagnostics } from "./diagnostic.js";
import { TypeCheckerError } from "./errors.js";
import { CHECK_PREFIX, CHECK_SUFFIX, lineStarts, normalizeSource, positionOf } from "./wrap.js";

/** One script to check: its display name and its text (the body of an async function). */
export interface CheckInput {
  filename: string;
  source: string;
}

/**
 * TypeScript 7's client is loaded on the first check, not when this module is imported: importing it costs ≈ 110 ms,
 * and most processes that import the compiler (a cached `cody script run`, the server's main thread, whose checks run
 * in the compiler worker) never check anything. Node 20.19+ loads these ES modules synchronously through `require`.
 */
const requireLazily = createRequire(import.meta.url);
type TypeScriptApi = { API: typeof API; createVirtualFileSystem: typeof import("typescript7/unstable/fs").createVirtualFileSystem };
let typescript: TypeScriptApi | undefined;

/**
 * The build's one-file copy of the same API (scripts/bundle-cli.mjs, dist/cli/typescript7-api.mjs): loading it costs
 * ≈ 20 ms instead of ≈ 45 ms for the package's modules, on a cold check's critical path. Without it (a tsc-only
 * build), or if it fails to load, the package.
 */
const BUNDLED_API = fileURLToPath(new URL("../../cli/typescript7-api.mjs", import.meta.url));

function loadTypeScript(): TypeScriptApi {
  if (typescript) return typescript;
  try {
    if (existsSync(BUNDLED_API)) {
      const bundled = requireLazily(BUNDLED_API) as Partial<TypeScriptApi>;
      if (bundled.API && bundled.createVirtualFileSystem) {
        return (typescript = { API: bundled.API, createVirtualFileSystem: bundled.createVirtualFileSystem });
      }
    }
  } catch {
    // the package's own modules below
  }
  typescript = {
    API: (requireLazily("typescript7/unstable/sync") as typeof import("typescript7/unstable/sync")).API,
    createVirtualFileSystem: (requireLazily("typescript7/unstable/fs") as typeof import("typescript7/unstable/fs")).createVirtualFileSystem,
  };
  return typescript;
}

const ROOT = "/__cody__";
const TSCONFIG = `${ROOT}/tsconfig.json`;
const TOOLS_DTS = `${ROOT}/tools.d.ts`;
const EMPTY_SLOT = "export {};\n";

/**
 * Compiler options for scripts. `module: es2015` makes every dynamic `import()` an error (TS1323), which we reword;
 * `types: []` and `lib: es2023` keep Node and DOM globals out; moduleDetection "force" isolates scripts from each
 * other. `strict` catches the mistakes models make most (possibly-undefined values, implicit any).
 */
export const SCRIPT_COMPILER_OPTIONS = {
  target: "es2023",
  lib: ["es2023"],
  types: [] as string[],
  module: "es2015",
  moduleDetection: "force",
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowUnreachableCode: true,
  noFallthroughCasesInSwitch: true,
} as const;

/** Host globals a model might reach for; each gets a message saying what scripts have instead. */
const FORBIDDEN_GLOBALS = new Set([
  "require", "process", "module", "exports", "__dirname", "__filename", "Buffer", "global",
  "window", "document", "fetch", "setTimeout", "setInterval", "clearTimeout", "clearInterval", "setImmediate",
  "queueMicrotask", "structuredClone", "Deno", "Bun",
]);

/** What a checker's owner may learn and decide about its `tsgo` child (the worker host uses both to bound a check). */
export interface CheckerHooks {
  /** Called with the child's pid right after it starts, and with `undefined` once it has been ended. */
  onChild?: (pid: number | undefined) => void;
  /** Asked after the child died mid-check; `false` ends the check instead of retrying (its owner killed it). */
  shouldRetry?: () => boolean;
}

const AVAILABLE = "a script sees only `tools`, `console` and the ES2023 standard library";

/**
 * A reusable checker. The first `check` starts the `tsgo` child and loads the libs (tens of milliseconds); later
 * calls only send the changed files. Not thread-safe: use one per thread. Call `close()` (or `using`) when done; the
 * child is also killed when the process exits and never keeps the event loop alive.
 */
export class TypeChecker {
  #dtsText: string;
  #dtsDirty = false;
  #fs: FileSystem | undefined;
  #api: API | undefined;
  #snapshot: Snapshot | undefined;
  /** Wrapped text currently in each slot file (`${ROOT}/scripts/s<i>.ts`). */
  readonly #slots: string[] = [];
  #closed = false;
  #optionsVerified = false;
  readonly #hooks: CheckerHooks;
  /** Children killed but not yet reaped (their 'exit' event is when libuv has waited for them). */
  readonly #exiting = new Set<Promise<void>>();

  constructor(toolsDtsText: string, hooks: CheckerHooks = {}) {
    this.#dtsText = toolsDtsText;
    this.#hooks = hooks;
  }

  /** Replace the tools `.d.ts` (e.g. after MCP servers changed); the next check re-binds only what depends on it. */
  setToolsDts(text: string): void {
    if (text === this.#dtsText) return;
    this.#dtsText = text;
    this.#dtsDirty = true;
  }

  /**
   * Check scripts together in one program and return their diagnostics (errors and warnings), sorted by file and
   * position, with 1-based positions in each user's file.
   */
  check(files: readonly CheckInput[]): Diagnostic[] {
    if (this.#closed) throw new TypeCheckerError("TypeChecker is closed");
    if (files.length === 0) return [];
    const normalized = files.map((f) => ({ filename: f.filename, source: normalizeSource(f.source) }));
    try {
      return this.#checkOnce(normalized);
    } catch (error) {
      if (error instanceof TypeCheckerError) throw error;
      // The tsgo child died (crash, killed, OOM): start a fresh one and try once more before giving up — unless its
      // owner killed it to end this check (a deadline), when a retry would only run the same hostile input again.
      this.#reset();
      if (this.#hooks.shouldRetry?.() === false) {
        throw new TypeCheckerError("TypeScript checker was stopped", { stopped: true }, { cause: error });
      }
    }
    try {
      return this.#checkOnce(normalized);
    } catch (error) {
      this.#reset();
      if (error instanceof TypeCheckerError) throw error;
      throw new TypeCheckerError(`TypeScript checker failed: ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error });
    }
  }

  #checkOnce(normalized: CheckInput[]): Diagnostic[] {
    const snapshot = this.#update(normalized.map((f) => CHECK_PREFIX + f.source + CHECK_SUFFIX));
    const project = snapshot.getProjects()[0];
    if (!project) throw new TypeCheckerError("TypeScript opened no project for the scripts");
    const program = project.program;
    if (!this.#optionsVerified) {
      // A rejected option would silently weaken every check (TS7 removed some TS5 options), so fail loudly once.
      const problems = program.getProgramDiagnostics().filter((d) => d.category === 1);
      if (problems.length > 0) {
        throw new TypeCheckerError(`TypeScript rejected the script compiler options: ${problems.map((d) => d.text).join("; ")}`);
      }
      this.#optionsVerified = true;
    }
    const out: Diagnostic[] = [];
    normalized.forEach((file, i) => {
      const path = slotPath(i);
      const syntactic = program.getSyntacticDiagnostics(path);
      // Like tsc: semantic errors on a file that does not parse are noise.
      const raw = syntactic.length > 0 ? syntactic : program.getSemanticDiagnostics(path);
      out.push(...mapDiagnostics(raw, file.filename, file.source));
    });
    return sortDiagnostics(out);
  }

  /** Stop the `tsgo` child. Safe to call twice. */
  close(): void {
    this.#closed = true;
    this.#reset();
  }

  /**
   * Like close(), then wait (at most `maxMs`) until every child this checker ended has exited and been reaped, so no
   * zombie is left behind when the thread that started them goes away.
   */
  async closeAndWait(maxMs = 1000): Promise<void> {
    this.close();
    if (this.#exiting.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.#exiting),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, maxMs))),
    ]);
    clearTimeout(timer);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #update(texts: string[]): Snapshot {
    const changed: string[] = [];
    const created: string[] = [];
    const fresh = this.#api === undefined;
    if (fresh) {
      this.#fs = loadTypeScript().createVirtualFileSystem({
        [TSCONFIG]: JSON.stringify({ compilerOptions: SCRIPT_COMPILER_OPTIONS, include: ["tools.d.ts", "scripts/*.ts"] }),
        [TOOLS_DTS]: this.#dtsText,
      });
      this.#slots.length = 0;
      this.#dtsDirty = false;
    } else if (this.#dtsDirty) {
      this.#fs!.writeFile!(TOOLS_DTS, this.#dtsText);
      changed.push(TOOLS_DTS);
      this.#dtsDirty = false;
    }
    const fs = this.#fs!;
    const slotCount = Math.max(texts.length, this.#slots.length);
    for (let i = 0; i < slotCount; i++) {
      // Unused slots are emptied rather than deleted, so the next batch reuses them as "changed" files.
      const text = texts[i] ?? EMPTY_SLOT;
      const previous = this.#slots[i];
      if (previous === text) continue;
      fs.writeFile!(slotPath(i), text);
      if (!fresh) (previous === undefined ? created : changed).push(slotPath(i));
      this.#slots[i] = text;
    }
    if (fresh) {
      this.#api = new (loadTypeScript().API)({ cwd: ROOT, fs });
      this.#hooks.onChild?.(childOf(this.#api)?.pid);
      this.#snapshot = this.#api.updateSnapshot({ openProjects: [TSCONFIG] });
      return this.#snapshot;
    }
    if (changed.length === 0 && created.length === 0 && this.#snapshot) return this.#snapshot;
    const previous = this.#snapshot;
    this.#snapshot = this.#api!.updateSnapshot({ fileChanges: { changed, created } });
    previous?.dispose();
    return this.#snapshot;
  }

  #reset(): void {
    const api = this.#api;
    const snapshot = this.#snapshot;
    this.#api = undefined;
    this.#snapshot = undefined;
    this.#fs = undefined;
    this.#slots.length = 0;
    if (!api) return;
    try {
      snapshot?.dispose();
    } catch {
      // the child is already gone; nothing left to release
    }
    // The tsgo child prints "context canceled" to our stderr when it sees SIGTERM and EOF racing, and a busy one
    // ignores SIGTERM. It holds no state we need, so end it with SIGKILL first.
    const child = childOf(api);
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      this.#exiting.add(exited);
      void exited.then(() => this.#exiting.delete(exited));
    }
    try {
      child?.kill("SIGKILL");
    } catch {
      // already exited
    }
    this.#hooks.onChild?.(undefined);
    try {
      api.close();
    } catch {
      // api.close() stops at the first failed snapshot dispose when the child is dead; release the pipes directly.
      try {
        (api as unknown as { client?: { close(): void } }).client?.close();
      } catch {
        // nothing left to release
      }
    }
  }
}

/** The API client's `tsgo` child (a private field of the pinned 7.0.2 client; undefined if it moves). */
function childOf(api: API): ChildProcess | undefined {
  const child = (api as unknown as { client?: { channel?: { child?: unknown } } }).client?.channel?.child;
  return child instanceof EventEmitter ? (child as ChildProcess) : undefined;
}

function slotPath(i: number): string {
  return `${ROOT}/scripts/s${i}.ts`;
}

/** Map TypeScript diagnostics on a wrapped script back to the user's file, rewording the forbidden-feature ones. */
export function mapDiagnostics(raw: readonly TsDiagnostic[], filename: string, source: string): Diagnostic[] {
  const starts = lineStarts(source);
  // Spans already explained by an import diagnostic: the import() call, or an import statement up to its `;` or line
  // end. Anything else inside them ("Cannot find module 'fs'", "Cannot find name 'fs'") only repeats it.
  const importSpans = raw
    .filter((d) => d.code === 1323 || d.code === 1232)
    .map((d) => {
      if (d.code === 1323) return { code: d.code, pos: d.pos, end: d.end };
      const from = d.pos - CHECK_PREFIX.length;
      const stops = [source.indexOf(";", from), source.indexOf("\n", from)].filter((i) => i >= 0);
      const stop = stops.length > 0 ? Math.min(...stops) : source.length;
      return { code: d.code, pos: d.pos, end: stop + CHECK_PREFIX.length };
    });
  const out: Diagnostic[] = [];
  for (const d of raw) {
    if (d.category !== 0 && d.category !== 1) continue; // suggestions and messages are not reported
    if (importSpans.some((i) => i.code !== d.code && d.pos >= i.pos && d.end <= i.end)) continue;
    const startOffset = clamp(d.pos - CHECK_PREFIX.length, source.length);
    const endOffset = clamp(d.end - CHECK_PREFIX.length, source.length);
    const start = positionOf(starts, startOffset);
    const end = positionOf(starts, Math.max(startOffset, endOffset));
    out.push({
      file: filename,
      line: start.line,
      column: start.column,
      endLine: end.line,
      endColumn: end.column,
      code: d.code,
      category: d.category === 0 ? "warning" : "error",
      message: reword(d, source.slice(startOffset, endOffset)),
    });
  }
  return out;
}

function reword(d: TsDiagnostic, spanText: string): string {
  if (d.code === 1323) return `Dynamic import() is not available in Cody scripts: ${AVAILABLE}.`;
  if (d.code === 1232 || d.code === 1202 || d.code === 2792) {
    return `Import declarations are not available in Cody scripts (a script is the body of an async function): ${AVAILABLE}.`;
  }
  if (d.code === 1184 && spanText === "export") {
    return "`export` is not available in Cody scripts: a script is the body of an async function; `return` a value instead.";
  }
  const name = /^Cannot find name '([^']+)'/.exec(d.text)?.[1];
  if (name !== undefined && FORBIDDEN_GLOBALS.has(name)) return `\`${name}\` is not available in Cody scripts: ${AVAILABLE}.`;
  return flattenMessage(d);
}

/** tsc-style message: the head, then each chained message on its own line, indented by depth. */
function flattenMessage(d: TsDiagnostic): string {
  const lines: string[] = [d.text];
  const walk = (chain: readonly TsDiagnostic[] | undefined, depth: number): void => {
    for (const c of chain ?? []) {
      lines.push(`${"  ".repeat(depth)}${c.text}`);
      walk(c.messageChain, depth + 1);
    }
  };
  walk(d.messageChain, 1);
  return lines.join("\n");
}

function clamp(offset: number, max: number): number {
  return Math.min(Math.max(offset, 0), max);
}
