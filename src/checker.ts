/**
 * Checking scripts against a workspace's tools: the tools `.d.ts` (generated once, cached beside the database) and the
 * process's shared compiler worker, each request bounded by `limits.checkTimeoutMs`. A Harness checks and compiles
 * through one (runs, `harness.check`, the REST server); `cody script check` and `cody tools dts` open one for a
 * workspace without the rest of the harness (no database, worker pool or dispatcher to load and start).
 */
import path from "node:path";
import {
  acquireCompilerHost,
  checkScriptSize,
  generateToolsDts,
  isValidatedScript,
  readScriptFile,
  releaseCompilerHost,
  validateScriptSource,
  type CompilerHost,
  type Diagnostic,
  type ScriptSource,
  type ToolsDts,
} from "./compiler/index.js";
import type { Settings } from "./config/index.js";
import { CodyError } from "./errors/index.js";
import type { ScriptInput } from "./harness.js";
import type { Limits } from "./limits.js";
import type { McpUnavailable, ToolSpec } from "./tools/index.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s) and every handler, which a check does not need
import { BUILTIN_SPECS } from "./tools/schemas.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s) and every handler, which a check does not need
import { createDescribeTool } from "./tools/handlers/describe.js";

/** What `checkFiles` found. */
export interface FileCheck {
  /** The files read, as checked (named as given). */
  scripts: ScriptSource[];
  /** Files that could not be checked, each with its typed error (ScriptReadError, ScriptTooLargeError, …). */
  problems: { file: string; error: CodyError }[];
  /** Diagnostics of the files read, all checked together. */
  diagnostics: Diagnostic[];
}

export interface ScriptCheckerOptions {
  /** The tools scripts may call (read on the first check, and again after `invalidate()`). */
  specs: () => readonly ToolSpec[];
  limits: Limits;
  /** The workspace's database: generated declarations are cached in `dts/` beside it (`:memory:` caches nothing). */
  dbPath: string;
  /** Whose requests these are in the compiler's stats (`stats(owner)`) and `abortAll(error, owner)`. @default the checker */
  owner?: object | undefined;
}

export class ScriptChecker {
  readonly limits: Limits;
  /** Type-checks and compiles off the event loop, each bounded by `limits.checkTimeoutMs` (shared in the process). */
  readonly compiler: CompilerHost = acquireCompilerHost();
  readonly #specs: () => readonly ToolSpec[];
  readonly #dtsCacheDir: string | undefined;
  readonly #owner: object;
  #dts: ToolsDts | undefined;
  /** Bumped by `invalidate()`: a generation that started before the change is not kept. */
  #version = 0;

  constructor(options: ScriptCheckerOptions) {
    this.#specs = options.specs;
    this.limits = options.limits;
    // Kept beside the database so a new process does not regenerate them (~70 ms).
    this.#dtsCacheDir = options.dbPath === ":memory:" ? undefined : path.join(path.dirname(options.dbPath), "dts");
    this.#owner = options.owner ?? this;
  }

  /** The `.d.ts` scripts are checked against (memoized until `invalidate()`). */
  async toolsDts(): Promise<ToolsDts> {
    for (;;) {
      if (this.#dts) return this.#dts;
      const version = this.#version;
      const dts = await generateToolsDts([...this.#specs()], this.#dtsCacheDir === undefined ? {} : { cacheDir: this.#dtsCacheDir });
      // A change that landed while generating makes this text stale: generate again.
      if (version === this.#version) return (this.#dts = dts);
    }
  }

  /** The tools changed (an MCP server's list): the next `toolsDts()` generates the declarations again. */
  invalidate(): void {
    this.#version++;
    this.#dts = undefined;
  }

  /**
   * The one input check of a script entering the harness. A ScriptSource from `readScriptFile` or
   * `validateScriptSource` (the CLI's) was checked there: only its size is compared again, as a run may lower the limit.
   */
  validate(input: ScriptInput, limits: Limits = this.limits): ScriptSource {
    const filename = input.filename ?? "script.ts";
    if (isValidatedScript(input) && input.filename === filename) {
      checkScriptSize(input.bytes, filename, limits.maxSourceBytes);
      return input;
    }
    return validateScriptSource(input.source, filename, limits);
  }

  /**
   * Type-check many scripts in one program (CI linting of a folder of saved scripts). Throws CheckTimeoutError when
   * the batch takes longer than `limits.checkTimeoutMs`.
   */
  async check(files: readonly ScriptInput[], opts: { signal?: AbortSignal | undefined } = {}): Promise<Diagnostic[]> {
    const dts = await this.toolsDts();
    const inputs = files.map((f) => this.validate(f));
    return this.compiler.check(inputs, { dts, timeoutMs: this.limits.checkTimeoutMs, signal: opts.signal, owner: this.#owner });
  }

  /**
   * Read and type-check script files in one program (`cody script check`). A file that cannot be used (missing, a
   * directory, binary, empty, over `limits.maxSourceBytes`) is reported with its typed error; the others are checked.
   */
  async checkFiles(
    files: readonly { path: string; name?: string | undefined }[],
    opts: { signal?: AbortSignal | undefined } = {},
  ): Promise<FileCheck> {
    const scripts: ScriptSource[] = [];
    const problems: FileCheck["problems"] = [];
    for (const file of files) {
      const name = file.name ?? file.path;
      try {
        scripts.push(await readScriptFile(file.path, this.limits, name));
      } catch (error) {
        if (!(error instanceof CodyError)) throw error;
        problems.push({ file: name, error });
      }
    }
    const diagnostics = scripts.length > 0 ? await this.check(scripts, opts) : [];
    return { scripts, problems, diagnostics };
  }

  /** Give back the compiler worker (the process's last user ends it). */
  close(): Promise<void> {
    return releaseCompilerHost(this.compiler);
  }
}

/**
 * A checker for a workspace without a harness: the built-in tools plus those of the MCP servers in its config, which
 * start just long enough to list their tools (the specs are in the registry's order, so the `.d.ts` — and its cache —
 * is the harness's). Servers that could not start are returned, their tools left out.
 */
export async function openScriptChecker(settings: Settings): Promise<{ checker: ScriptChecker; mcpUnavailable: readonly McpUnavailable[] }> {
  let specs: ToolSpec[] = [...BUILTIN_SPECS];
  let mcpUnavailable: readonly McpUnavailable[] = [];
  if (Object.keys(settings.config.mcpServers).length > 0) {
    const { McpManager } = await import("./tools/mcp/index.js");
    const mcp = new McpManager({ servers: settings.config.mcpServers, cwd: settings.cwd });
    try {
      const listed = await mcp.listAvailableToolDefinitions();
      // The harness registers `describe` whenever MCP servers are configured; checks must see it too.
      const { handler: _describe, ...describe } = createDescribeTool(() => []);
      specs = [...specs, describe, ...listed.definitions.map(({ handler: _handler, ...spec }) => spec)];
      mcpUnavailable = listed.unavailable;
    } finally {
      await mcp.close();
    }
  }
  // ToolRegistry.list() order: the declarations are generated from the specs in this order.
  specs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { checker: new ScriptChecker({ specs: () => specs, limits: settings.limits, dbPath: settings.dbPath }), mcpUnavailable };
}
