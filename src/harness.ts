/**
 * The harness: one object joining every stage for a workspace — registry (built-in + MCP tools), generated `.d.ts`,
 * type-checker, artifact cache, worker pool, tool dispatcher (validation → approval → handler → audit).
 *
 * The run path is: key → cache (LRU → SQLite) → on a miss validate/check/strip/compile and store → pool.run. A warm
 * run computes one sha256 and does no type-check, no esbuild and no QuickJS parse.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import type { ConversationStoreLike, PromptTools } from "./agent/index.js";
import type { Approver, ApprovalPolicyName, ApprovalPolicyOptions } from "./approval/index.js";
import { runOutcomeForError, type AuditLog } from "./audit/index.js";
import type { ArtifactCache } from "./cache/index.js";
import { ScriptChecker, type FileCheck } from "./checker.js";
import {
  computeArtifactKey,
  generateToolsDts,
  hasErrors,
  renderToolDeclarations,
  toolsNamedOnLine,
  SYNTAX_ERROR_CODE,
  type Artifact,
  type CompilerHostStats,
  type Diagnostic,
  type ScriptSource,
  type ToolsDts,
} from "./compiler/index.js";
import { resolveSettings, type CodyConfig, type Settings } from "./config/index.js";
import { engineCacheFor } from "./engine-location.js";
import {
  AbortedError,
  InvalidOptionError,
  ScriptSyntaxError,
  ScriptTypeError,
  StoreError,
  UsageError,
  serializeError,
  type SerializedError,
} from "./errors/index.js";
import { resolveLimits, type Limits } from "./limits.js";
import { tightenSandbox, type SandboxMode, type SandboxSettings } from "./sandbox/index.js";
import { ScriptPool, type PoolMetrics, type PoolOptions, type RunEvent, type RunResult } from "./runtime/index.js";
import { StoreHealth, type Database } from "./store/index.js";
import { Stores } from "./stores.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s), which a run without MCP servers must not pay for
import { createBuiltinRegistry } from "./tools/builtin.js";
import { ToolDispatcher } from "./dispatch/index.js";
import type { McpManager, McpUnavailable } from "./tools/index.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s), which a run without MCP servers must not pay for
import { unavailableServerUse, unavailableWarning } from "./tools/mcp/unavailable.js";
import type { ToolRegistry, ToolSpec } from "./tools/index.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s), which a run without MCP servers must not pay for
import { createDescribeTool } from "./tools/handlers/describe.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s), which a run without MCP servers must not pay for
import { buildToolIndex, DEFAULT_MCP_INDEX_THRESHOLD, isMcpToolName } from "./tools/mcp/prompt-index.js";
import type { Agent } from "./agent/index.js";
import type { ConversationOptions } from "./conversation.js";

export interface HarnessOptions {
  /** Workspace root: every tool path is confined to it. */
  cwd: string;
  /**
   * SQLite file for cache, audit and conversations. The library never reads `CODY_DB` itself (an embedder's or a
   * test's state must not follow the caller's environment): the CLI resolves `--db` / `CODY_DB` and passes the result.
   * @default `<cwd>/.cody/cache.db`
   */
  dbPath?: string | undefined;
  /**
   * Where cache, audit and conversations live instead of `dbPath`: a `postgres://` URL (shared by a fleet; `dbPath`'s
   * folder then still holds local state: generated `.d.ts`, the instrumented engine) or a SQLite file. Without it
   * and `dbPath`, the config's `store`, else `<cwd>/.cody/cache.db`.
   */
  store?: string | undefined;
  /** The secret a PostgreSQL store's instances share (the CLI reads `CODY_STORE_SECRET`). */
  storeSecret?: string | undefined;
  /** Loaded from `<cwd>/cody.json` or `<cwd>/.cody/config.json` when not given. */
  config?: CodyConfig | undefined;
  /** Run limits over the config's and the defaults. */
  limits?: Partial<Limits> | undefined;
  policy?: ApprovalPolicyOptions | undefined;
  /** Who answers approval requests (a TTY prompt, the REST server, a test). */
  approver?: Approver | undefined;
  /** Worker pool options, or a pool shared with other harnesses (not closed by `close()`). */
  pool?: PoolOptions | ScriptPool | undefined;
  /** Type-check scripts before compiling them. @default true */
  typecheck?: boolean | undefined;
  /** A registry to use instead of built-in + configured MCP tools (tests, embedders). */
  registry?: ToolRegistry | undefined;
  /** The OS sandbox for exec, over the config's `sandbox` (e.g. `--sandbox MODE` gives `{ mode }`). */
  sandbox?: { mode?: SandboxMode; network?: boolean } | undefined;
  /**
   * Above this many MCP tools, `promptTools()` gives an index of them instead of their declarations.
   * @default config.mcpIndexThreshold, else 30
   */
  mcpIndexThreshold?: number | undefined;
  /**
   * Settings a caller already resolved (the CLI, once per command: see `resolveSettings`). Taken as they are, in place
   * of `cwd`, `config`, `dbPath`, `store`, `limits`, `policy` and `sandbox` above.
   */
  settings?: Settings | undefined;
  /**
   * On SQLite, commit the audit log's group commits on a writer thread, off the event loop (`cody serve`). A one-shot
   * command leaves it off: the thread's start costs more than its few commits. @default false
   */
  auditWriter?: boolean | undefined;
}

/** A change of the tool set, after the registry was updated. */
export interface ToolsChange {
  /** The MCP server whose tools changed. */
  server: string;
  /** Registry names that appeared and disappeared (a tool whose schema changed is in neither). */
  added: string[];
  removed: string[];
  /** `harness.toolsVersion` after this change. */
  version: number;
}

/** One script to prepare or run. */
export interface ScriptInput {
  source: string;
  /** Shown in diagnostics and stacks. @default "script.ts" */
  filename?: string | undefined;
}

export interface PrepareResult {
  /** Absent when the script has errors (see diagnostics). */
  artifact?: Artifact;
  diagnostics: Diagnostic[];
  cache: "hit" | "miss";
  hash: string;
}

export interface HarnessRunOptions {
  limits?: Partial<Limits> | undefined;
  signal?: AbortSignal | undefined;
  /**
   * The run's own controller: aborting it aborts the run, and the harness aborts it itself when the run must end
   * early (an approval answered `abort`). Given, the harness makes no controller of its own for the run; a caller that
   * aborts runs through a controller anyway (the REST server) thus saves a second one and the listener joining them.
   */
  controller?: AbortController | undefined;
  /** Spawned calls live until this aborts (the end of a conversation turn); without it they end with the script. */
  turnSignal?: AbortSignal | undefined;
  onEvent?: ((event: RunEvent) => void) | undefined;
  runId?: string | undefined;
  /** Expose only these tools to the script (calls to others are denied). @default every registered tool */
  allowedTools?: readonly string[] | undefined;
  /** A tighter sandbox for this run's commands (a looser one throws InvalidOptionError). @default the harness's */
  sandbox?: { mode?: SandboxMode; network?: boolean } | undefined;
  /** This run's approval policy instead of the harness's, with the same allow rules (e.g. `never`: nobody to ask). */
  approvalPolicy?: ApprovalPolicyName | undefined;
}

export type { FileCheck } from "./checker.js";

export interface HarnessMetrics {
  pool: PoolMetrics | undefined;
  cache: ReturnType<ArtifactCache["stats"]>;
  /** Share of lookups answered by either cache level, 0..1 (NaN before any lookup). */
  cacheHitRate: number;
  /** Checks and compiles run by the compiler worker, and how many hit `limits.checkTimeoutMs`. */
  compiler: CompilerHostStats;
}

export class Harness {
  readonly cwd: string;
  readonly registry: ToolRegistry;
  readonly dispatcher: ToolDispatcher;
  readonly cache: ArtifactCache;
  readonly audit: AuditLog;
  /** The backend under cache, audit and conversations. */
  readonly stores: Stores;
  readonly limits: Limits;
  readonly typecheck: boolean;
  /** Storage faults nobody could be thrown to (see docs/cache.md, "When the disk fails"); `/healthz` reads it. */
  readonly storeHealth: StoreHealth;
  /** Runs in progress here → the storage fault that hit one of their calls (the run then fails with it). */
  readonly #runFaults = new Map<string, StoreError | undefined>();
  /** Configured MCP servers that could not start: their tools are left out, and scripts that use them fail. */
  readonly mcpUnavailable: readonly McpUnavailable[];
  readonly #mcp: McpManager | undefined;
  readonly #ownsPool: boolean;
  #pool: ScriptPool | undefined;
  #poolOptions: PoolOptions;
  /** The tools `.d.ts`, input checks and the compiler worker (type-checks and compiles off the event loop). */
  readonly #checker: ScriptChecker;
  /** Compiles in progress by artifact key and deadline: identical scripts arriving at once compile once. */
  readonly #compiling = new Map<string, Promise<PrepareResult>>();
  #toolNames: string[] | undefined;
  /** Bumped each time an MCP server's tool list changes (the registry, `.d.ts` and names are then rebuilt). */
  #toolsVersion = 0;
  readonly #toolsListeners = new Set<(change: ToolsChange) => void>();
  /** Registry updates after tool list changes, applied one at a time in arrival order. */
  #syncing: Promise<void> = Promise.resolve();
  readonly #dtsCacheDir: string | undefined;
  /** Above this many MCP tools the prompt carries an index of them (see promptTools). */
  readonly mcpIndexThreshold: number;
  /** The prompt's tool section, memoized per tool set version. */
  #promptTools: { version: number; tools: Promise<PromptTools> } | undefined;
  #closed = false;

  private constructor(parts: {
    cwd: string;
    registry: ToolRegistry;
    dispatcher: ToolDispatcher;
    stores: Stores;
    limits: Limits;
    typecheck: boolean;
    storeHealth: StoreHealth;
    mcp: McpManager | undefined;
    mcpUnavailable: readonly McpUnavailable[];
    pool: ScriptPool | undefined;
    poolOptions: PoolOptions;
    dtsCacheDir: string | undefined;
    mcpIndexThreshold: number;
    dbPath: string;
  }) {
    this.cwd = parts.cwd;
    this.registry = parts.registry;
    this.dispatcher = parts.dispatcher;
    this.stores = parts.stores;
    this.cache = parts.stores.cache;
    this.audit = parts.stores.audit;
    this.limits = parts.limits;
    this.typecheck = parts.typecheck;
    this.storeHealth = parts.storeHealth;
    this.storeHealth.listen((error) => {
      const runId = error instanceof StoreError ? error.details["runId"] : undefined;
      if (typeof runId === "string" && this.#runFaults.has(runId)) this.#runFaults.set(runId, this.#runFaults.get(runId) ?? error as StoreError);
    });
    this.#mcp = parts.mcp;
    this.mcpUnavailable = parts.mcpUnavailable;
    this.#mcp?.onToolsChanged((server) => {
      this.#syncing = this.#syncing.then(() => this.#syncServer(server));
    });
    this.#pool = parts.pool;
    this.#ownsPool = parts.pool === undefined;
    this.#poolOptions = parts.poolOptions;
    this.#dtsCacheDir = parts.dtsCacheDir;
    this.mcpIndexThreshold = parts.mcpIndexThreshold;
    this.#checker = new ScriptChecker({ specs: () => parts.registry.specs(), limits: parts.limits, dbPath: parts.dbPath, owner: this });
  }

  /** Open the database, load config, register built-in and MCP tools. MCP servers start here if configured. */
  static async create(options: HarnessOptions): Promise<Harness> {
    // A library caller's options are resolved here, once; the CLI resolved its flags already and passes the result.
    for (const key of ["config", "dbPath", "store", "limits", "policy", "sandbox"] as const) {
      if (options.settings && options[key] !== undefined) {
        throw new InvalidOptionError(`\`${key}\` cannot be given beside \`settings\` (it is resolved there)`, { path: key });
      }
    }
    const settings = options.settings ?? (await resolveSettings(options));
    const { cwd, config, limits, sandbox, dbPath, policy } = settings;
    const storeHealth = new StoreHealth();
    // Batched run/outcome writes keep the warm path to one synchronous write per tool call (measured: 1.5 → ~1 ms).
    const stores = Stores.open(settings.store, {
      secret: settings.storeSecret ?? options.storeSecret,
      audit: { deferWrites: true, onError: (error) => storeHealth.report(error) },
      auditWriter: options.auditWriter === true,
    });
    let mcp: McpManager | undefined;
    let mcpUnavailable: McpUnavailable[] = [];
    let registry = options.registry;
    try {
      if (!registry) {
        registry = createBuiltinRegistry();
        if (Object.keys(config.mcpServers).length > 0) {
          // Loaded only when configured: the MCP SDK (with zod) is a large share of a CLI process's start-up.
          const { McpManager } = await import("./tools/mcp/index.js");
          mcp = new McpManager({ servers: config.mcpServers, cwd });
          mcpUnavailable = await mcp.registerInto(registry);
          // With MCP tools the prompt may list only an index of them; the model fetches their types with this.
          const tools = registry;
          registry.register(createDescribeTool(() => tools.specs()));
        }
      }
      const audit = stores.audit;
      const dispatcher = new ToolDispatcher({
        onAuditError: (error) => storeHealth.report(error),
        registry,
        workspaceRoot: cwd,
        ...(policy ? { policy } : {}),
        approver: options.approver,
        audit,
        limits,
        sandbox,
      });
      const pool = options.pool instanceof ScriptPool ? options.pool : undefined;
      const poolOptions =
        options.pool instanceof ScriptPool ? {} : { engineCache: engineCacheFor(dbPath, { createKey: true }), ...options.pool };
      return new Harness({
        cwd,
        registry,
        dispatcher,
        stores,
        limits,
        typecheck: options.typecheck ?? true,
        storeHealth,
        mcp,
        mcpUnavailable,
        pool,
        poolOptions,
        // Generated declarations are kept beside the database so a new process does not regenerate them (~70 ms).
        dtsCacheDir: dbPath === ":memory:" ? undefined : path.join(path.dirname(dbPath), "dts"),
        mcpIndexThreshold: resolveIndexThreshold(options.mcpIndexThreshold ?? config.mcpIndexThreshold),
        dbPath,
      });
    } catch (error) {
      await mcp?.close();
      stores.close();
      throw error;
    }
  }

  /** The SQLite connection under the stores. @throws UsageError when the harness is on PostgreSQL. */
  get db(): Database {
    if (this.stores.sqlite) return this.stores.sqlite;
    throw new UsageError(`This harness's store is not SQLite (${this.stores.name})`, { path: this.stores.name });
  }

  /** Where conversations are kept, on the harness's backend. */
  conversations(): Promise<ConversationStoreLike> {
    return this.stores.conversations();
  }

  /**
   * The `.d.ts` scripts are checked against (memoized until an MCP server's tool list changes). Its hash is part of
   * every artifact key, so after a change no bytecode compiled against the old declarations is run.
   */
  toolsDts(): Promise<ToolsDts> {
    return this.#checker.toolsDts();
  }

  /**
   * The tool section of a system prompt for the current tool set (see AgentOptions.currentTools): every declaration,
   * or, above `mcpIndexThreshold` MCP tools, the other tools' declarations plus a one-line index of the MCP tools.
   * Scripts are checked against the full `.d.ts` either way.
   */
  promptTools(): Promise<PromptTools> {
    const version = this.#toolsVersion;
    if (this.#promptTools?.version !== version) {
      const tools = this.#buildPromptTools();
      tools.catch(() => {
        if (this.#promptTools?.tools === tools) this.#promptTools = undefined;
      });
      this.#promptTools = { version, tools };
    }
    return this.#promptTools.tools;
  }

  async #buildPromptTools(): Promise<PromptTools> {
    const specs = this.registry.specs();
    const names = specs.map((s) => s.name);
    const mcpCount = names.filter(isMcpToolName).length;
    if (mcpCount <= this.mcpIndexThreshold) return { dts: (await this.toolsDts()).text, names };
    const others = await generateToolsDts(
      specs.filter((s) => !isMcpToolName(s.name)),
      this.#dtsCacheDir === undefined ? {} : { cacheDir: this.#dtsCacheDir },
    );
    return { dts: others.text, index: buildToolIndex(specs), names };
  }

  /**
   * Type errors on a line that calls an MCP tool get that tool's declaration appended, so a model that saw only the
   * index learns the type from the error (once per tool per script).
   */
  async #explainToolErrors(diagnostics: Diagnostic[], sources: ReadonlyMap<string, string>): Promise<Diagnostic[]> {
    if (!diagnostics.some((d) => d.category === "error")) return diagnostics;
    const specs = new Map(this.registry.specs().filter((s) => isMcpToolName(s.name)).map((s) => [s.name, s]));
    if (specs.size === 0) return diagnostics;
    const quoted = new Set<string>();
    const out: Diagnostic[] = [];
    for (const d of diagnostics) {
      const line = d.category === "error" ? sources.get(d.file)?.split("\n")[d.line - 1] : undefined;
      const names = line === undefined ? [] : toolsNamedOnLine(line, (n) => specs.has(n)).filter((n) => !quoted.has(`${d.file}\0${n}`));
      if (names.length === 0) {
        out.push(d);
        continue;
      }
      for (const n of names) quoted.add(`${d.file}\0${n}`);
      const declarations = await renderToolDeclarations(names.map((n) => specs.get(n) as ToolSpec));
      const which = names.map((n) => `tools.${n}`).join(", ");
      out.push({ ...d, message: `${d.message}\nThe declaration of ${which}:\n${declarations.trimEnd()}` });
    }
    return out;
  }

  /** How many times the tool set changed since create (0 when it never did). */
  get toolsVersion(): number {
    return this.#toolsVersion;
  }

  /**
   * Call `listener` after each change of the tool set (an MCP server sent `notifications/tools/list_changed`, or came
   * back with different tools), once the registry holds the new tools. Returns a function that unsubscribes.
   */
  onToolsChanged(listener: (change: ToolsChange) => void): () => void {
    this.#toolsListeners.add(listener);
    return () => this.#toolsListeners.delete(listener);
  }

  async #syncServer(server: string): Promise<void> {
    if (this.#closed || !this.#mcp) return;
    let change: { added: string[]; removed: string[] };
    try {
      change = await this.#mcp.syncInto(this.registry, server);
    } catch {
      return; // the server went away while re-listing: its old tools stay until it lists again
    }
    this.#toolsVersion++;
    this.#checker.invalidate();
    this.#toolNames = undefined;
    for (const listener of this.#toolsListeners) listener({ server, ...change, version: this.#toolsVersion });
  }

  /** The sandbox exec commands run under (a run may tighten it). */
  get sandbox(): SandboxSettings {
    return this.dispatcher.sandbox;
  }

  /** Names of every tool a script can call (changes only when an MCP server's tool list does). */
  toolNames(): string[] {
    this.#toolNames ??= this.registry.list().map((t) => t.name);
    return this.#toolNames;
  }

  /**
   * Type-check many scripts in one program (CI linting of a folder of saved scripts). Throws CheckTimeoutError when
   * the batch takes longer than `limits.checkTimeoutMs`.
   */
  async check(files: readonly ScriptInput[], opts: { signal?: AbortSignal | undefined } = {}): Promise<Diagnostic[]> {
    const diagnostics = await this.#checker.check(files, opts);
    return this.#explainToolErrors(diagnostics, new Map(files.map((f) => [f.filename ?? "script.ts", f.source])));
  }

  /** Read and type-check script files in one program (`cody script check`): see ScriptChecker.checkFiles. */
  async checkFiles(files: readonly { path: string; name?: string | undefined }[], opts: { signal?: AbortSignal | undefined } = {}): Promise<FileCheck> {
    const found = await this.#checker.checkFiles(files, opts);
    const sources = new Map(found.scripts.map((s) => [s.filename, s.source]));
    return { ...found, diagnostics: await this.#explainToolErrors(found.diagnostics, sources) };
  }

  /** Cache lookup by content key; on a miss check, compile and store. Input errors (too large, binary…) throw. */
  async prepare(input: ScriptInput, opts: { typecheck?: boolean | undefined; limits?: Partial<Limits> | undefined } = {}): Promise<PrepareResult> {
    const typecheck = opts.typecheck ?? this.typecheck;
    const limits = resolveLimits(this.limits, opts.limits);
    const dts = await this.toolsDts();
    // Size is checked before hashing so an oversized script is refused without work.
    const script = this.#checker.validate(input, limits);
    const { source, filename } = script;
    const hash = computeArtifactKey({ source, filename, dtsHash: dts.hash, typecheck });
    // Keyed with the deadline too, so a request never inherits a shorter deadline than its own.
    const flightKey = `${hash}:${limits.checkTimeoutMs}`;
    const inFlight = this.#compiling.get(flightKey);
    if (inFlight) return inFlight;
    // An LRU hit's approval lookup does not block the event loop (a round trip on PostgreSQL); a miss stays synchronous,
    // so concurrent requests for a new script find its compile in flight.
    const hit = this.cache.inMemory(hash) ? await this.cache.getAsync(hash) : this.cache.get(hash);
    if (hit) return { artifact: hit.artifact, diagnostics: [], cache: "hit", hash };
    const raced = this.#compiling.get(flightKey);
    if (raced) return raced;
    const flight = this.#compileAndStore(script, hash, dts, typecheck, limits).then(async (result) =>
      result.artifact
        ? result
        : { ...result, diagnostics: await this.#explainToolErrors(result.diagnostics, new Map([[script.filename, script.source]])) },
    );
    this.#compiling.set(flightKey, flight);
    try {
      return await flight;
    } finally {
      this.#compiling.delete(flightKey);
    }
  }

  async #compileAndStore(script: ScriptSource, hash: string, dts: ToolsDts, typecheck: boolean, limits: Limits): Promise<PrepareResult> {
    // Validated and keyed here already: the compiler worker does neither again.
    const compiled = await this.#checker.compiler.compile(
      { source: script.source, filename: script.filename },
      { dts, typecheck, validated: { bytes: script.bytes, key: hash }, timeoutMs: limits.checkTimeoutMs, owner: this },
    );
    if (!compiled.artifact || hasErrors(compiled.diagnostics)) {
      return { diagnostics: compiled.diagnostics, cache: "miss", hash };
    }
    try {
      this.cache.put(compiled.artifact);
    } catch (error) {
      // The script compiled fine: a cache that cannot take it costs the next run a compile, not this run its result.
      if (!(error instanceof StoreError)) throw error;
      this.storeHealth.report(error);
    }
    return { artifact: compiled.artifact, diagnostics: compiled.diagnostics, cache: "miss", hash };
  }

  /** The hash `prepare`/`run` will give this script (its cache key), without checking or compiling it. */
  async hashOf(input: ScriptInput): Promise<string> {
    const { source, filename } = this.#checker.validate(input, this.limits);
    return computeArtifactKey({ source, filename, dtsHash: (await this.toolsDts()).hash, typecheck: this.typecheck });
  }

  /** Precompile into the cache; with `approveBy`, record the script as reviewed (its calls then run without asking). */
  async compile(input: ScriptInput, opts: { approveBy?: string | undefined } = {}): Promise<PrepareResult> {
    const prepared = await this.prepare(input);
    if (prepared.artifact && opts.approveBy !== undefined) {
      return { ...prepared, artifact: this.cache.approve(prepared.artifact.hash, opts.approveBy) };
    }
    return prepared;
  }

  async #ensurePool(): Promise<ScriptPool> {
    if (!this.#pool) {
      this.#pool = new ScriptPool(this.#poolOptions);
    }
    await this.#pool.ready();
    return this.#pool;
  }

  /** Start the worker pool now (a server does this at boot so the first run is warm). */
  async warmUp(): Promise<void> {
    await this.#ensurePool();
    await this.toolsDts();
  }

  /**
   * Run one script. Never throws for problems in the script or its limits: they come back as `ok: false` with a
   * typed error (type errors as ScriptTypeError with `details.diagnostics`). Throws only if the harness is closed.
   */
  async run(input: ScriptInput, opts: HarnessRunOptions = {}): Promise<RunResult> {
    const runId = opts.runId ?? randomUUID();
    const started = Date.now();
    // Start the worker pool while the script is looked up (and, on a miss, checked and compiled); a failure to start
    // surfaces where the pool is awaited, in runArtifact.
    this.#ensurePool().catch(() => undefined);
    const unavailable = unavailableServerUse(input.source, this.mcpUnavailable, input.filename ?? "script.ts");
    if (unavailable) return this.#failed(runId, input, "", "miss", started, unavailable.toJSON(), opts);
    let prepared: PrepareResult;
    let limits: Limits;
    try {
      // Resolved once for the whole run (prepare and the pool take them as they are).
      limits = resolveLimits(this.limits, opts.limits);
      prepared = await this.prepare(input, { limits });
    } catch (error) {
      // Refused before the script ran (input, deadline): the stack is the host's own, never the script's.
      const { stack: _stack, ...refused } = serializeError(error);
      return this.#failed(runId, input, "", "miss", started, refused, opts);
    }
    if (!prepared.artifact) {
      const diagnostics = prepared.diagnostics.filter((d) => d.category === "error");
      const first = diagnostics[0];
      // esbuild's syntax errors (seen when the type-check is off) keep their own class; the rest are type errors.
      const ErrorClass = first?.code === SYNTAX_ERROR_CODE ? ScriptSyntaxError : ScriptTypeError;
      const error = new ErrorClass(
        first ? `${first.file}(${first.line},${first.column}): TS${first.code}: ${first.message}` : "script has errors",
        { diagnostics },
        first ? { location: { file: first.file, line: first.line, column: first.column } } : {},
      );
      return this.#failed(runId, input, prepared.hash, prepared.cache, started, error.toJSON(), opts);
    }
    return this.runArtifact(prepared.artifact, { ...opts, runId, limits }, prepared.cache);
  }

  /** Run an artifact already compiled (e.g. looked up by hash). */
  async runArtifact(artifact: Artifact, opts: HarnessRunOptions = {}, cache: "hit" | "miss" = "hit"): Promise<RunResult> {
    const runId = opts.runId ?? randomUUID();
    const started = Date.now();
    // A looser sandbox than the harness's is refused before the run exists (InvalidOptionError).
    const sandbox = opts.sandbox ? tightenSandbox(this.sandbox, opts.sandbox) : undefined;
    // The run's row is committed before anything else (and before the pool can report the run started), so a run
    // that was accepted always has one; a database that refuses it fails the run: its calls could not be audited.
    try {
      // Group commit: concurrent runs' start rows share one transaction (see AuditLog.recordRunStartGrouped).
      await this.audit.recordRunStartGrouped({ runId, scriptHash: artifact.hash, scriptName: artifact.filename });
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      this.storeHealth.report(error);
      // Not recorded again: the row is what the database just refused.
      return this.#failed(runId, { source: "", filename: artifact.filename }, artifact.hash, cache, started, withoutStack(error), opts, false);
    }
    if (this.audit.refusedWrites === 0) this.storeHealth.recovered();
    const abort = opts.controller ?? new AbortController();
    const onOuterAbort = (): void => abort.abort(opts.signal?.reason);
    if (opts.signal?.aborted) abort.abort(opts.signal.reason);
    else opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
    const toolNames = opts.allowedTools ? this.toolNames().filter((n) => opts.allowedTools?.includes(n)) : this.toolNames();
    this.#runFaults.set(runId, undefined);
    try {
      const pool = await this.#ensurePool();
      let result = await pool.run(artifact, {
        invokeTool: this.dispatcher.forRun({
          runId,
          scriptHash: artifact.hash,
          scriptName: artifact.filename,
          // A cache hit carries its approval; a fresh compile may still have been approved by hash earlier.
          scriptApproved: artifact.approvedBy !== undefined || (cache === "miss" && this.cache.isApproved(artifact.hash)),
          allowedTools: opts.allowedTools,
          onAbortRequested: (reason: AbortedError) => abort.abort(reason),
          sandbox,
          approvalPolicy: opts.approvalPolicy,
        }),
        toolNames,
        limits: resolveLimits(this.limits, opts.limits),
        signal: abort.signal,
        ...(opts.turnSignal ? { turnSignal: opts.turnSignal } : {}),
        ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
        runId,
        cache,
      });
      // A read-only call's row may still be queued (AuditLog.queueCall): the result waits until the audit holds it.
      const queued = this.audit.queuedCallsSettled(runId);
      if (queued !== undefined) await queued;
      const fault = this.#runFaults.get(runId);
      // A call the audit could not record was refused; even if the script caught that, the run's record is
      // incomplete, so the run fails with the storage error rather than report success.
      if (fault !== undefined) result = { ...result, ok: false, error: withoutStack(fault) };
      this.audit.recordRunEnd(runId, {
        outcome: result.ok ? "ok" : runOutcomeForError(result.error?.code),
        errorCode: result.error?.code,
        errorMessage: result.error?.message,
      });
      return result;
    } catch (error) {
      const serialized = serializeError(error);
      this.audit.recordRunEnd(runId, {
        outcome: runOutcomeForError(serialized.code),
        errorCode: serialized.code,
        errorMessage: serialized.message,
      });
      throw error;
    } finally {
      this.#runFaults.delete(runId);
      opts.signal?.removeEventListener("abort", onOuterAbort);
    }
  }

  /**
   * A conversation loop (an Agent) over this harness: scripts run through `run()` with `opts.limits`, native function
   * calls through the dispatcher, conversations stored in `conversations()`. `cody exec` and the REST server both
   * start conversations here, so neither assembles harness parts itself.
   */
  async conversation(opts: ConversationOptions): Promise<Agent> {
    const { createConversation } = await import("./conversation.js");
    return createConversation(this, await this.conversations(), opts);
  }

  /** Lines a front end must show before starting: approve-all is on, configured MCP servers that did not start. */
  warnings(): string[] {
    const lines = this.dispatcher.policy.warning === undefined ? [] : [this.dispatcher.policy.warning];
    return [...lines, ...this.mcpUnavailable.map((u) => `cody: ${unavailableWarning(u)}`)];
  }

  /** End every check and compile in progress with AbortedError (a server shutting down does not wait for them). */
  abortCompiles(why = "The compile was aborted"): void {
    this.#checker.compiler.abortAll(new AbortedError(why, {}), this);
  }

  /** A model's native function call, through the same validation, approval and audit as script calls. */
  callTool(call: { runId?: string; callId?: string; tool: string; args: unknown }, signal: AbortSignal): Promise<unknown> {
    return this.dispatcher.callStructured(
      { runId: call.runId ?? randomUUID(), callId: call.callId ?? "s1", tool: call.tool, args: call.args },
      signal,
    );
  }

  metrics(): HarnessMetrics {
    const cache = this.cache.stats();
    const lookups = cache.lru.hits + cache.lru.misses;
    const hits = cache.lru.hits + cache.sqlite.hits;
    return {
      pool: this.#pool?.metrics(),
      cache,
      cacheHitRate: lookups === 0 ? Number.NaN : hits / lookups,
      compiler: this.#checker.compiler.stats(this),
    };
  }

  /** Stop the pool (if owned), the checker's compiler process and MCP servers; close the database. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#checker.compiler.abortAll(new AbortedError("The harness was closed", {}), this);
    await this.#checker.close();
    if (this.#ownsPool) await this.#pool?.close();
    await this.#mcp?.close();
    try {
      // After the asynchronous commits in flight (the audit writer thread's, PostgreSQL's) and what they release.
      await this.audit.settle();
    } catch (error) {
      // Closing must finish (the database is closed below); the writes that could not be saved are reported.
      this.storeHealth.report(error);
    }
    this.stores.close();
  }

  #failed(
    runId: string,
    input: ScriptInput,
    hash: string,
    cache: "hit" | "miss",
    started: number,
    error: SerializedError,
    opts: HarnessRunOptions,
    record = true,
  ): RunResult {
    // Recorded like any run, so the run id the caller shows is one `cody runs show` finds (outcome and error code).
    // A database that refuses the row is reported (healthz degraded); the caller still gets the run's own error.
    if (record) {
      const scriptName = input.filename ?? "script.ts";
      try {
        this.audit.recordRunStart({ runId, scriptHash: hash === "" ? undefined : hash, scriptName, startedAt: started });
        this.audit.recordRunEnd(runId, { outcome: runOutcomeForError(error.code), errorCode: error.code, errorMessage: error.message });
      } catch (storeError) {
        if (!(storeError instanceof StoreError)) throw storeError;
        this.storeHealth.report(storeError);
      }
    }
    const result: RunResult = {
      runId,
      ok: false,
      error,
      console: [],
      consoleTruncated: false,
      toolCalls: [],
      abortedCalls: [],
      durationMs: Date.now() - started,
      hash,
      cache,
    };
    opts.onEvent?.({ type: "end", result });
    return result;
  }
}

function resolveIndexThreshold(value: unknown): number {
  if (value === undefined) return DEFAULT_MCP_INDEX_THRESHOLD;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new InvalidOptionError(`\`mcpIndexThreshold\` must be an integer >= 0, got \`${String(value)}\` (${typeof value})`, {
      path: "mcpIndexThreshold",
      value: typeof value === "number" ? value : String(value),
    });
  }
  return value;
}

/** A storage error as a run's error: the host stack names server files and stays in the process. */
function withoutStack(error: StoreError): SerializedError {
  const { stack: _stack, ...rest } = error.toJSON();
  return rest;
}

/** Convenience: `await createHarness({ cwd })`. */
export function createHarness(options: HarnessOptions): Promise<Harness> {
  return Harness.create(options);
}
