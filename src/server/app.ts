/**
 * The REST server over one Harness: a hono app plus `listen()` on Node's HTTP server. Routes live in routes/, one
 * module per resource; this file joins them with the cross-cutting parts (request log, body limit, error mapping).
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import { serializeError, type SerializedError } from "../errors/index.js";
import type { Harness } from "../harness.js";
import { ActiveRuns } from "./active-runs.js";
import type { ApprovalBroker } from "./approvals.js";
import type { AppEnv, ServerContext } from "./context.js";
import { NotFoundError, PayloadTooLargeError } from "./errors.js";
import { browserGuard, isLoopback } from "./guard.js";
import { createServerMetrics } from "./metrics.js";
import { approvalRoutes } from "./routes/approvals.js";
import { runRoutes } from "./routes/runs.js";
import { scriptRoutes } from "./routes/scripts.js";
import { toolRoutes } from "./routes/tools.js";
import { statusForCode } from "./status.js";

/** Request bodies larger than this are refused with 413. @default 1048576 (1 MB) */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** How long `close()` lets open responses finish (after aborting runs) before cutting their connections. */
const CLOSE_GRACE_MS = 2000;

export interface ServerOptions {
  /** Answers approval requests over HTTP; create the harness with `approvals.approver`. Without it none are listed. */
  approvals?: ApprovalBroker | undefined;
  /** The request log (pino). Without it the server logs nothing. */
  logger?: Logger | undefined;
  /** @default DEFAULT_MAX_BODY_BYTES */
  maxBodyBytes?: number | undefined;
  /** Reported by `GET /healthz`. @default the package version */
  version?: string | undefined;
}

export interface ListeningServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  /** Abort runs in progress, deny pending approvals, stop accepting connections and close open ones. */
  close(): Promise<void>;
}

export interface CodyServer {
  app: Hono<AppEnv>;
  listen(port: number, host?: string): Promise<ListeningServer>;
  /** Abort every run in progress and wait for them to settle (also done by the listening server's `close()`). */
  abortAll(why?: string): Promise<void>;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

/** The wire form of an error without its host stack (stacks name server paths; the log keeps them). */
function wireError(error: unknown): SerializedError {
  const { stack: _stack, ...rest } = serializeError(error);
  return rest;
}

/** Build the app. The harness stays the caller's: closing the server does not close it. */
export function createServer(harness: Harness, opts: ServerOptions = {}): CodyServer {
  const logger = opts.logger;
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const version = opts.version ?? packageVersion();
  const ctx: ServerContext = {
    harness,
    runs: new ActiveRuns(),
    approvals: opts.approvals,
    metrics: createServerMetrics(harness),
    logger,
  };
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    // Node's request signal aborts when the client goes away; keep it before body-limit swaps the Request object.
    c.set("clientSignal", c.req.raw.signal);
    c.set("runId", undefined);
    const started = performance.now();
    await next();
    logger?.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started), runId: c.get("runId") },
      "request",
    );
  });
  let loopbackOnly = false;
  app.use(browserGuard(() => loopbackOnly));
  app.use(
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => {
        const error = new PayloadTooLargeError(`The request body is larger than ${maxBodyBytes} bytes`, { maxBytes: maxBodyBytes });
        return c.json({ error: wireError(error) }, 413);
      },
    }),
  );

  app.get("/healthz", (c) => c.json({ ok: true, version }));
  app.get("/metrics", async (c) => c.text(await ctx.metrics.text(), 200, { "Content-Type": ctx.metrics.contentType }));
  toolRoutes(app, ctx);
  scriptRoutes(app, ctx);
  runRoutes(app, ctx);
  approvalRoutes(app, ctx);

  app.notFound((c) => {
    const error = new NotFoundError(`No route ${c.req.method} ${c.req.path}`, { kind: "route", id: `${c.req.method} ${c.req.path}` });
    return c.json({ error: wireError(error) }, 404);
  });
  app.onError((error, c) => {
    const wire = wireError(error);
    const status = statusForCode(wire.code);
    if (status >= 500) logger?.error({ err: error, path: c.req.path }, "request failed");
    return c.json({ error: wire }, status as ContentfulStatusCode);
  });

  const abortAll = async (why = "The server is shutting down"): Promise<void> => {
    ctx.approvals?.denyAll();
    harness.abortCompiles(why);
    await ctx.runs.abortAll(why);
  };

  return {
    app,
    abortAll,
    listen(port, host = "127.0.0.1") {
      loopbackOnly = isLoopback(host);
      return new Promise<ListeningServer>((resolve, reject) => {
        let closing = false;
        const server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
          server.off("error", reject);
          logger?.info({ host, port: info.port }, "listening");
          resolve({
            port: info.port,
            async close() {
              closing = true;
              await abortAll();
              // Let streams write their end events; connections still open after the grace period are cut.
              const http = server as Server;
              await new Promise<void>((done) => {
                const cut = setTimeout(() => http.closeAllConnections(), CLOSE_GRACE_MS);
                http.close(() => {
                  clearTimeout(cut);
                  done();
                });
                http.closeIdleConnections();
              });
            },
          });
        });
        server.once("error", reject);
        // A keep-alive connection whose response ends while the server is closing is not reused: end it now.
        (server as Server).on("request", (req: IncomingMessage, res: ServerResponse) => {
          res.once("finish", () => {
            if (closing) req.socket.end();
          });
        });
      });
    },
  };
}
