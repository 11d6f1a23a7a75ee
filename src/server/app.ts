/**
 * The REST server over one Harness: a hono app plus `listen()` on Node's HTTP server. Routes live in routes/, one
 * module per resource; this file joins them with the cross-cutting parts (request log, body limit, error mapping).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Scalar } from "@scalar/hono-api-reference";
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import { resolveProviderConfig } from "../agent/index.js";
import { InvalidOptionError, publicError, serializeError, type SerializedError } from "../errors/index.js";
import type { Harness } from "../harness.js";
import { ActiveRuns } from "./active-runs.js";
import { Fleet } from "./fleet.js";
import type { ApprovalBroker } from "./approvals.js";
import { bearerAuth, bearerChecker } from "./auth.js";
import type { AppEnv, ServerContext } from "./context.js";
import { buildDocument, registerContract } from "./contract.js";
import { ConversationTurns, type ProviderResolver } from "./conversations.js";
import { NotFoundError } from "./errors.js";
import { fastRunListener, type JsonReply } from "./fast-run.js";
import { guardWith, hostChecker, jsonOnly, normalizeOrigin } from "./guard.js";
import { healthBody } from "./health.js";
import { bodyLimit, nodeOf } from "./incoming.js";
import { createServerMetrics } from "./metrics.js";
import { approvalRoutes } from "./routes/approvals.js";
import { conversationRoutes } from "./routes/conversations.js";
import { createRunStarter, runRoutes } from "./routes/runs.js";
import { scriptRoutes } from "./routes/scripts.js";
import { toolRoutes } from "./routes/tools.js";
import { retryHeaders } from "./retry.js";
import { statusForCode } from "./status.js";
import { checkToken } from "./token.js";

/** Request bodies larger than this are refused with 413. @default 1048576 (1 MB) */
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** How long `close()` lets open responses finish (after aborting runs) before cutting their connections. */
const CLOSE_GRACE_MS = 2000;

/** A client has this long to send its request headers. @default 10000 */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** A client has this long to send its whole request (headers and body; not the response). @default 30000 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Open connections beyond this are closed as soon as they are accepted. @default 1024 */
export const DEFAULT_MAX_CONNECTIONS = 1024;

export interface ServerOptions {
  /** Answers approval requests over HTTP; create the harness with `approvals.approver`. Without it none are listed. */
  approvals?: ApprovalBroker | undefined;
  /** The request log (pino). Without it the server logs nothing. */
  logger?: Logger | undefined;
  /** @default DEFAULT_MAX_BODY_BYTES */
  maxBodyBytes?: number | undefined;
  /**
   * The bearer token every route but `/healthz` requires (at least 16 printable ASCII characters). When omitted a
   * random one is made; read it from `CodyServer.token`.
   */
  token?: string | undefined;
  /** Host names answered besides the loopback names (checked while bound to loopback, or whenever given). */
  allowedHosts?: readonly string[] | undefined;
  /** Origins browsers may call from; CORS headers and preflights are answered for these only. @default none */
  corsOrigins?: readonly string[] | undefined;
  /** @default DEFAULT_HEADERS_TIMEOUT_MS */
  headersTimeoutMs?: number | undefined;
  /** @default DEFAULT_REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number | undefined;
  /** @default DEFAULT_MAX_CONNECTIONS */
  maxConnections?: number | undefined;
  /** Reported by `GET /healthz`. @default the package version */
  version?: string | undefined;
  /**
   * The model provider of conversations, given a request's overrides (model, api, baseUrl).
   * @default `resolveProviderConfig(overrides, process.env)`
   */
  provider?: ProviderResolver | undefined;
}

export interface ListeningServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  /** Abort runs in progress, deny pending approvals, stop accepting connections and close open ones. */
  close(): Promise<void>;
}

export interface CodyServer {
  app: Hono<AppEnv>;
  /** The bearer token requests must carry (the one given in the options, or the random one made). */
  token: string;
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
  return publicError(serializeError(error));
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(`\`${name}\` must be a positive integer, got \`${String(value)}\``, { path: name, value: String(value) });
  }
  return value;
}

/** Build the app. The harness stays the caller's: closing the server does not close it. */
export function createServer(harness: Harness, opts: ServerOptions = {}): CodyServer {
  const logger = opts.logger;
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const version = opts.version ?? packageVersion();
  const token = opts.token === undefined ? randomBytes(32).toString("base64url") : checkToken(opts.token, "ServerOptions.token");
  const headersTimeout = positiveInt(opts.headersTimeoutMs, DEFAULT_HEADERS_TIMEOUT_MS, "headersTimeoutMs");
  // Node refuses a headers timeout longer than the request timeout; the whole request includes its headers.
  const requestTimeout = Math.max(headersTimeout, positiveInt(opts.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, "requestTimeoutMs"));
  const maxConnections = positiveInt(opts.maxConnections, DEFAULT_MAX_CONNECTIONS, "maxConnections");
  const corsOrigins = (opts.corsOrigins ?? []).map(normalizeOrigin);
  const ctx: ServerContext = {
    harness,
    runs: new ActiveRuns(),
    approvals: opts.approvals,
    metrics: createServerMetrics(harness),
    logger,
    conversations: new ConversationTurns(harness, opts.provider ?? ((overrides) => resolveProviderConfig(overrides, process.env))),
  };
  const app = new Hono<AppEnv>();
  // Storage faults with no request to fail (a deferred audit flush) still reach the log.
  harness.storeHealth.listen((error) => logger?.error({ err: error }, "storage fault"));

  app.use(async (c, next) => {
    // Without Node the Request's signal is the client's; keep it before body-limit swaps the Request object. (Over
    // Node the signal is made only when a route asks: incoming.ts clientSignal.)
    if (nodeOf(c) === undefined) c.set("clientSignal", c.req.raw.signal);
    c.set("runId", undefined);
    const started = performance.now();
    await next();
    logger?.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started), runId: c.get("runId"), ...c.get("runLog") },
      "request",
    );
  });
  let boundTo: string | undefined;
  const checkHost = hostChecker(() => boundTo, { allowedHosts: opts.allowedHosts ?? [], corsOrigins });
  app.use(guardWith(checkHost));
  if (corsOrigins.length > 0) {
    // Only origins that passed the guard get here; preflights are answered before authentication (browsers send no
    // credentials on them).
    app.use(
      cors({
        origin: (origin) => (corsOrigins.includes(normalizeOrigin(origin)) ? origin : null),
        allowMethods: ["GET", "POST", "DELETE"],
        allowHeaders: ["Authorization", "Content-Type", "Accept"],
        exposeHeaders: ["X-Cody-Run-Id", "Retry-After", "WWW-Authenticate"],
        maxAge: 600,
      }),
    );
  }
  app.use(bearerAuth(token));
  app.use(jsonOnly());
  app.use(bodyLimit(maxBodyBytes));
  app.use(async (c, next) => {
    c.set("maxBodyBytes", maxBodyBytes);
    return next();
  });

  // Descriptions and request validation first: each route's handler runs after them (src/server/contract.ts).
  registerContract(app);
  // Built on first request (every route is registered by then) and kept: the routes do not change.
  let document: Promise<Record<string, unknown>> | undefined;
  app.get("/openapi.json", async (c) => c.json(await (document ??= buildDocument(app, version))));
  app.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "Cody script harness API" }));
  app.get("/healthz", (c) => c.json(healthBody(harness, version)));
  app.get("/metrics", async (c) => c.text(await ctx.metrics.text(), 200, { "Content-Type": ctx.metrics.contentType }));
  toolRoutes(app, ctx);
  scriptRoutes(app, ctx);
  const runStarter = createRunStarter(ctx);
  runRoutes(app, ctx, runStarter);
  approvalRoutes(app, ctx);
  conversationRoutes(app, ctx);

  app.notFound((c) => {
    const error = new NotFoundError(`No route ${c.req.method} ${c.req.path}`, { kind: "route", id: `${c.req.method} ${c.req.path}` });
    return c.json({ error: wireError(error) }, 404);
  });
  const errorReply = (error: unknown, path: string): JsonReply => {
    const wire = wireError(error);
    const status = statusForCode(wire.code);
    if (status >= 500) logger?.error({ err: error, path }, "request failed");
    return { kind: "json", status, body: { error: wire }, headers: retryHeaders(status) };
  };
  app.onError((error, c) => {
    const reply = errorReply(error, c.req.path);
    return c.json(reply.body, reply.status as ContentfulStatusCode, reply.headers);
  });
  // The usual `POST /v1/runs` skips hono (fast-run.ts); with CORS origins every response needs hono's CORS headers.
  const fastRun =
    corsOrigins.length === 0
      ? (fallback: RequestListener): RequestListener =>
          fastRunListener({ maxBodyBytes, checkHost, acceptsToken: bearerChecker(token), harness, starter: runStarter, logger, errorReply }, fallback)
      : (fallback: RequestListener): RequestListener => fallback;

  const abortAll = async (why = "The server is shutting down"): Promise<void> => {
    ctx.approvals?.denyAll();
    harness.abortCompiles(why);
    await Promise.all([ctx.runs.abortAll(why), ctx.conversations.abortAll(why)]);
  };

  return {
    app,
    token,
    abortAll,
    async listen(port, host = "127.0.0.1") {
      boundTo = host;
      // On a PostgreSQL store this instance joins the fleet before it answers: follow-ups of runs on other instances.
      const pg = harness.stores.pg;
      if (pg !== undefined && ctx.fleet === undefined) {
        ctx.fleet = await Fleet.start(pg, {
          harness,
          runs: ctx.runs,
          approvals: ctx.approvals,
          onError: (error) => logger?.error({ err: error }, "fleet"),
        });
      }
      return new Promise<ListeningServer>((resolve, reject) => {
        let closing = false;
        const serverOptions = {
          headersTimeout,
          requestTimeout,
          // Node checks the two timeouts above on this interval (30 s by default, which would let them run long).
          connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
        };
        const createServer = ((options: Parameters<typeof createHttpServer>[0], listener: RequestListener) =>
          createHttpServer(options, fastRun(listener))) as typeof createHttpServer;
        const server = serve({ fetch: app.fetch, port, hostname: host, serverOptions, createServer }, (info: AddressInfo) => {
          server.off("error", reject);
          logger?.info({ host, port: info.port }, "listening");
          resolve({
            port: info.port,
            async close() {
              closing = true;
              await abortAll();
              await ctx.fleet?.close();
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
        // Past the cap Node closes each new connection at once, so stalled clients cannot exhaust sockets and memory.
        (server as Server).maxConnections = maxConnections;
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
