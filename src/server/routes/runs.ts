/**
 * `POST /v1/runs` (JSON result, or an SSE stream of RunEvents when the client accepts `text/event-stream`),
 * `DELETE /v1/runs/:id`, `GET /v1/runs/:id/events`, `GET /v1/runs/:id`, `GET /v1/runs`.
 *
 * A run is tied to its request: the client disconnecting aborts it, and with it every tool call it started.
 */
import type { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { serializeError } from "../../errors/index.js";
import { publicRunEvent, publicRunResult, type RunEvent, type RunResult } from "../../runtime/index.js";
import { readJsonObject } from "../body.js";
import type { AppEnv, RunLogFields, ServerContext } from "../context.js";
import type { RunEventRecord } from "../active-runs.js";
import { NotFoundError } from "../errors.js";
import { parseRunRequest, type RunRequest } from "../run-request.js";
import { retryHeaders } from "../retry.js";
import { listRuns } from "../run-list.js";
import { streamEvents, type EventWriter } from "../sse.js";
import { statusForRun } from "../status.js";
import { header, onClientGone } from "../incoming.js";
import type { Artifact } from "../../compiler/index.js";

type Emit = (event: string, data: unknown) => void;

/** What the log says of a finished run (`runMs` is the run's own time, `ms` the request's). */
function runLog(result: RunResult): RunLogFields {
  return { ok: result.ok, code: result.error?.code, runMs: Math.round(result.durationMs), cache: result.cache };
}

/** A result for a run the pool refused or that failed outside the script (queue full, pool closed). */
function refused(runId: string, hash: string, cache: "hit" | "miss", error: unknown): RunResult {
  return {
    runId,
    ok: false,
    error: serializeError(error),
    console: [],
    consoleTruncated: false,
    toolCalls: [],
    abortedCalls: [],
    durationMs: 0,
    hash,
    cache,
  };
}

/** What starting a run needs of its request, whether it came through hono or the fast path (fast-run.ts). */
export interface RunExchange {
  /** The request's `Accept` header: `text/event-stream` asks for a stream. */
  accept: string | undefined;
  /** Call `onGone` once if the client goes away before its response is finished; returns the function that stops watching. */
  onClientGone(onGone: () => void): () => void;
  /** Name the run on the request's log line. */
  setRunId(id: string): void;
  /** A JSON run's outcome, for the request's log line. */
  setRunLog(fields: RunLogFields): void;
}

/** The answer to `POST /v1/runs`: a JSON body with its status, or an event stream (status 200). */
export type RunReply =
  | { kind: "json"; status: number; body: unknown; headers: Record<string, string> }
  | { kind: "stream"; headers: Record<string, string>; produce: (writer: EventWriter) => Promise<void>; onDisconnect: () => void };

export interface RunStarter {
  /** The artifact a request names by `hash` (undefined for a `source`). @throws NotFoundError when it is not cached */
  artifactFor(req: RunRequest): Artifact | undefined;
  /** Start the run; the reply comes when it ends (JSON) or starts (stream). @throws what ActiveRuns.start throws */
  start(req: RunRequest, artifact: Artifact | undefined, exchange: RunExchange): Promise<RunReply>;
}

/** `POST /v1/runs` after its body was read and checked: shared by the hono route and the fast path. */
export function createRunStarter(ctx: ServerContext): RunStarter {
  const { harness, runs } = ctx;

  /** Run the request to its end; never rejects (refusals come back as ok: false results with an end event). */
  async function execute(
    req: RunRequest,
    artifact: Artifact | undefined,
    runId: string,
    controller: AbortController,
    onEvent: (e: RunEvent) => void,
  ): Promise<RunResult> {
    // Every event also goes to the run's watchers (GET /v1/runs/:id/events, here or, through the fleet, elsewhere).
    // `onEvent` gets the public form too (made once: for `end` it copies the whole result).
    const recordEvent = (e: RunEvent): void => {
      const shown = publicRunEvent(e);
      runs.emit(runId, e.type, shown);
      onEvent(shown);
    };
    const stopApprovals = ctx.approvals?.subscribe((r) => r.runId === runId && runs.emit(runId, "approval_request", r));
    const opts = { runId, controller, onEvent: recordEvent, limits: req.limits, allowedTools: req.allowedTools, sandbox: req.sandbox };
    let result: RunResult;
    try {
      result = artifact ? await harness.runArtifact(artifact, opts, "hit") : await harness.run(req.input ?? { source: "" }, opts);
    } catch (error) {
      result = refused(runId, artifact?.hash ?? "", artifact ? "hit" : "miss", error);
      recordEvent({ type: "end", result });
    } finally {
      stopApprovals?.();
    }
    ctx.metrics.observeRun(result);
    return result;
  }

  function artifactFor(req: RunRequest): Artifact | undefined {
    if (req.hash === undefined) return undefined;
    const artifact = harness.cache.get(req.hash)?.artifact;
    if (!artifact) throw new NotFoundError(`No compiled artifact with hash \`${req.hash}\` (compile it first)`, { kind: "artifact", id: req.hash });
    return artifact;
  }

  async function start(req: RunRequest, artifact: Artifact | undefined, exchange: RunExchange): Promise<RunReply> {
    // The client going away aborts the run through its own controller (no signal joined per run: see incoming.ts).
    let stopWatching = (): void => {};
    const watchClient = (id: string): void => {
      stopWatching = exchange.onClientGone(() => runs.abort(id, "The client disconnected"));
    };

    if (!(exchange.accept ?? "").toLowerCase().includes("text/event-stream")) {
      const { runId, result } = runs.start(req.runId, (id, controller) => {
        watchClient(id);
        return execute(req, artifact, id, controller, () => {});
      });
      exchange.setRunId(runId);
      const finished = await result.finally(() => stopWatching());
      // One log line per JSON run: the request's, which carries the run's outcome.
      exchange.setRunLog(runLog(finished));
      const done = publicRunResult(finished);
      const status = statusForRun(done);
      return { kind: "json", status, body: done, headers: retryHeaders(status) };
    }

    // Register before streaming so a DELETE right after the start event finds the run.
    let writer: EventWriter | undefined;
    const early: [string, unknown][] = [];
    let firstEvent = (): void => {};
    const started = new Promise<void>((resolve) => (firstEvent = resolve));
    const emit: Emit = (event, data) => {
      if (writer) return writer.emit(event, data);
      early.push([event, data]);
      firstEvent();
    };
    let unsubscribe = (): void => {};
    const { runId, result } = runs.start(req.runId, (id, controller) => {
      unsubscribe = ctx.approvals?.subscribe((r) => r.runId === id && emit("approval_request", r)) ?? unsubscribe;
      watchClient(id);
      return execute(req, artifact, id, controller, (e) => emit(e.type, e));
    });
    // A stream's request is logged when it starts; the run's end gets its own line.
    void result.then((finished) => {
      stopWatching();
      ctx.logger?.info({ runId, ...runLog(finished) }, "run finished");
    }, stopWatching);
    exchange.setRunId(runId);
    const runIdHeader = { "X-Cody-Run-Id": runId };
    // The status is chosen when the run starts or ends, whichever comes first: a run refused before it started
    // (type errors, a full queue, shutdown) is answered like in JSON mode, with its status and the RunResult.
    await Promise.race([started, result]);
    if (early[0]?.[0] === "end") {
      const done = publicRunResult(await result);
      const status = statusForRun(done);
      if (status !== 200) {
        unsubscribe();
        return { kind: "json", status, body: done, headers: { ...retryHeaders(status), ...runIdHeader } };
      }
    }
    return {
      kind: "stream",
      headers: runIdHeader,
      produce: async (events) => {
        writer = events;
        for (const [event, data] of early.splice(0)) events.emit(event, data);
        try {
          await result;
        } finally {
          unsubscribe();
          await events.flushed();
        }
      },
      onDisconnect: () => runs.abort(runId, "The client disconnected"),
    };
  }

  return { artifactFor, start };
}

export function runRoutes(app: Hono<AppEnv>, ctx: ServerContext, starter: RunStarter = createRunStarter(ctx)): void {
  const { harness, runs } = ctx;
  const { artifactFor, start } = starter;

  app.post("/v1/runs", async (c) => {
    const req = parseRunRequest(await readJsonObject(c), harness);
    const reply = await start(req, artifactFor(req), {
      accept: header(c, "accept"),
      onClientGone: (onGone) => onClientGone(c, onGone),
      setRunId: (id) => c.set("runId", id),
      setRunLog: (fields) => c.set("runLog", fields),
    });
    if (reply.kind === "json") return c.json(reply.body, reply.status as ContentfulStatusCode, reply.headers);
    return streamEvents(c, reply.headers, reply.produce, reply.onDisconnect);
  });

  app.delete("/v1/runs/:id", async (c) => {
    const id = c.req.param("id");
    const why = "Aborted by DELETE /v1/runs/:id";
    // A run executing on another instance of the fleet is aborted there, through the database.
    if (!runs.abort(id, why) && !(await ctx.fleet?.abortRemote(id, why))) {
      throw new NotFoundError(`No run \`${id}\` is in progress`, { kind: "run", id });
    }
    return c.json({ runId: id, aborted: true }, 202);
  });

  /**
   * The events of a run in progress as SSE, from the first (replayed) to `end`: of a run executing here, or, with a
   * PostgreSQL store, on any instance of the fleet.
   */
  app.get("/v1/runs/:id/events", async (c) => {
    const id = c.req.param("id");
    type Watch = (onEvent: (record: RunEventRecord) => void) => (() => void) | undefined;
    const local: Watch = (onEvent) => runs.watch(id, onEvent);
    const remote = ctx.fleet ? await ctx.fleet.watchRemote(id) : undefined;
    if (!runs.has(id) && remote === undefined) throw new NotFoundError(`No run \`${id}\` is in progress`, { kind: "run", id });
    const watch: Watch = runs.has(id) ? local : (remote as Watch);
    let disconnected: (() => void) | undefined;
    const gone = new Promise<void>((resolve) => (disconnected = resolve));
    return streamEvents(
      c,
      { "X-Cody-Run-Id": id },
      async (writer) => {
        let stop: (() => void) | undefined;
        await new Promise<void>((resolve) => {
          void gone.then(resolve);
          stop = watch((record) => {
            writer.emit(record.event, record.data);
            if (record.event === "end") resolve();
          });
          if (stop === undefined) resolve();
        });
        stop?.();
        await writer.flushed();
      },
      () => disconnected?.(),
    );
  });

  app.get("/v1/runs/:id", (c) => {
    const id = c.req.param("id");
    const record = harness.audit.getRun(id);
    if (!record) throw new NotFoundError(`No run \`${id}\` in the audit log`, { kind: "run", id });
    return c.json({ ...record, active: runs.has(id) });
  });

  app.get("/v1/runs", (c) => c.json(listRuns(harness, c.req.query(), runs.ids())));
}
