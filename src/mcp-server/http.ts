/**
 * `cody mcp --http`: MCP's Streamable HTTP transport at `/mcp`, one session (one McpServer) per client, behind the
 * REST server's guards — the bearer token (server/auth.ts) and the Host/Origin checks against DNS rebinding
 * (server/guard.ts). Sessions are kept until the client deletes them or the server closes.
 */
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { publicError, serializeError } from "../errors/index.js";
import { bearerAuth, hostGuard, statusForCode, type AppEnv } from "../server/index.js";
import { createSessionServer, type SessionContext } from "./session.js";

/** The path the MCP endpoint is served at. */
export const MCP_PATH = "/mcp";

export interface McpHttpOptions {
  /** The bearer token every request must carry (see server/token.ts for where the CLI gets it). */
  token: string;
  /** Host names answered besides the loopback names. */
  allowedHosts?: readonly string[] | undefined;
}

export interface ListeningMcpServer {
  port: number;
  /** Open sessions right now. */
  sessions(): number;
  /** Close every session (aborting their runs) and the listener. */
  close(): Promise<void>;
}

interface Session {
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
}

/** JSON-RPC error bodies as the SDK's transport writes them (the client reads `error.message`). */
function rpcError(message: string, code = -32000): { jsonrpc: "2.0"; error: { code: number; message: string }; id: null } {
  return { jsonrpc: "2.0", error: { code, message }, id: null };
}

export function listenMcpHttp(ctx: SessionContext, opts: McpHttpOptions, port: number, host: string): Promise<ListeningMcpServer> {
  const sessions = new Map<string, Session>();
  let boundTo: string | undefined;
  const app = new Hono<AppEnv>();
  app.use(hostGuard(() => boundTo, { allowedHosts: opts.allowedHosts ?? [], corsOrigins: [] }));
  app.use(bearerAuth(opts.token));
  app.all(MCP_PATH, async (c) => {
    const id = c.req.header("mcp-session-id");
    if (id !== undefined) {
      const session = sessions.get(id);
      if (!session) return c.json(rpcError(`No MCP session \`${id.slice(0, 100)}\` (closed, or from an earlier server)`, -32001), 404);
      return session.transport.handleRequest(c.req.raw);
    }
    // No session yet: only an `initialize` POST may start one (the transport answers anything else with 400).
    const session: Session = {
      server: createSessionServer(ctx),
      transport: new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => void sessions.set(sid, session),
        onsessionclosed: (sid) => void sessions.delete(sid),
      }),
    };
    session.transport.onclose = () => {
      if (session.transport.sessionId !== undefined) sessions.delete(session.transport.sessionId);
    };
    await session.server.connect(session.transport);
    const response = await session.transport.handleRequest(c.req.raw);
    if (session.transport.sessionId === undefined) await session.server.close();
    return response;
  });
  app.notFound((c) => c.json(rpcError(`No route ${c.req.method} ${c.req.path} (the MCP endpoint is ${MCP_PATH})`), 404));
  app.onError((error, c) => {
    const wire = publicError(serializeError(error));
    return c.json({ error: wire }, statusForCode(wire.code) as ContentfulStatusCode);
  });

  return new Promise((resolve, reject) => {
    boundTo = host;
    const http = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
      http.off("error", reject);
      resolve({
        port: info.port,
        sessions: () => sessions.size,
        async close() {
          await Promise.all([...sessions.values()].map((s) => s.server.close().catch(() => undefined)));
          sessions.clear();
          const server = http as Server;
          await new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          });
        },
      });
    });
    http.once("error", reject);
  });
}
