/**
 * `POST /v1/runs` served straight from Node's request and response, in front of the hono app. Why: hono's request
 * and context objects, its middleware chain (a promise per layer) and its Response, read back by @hono/node-server,
 * cost a REST run ≈ 10–15 % of the server's own per-run CPU (profiled over a stub harness) for a request whose
 * answer they do not change.
 *
 * It answers only the usual request, after the same checks in the same order — Host (guard.ts), the bearer token
 * (auth.ts), `Content-Type: application/json`, a declared Content-Length within the body limit, a body that is a JSON
 * object the run schema accepts as is (schemas/runs.ts `acceptsRunBody`) and `parseRunRequest` takes — and then runs
 * it with the route's own code (routes/runs.ts `createRunStarter`), so the reply, its headers and the log line are
 * the route's. Anything else is handed to hono untouched: other routes and methods, a query string, an `Origin`
 * (CORS), a chunked body, and every request that one of those checks would refuse — so each refusal is hono's own
 * answer. A body already read is handed over with it (incoming.ts `readAhead`). Servers with CORS origins do not
 * use this path at all (their responses carry CORS headers hono's middleware adds).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Harness } from "../harness.js";
import { parseJsonObject } from "./body.js";
import type { RunLogFields } from "./context.js";
import type { hostChecker } from "./guard.js";
import { onResponseGone, readAhead } from "./incoming.js";
import { parseRunRequest, type RunRequest } from "./run-request.js";
import type { RunReply, RunStarter } from "./routes/runs.js";
import { acceptsRunBody } from "./schemas/runs.js";
import { streamDirect } from "./sse.js";

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** A JSON answer: what hono's `c.json(body, status, headers)` sends. */
export interface JsonReply {
  kind: "json";
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export interface FastRunOptions {
  maxBodyBytes: number;
  checkHost: ReturnType<typeof hostChecker>;
  acceptsToken: (authorization: string | undefined) => boolean;
  harness: Harness;
  starter: RunStarter;
  logger: Logger | undefined;
  /** The answer the app's error handler gives `error` (and its log line for a 5xx). */
  errorReply: (error: unknown, path: string) => JsonReply;
}

const PATH = "/v1/runs";

/** Write a JSON answer as @hono/node-server writes `c.json`'s: one head with its length, one end. */
function writeJson(res: ServerResponse, reply: JsonReply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { "Content-Type": "application/json", ...reply.headers, "Content-Length": String(Buffer.byteLength(text)) });
  res.end(text);
}

/** The server's request listener: the fast path for the usual `POST /v1/runs`, `fallback` (hono's) for the rest. */
export function fastRunListener(o: FastRunOptions, fallback: Listener): Listener {
  async function serve(req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
    let request: RunRequest;
    let artifact;
    try {
      // A body hono would refuse (not UTF-8, not JSON, not an object) throws here and falls through below.
      const body = parseJsonObject(await readAhead(req, o.maxBodyBytes));
      if (!acceptsRunBody(body)) return fallback(req, res);
      request = parseRunRequest(body, o.harness);
      artifact = o.starter.artifactFor(request);
    } catch {
      // Nothing was started: hono reads the same body (or its error) and answers as it always does.
      return fallback(req, res);
    }
    let runId: string | undefined;
    let runLog: RunLogFields | undefined;
    let reply: RunReply;
    try {
      reply = await o.starter.start(request, artifact, {
        accept: req.headers.accept,
        onClientGone: (onGone) => onResponseGone(res, onGone),
        setRunId: (id) => (runId = id),
        setRunLog: (fields) => (runLog = fields),
      });
    } catch (error) {
      // Refused by ActiveRuns (a run id in use, shutdown): answered as the app's error handler answers.
      reply = o.errorReply(error, PATH);
    }
    if (reply.kind === "json") writeJson(res, reply);
    else streamDirect(res, reply.headers, reply.produce, reply.onDisconnect);
    const status = reply.kind === "json" ? reply.status : 200;
    o.logger?.info({ method: "POST", path: PATH, status, ms: Math.round(performance.now() - started), runId, ...runLog }, "request");
  }

  return (req, res) => {
    const h = req.headers;
    const length = h["content-length"];
    if (
      req.method !== "POST" ||
      req.url !== PATH ||
      h.origin !== undefined ||
      length === undefined ||
      h["transfer-encoding"] !== undefined ||
      o.checkHost(h.host, undefined) !== undefined ||
      !o.acceptsToken(h.authorization) ||
      h["content-type"] !== "application/json" ||
      !(Number.parseInt(length, 10) <= o.maxBodyBytes)
    ) {
      fallback(req, res);
      return;
    }
    serve(req, res, performance.now()).catch((error: unknown) => {
      // A bug here, not a refusal: answer 500 like the app would if nothing was sent yet.
      if (!res.headersSent) writeJson(res, o.errorReply(error, PATH));
      else res.destroy();
    });
  };
}
