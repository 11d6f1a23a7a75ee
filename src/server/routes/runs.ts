/**
 * `POST /v1/runs` (JSON result, or an SSE stream of RunEvents when the client accepts `text/event-stream`),
 * `DELETE /v1/runs/:id`, `GET /v1/runs/:id/events`, `GET /v1/runs/:id`, `GET /v1/runs`.
 *
 * A run is tied to its request: the client disconnecting aborts it, and with it every tool call it started.
 */
import type { Context, Hono } from "hono";
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

function wantsEventStream(c: Context): boolean {
  return (header(c, "accept") ?? "").toLowerCase().includes("text/event-stream");
}

export function runRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
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
    const recordEvent = (e: RunEvent): void => {
      runs.emit(runId, e.type, publicRunEvent(e));
      onEvent(e);
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

  app.post("/v1/runs", async (c) => {
    const req = parseRunRequest(await readJsonObject(c), harness);
    let artifact: Artifact | undefined;
    if (req.hash !== undefined) {
      artifact = harness.cache.get(req.hash)?.artifact;
      if (!artifact) throw new NotFoundError(`No compiled artifact with hash \`${req.hash}\` (compile it first)`, { kind: "artifact", id: req.hash });
    }
    // The client going away aborts the run through its own controller (no signal joined per run: see incoming.ts).
    let stopWatching = (): void => {};
    const watchClient = (id: string): void => {
      stopWatching = onClientGone(c, () => runs.abort(id, "The client disconnected"));
    };

    if (!wantsEventStream(c)) {
      const { runId, result } = runs.start(req.runId, (id, controller) => {
        watchClient(id);
        return execute(req, artifact, id, controller, () => {});
      });
      c.set("runId", runId);
      const finished = await result.finally(() => stopWatching());
      // One log line per JSON run: the request's, which carries the run's outcome.
      c.set("runLog", runLog(finished));
      const done = publicRunResult(finished);
      const status = statusForRun(done);
      return c.json(done, status as ContentfulStatusCode, retryHeaders(status));
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
      return execute(req, artifact, id, controller, (e) => emit(e.type, publicRunEvent(e)));
    });
    // A stream's request is logged when it starts; the run's end gets its own line.
    void result.then((finished) => {
      stopWatching();
      ctx.logger?.info({ runId, ...runLog(finished) }, "run finished");
    }, stopWatching);
    c.set("runId", runId);
    const runIdHeader = { "X-Cody-Run-Id": runId };
    // The status is chosen when the run starts or ends, whichever comes first: a run refused before it started
    // (type errors, a full queue, shutdown) is answered like in JSON mode, with its status and the RunResult.
    await Promise.race([started, result]);
    if (early[0]?.[0] === "end") {
      const done = publicRunResult(await result);
      const status = statusForRun(done);
      if (status !== 200) {
        unsubscribe();
        return c.json(done, status as ContentfulStatusCode, { ...retryHeaders(status), ...runIdHeader });
      }
    }
    return streamEvents(
      c,
      runIdHeader,
      async (events) => {
        writer = events;
        for (const [event, data] of early.splice(0)) events.emit(event, data);
        try {
          await result;
        } finally {
          unsubscribe();
          await events.flushed();
        }
      },
      () => runs.abort(runId, "The client disconnected"),
    );
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
