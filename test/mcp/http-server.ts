/**
 * A real remote MCP server for tests, in this process: the SDK's McpServer over StreamableHTTPServerTransport (one
 * session per client) on node:http at 127.0.0.1, or over the older HTTP+SSE transport (`sseOnly`). It can require a
 * bearer token, drop every connection mid-call, reset the next connections, stop and listen again on the same port,
 * and add a tool at run time (which sends notifications/tools/list_changed).
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

export interface HttpMcpServerOptions {
  /** Require `Authorization: Bearer <token>`; anything else gets 401. */
  token?: string;
  /** Speak only the old HTTP+SSE transport (GET /mcp opens the stream; POST /mcp answers 405). */
  sseOnly?: boolean;
  /**
   * Serve exactly these tools (JSON Schemas as given, through the SDK's low-level Server) instead of the built-in
   * echo/big/drop set. A call answers `called:<name>`, with `{ id: "1" }` as structuredContent when the tool has an
   * outputSchema.
   */
  tools?: Tool[];
}

export interface HttpMcpServer {
  url: string;
  /** Authorization headers of every request received (undefined when absent). */
  authorizations: (string | undefined)[];
  /** Sessions initialized so far (one per connect). */
  sessions: number;
  /** Add a tool `name` (returns "added:<name>") to every session; connected clients get tools/list_changed. */
  addTool(name: string): void;
  /** Remove a tool added with addTool (or a built-in one) from every session. */
  removeTool(name: string): void;
  /** Forget every session, as a restarted server would (requests with an old session id then get 404). */
  forgetSessions(): void;
  /** Reset the next `n` TCP connections as soon as they are accepted. */
  resetConnections(n: number): void;
  /** Stop listening and destroy every connection (the server "goes away"). */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

interface Session {
  server: McpServer | Server;
  tools: Map<string, { remove(): void }>;
}

export async function startHttpMcpServer(options: HttpMcpServerOptions = {}): Promise<HttpMcpServer> {
  const authorizations: (string | undefined)[] = [];
  const streamable = new Map<string, StreamableHTTPServerTransport>();
  const sse = new Map<string, SSEServerTransport>();
  const sessions = new Set<Session>();
  const extraTools: string[] = [];
  const removed = new Set<string>();
  const sockets = new Set<Socket>();
  let resets = 0;
  let sessionCount = 0;

  const dropAll = (): void => {
    for (const socket of sockets) socket.destroy();
  };

  const newSession = (): Session => {
    if (options.tools) return fixedSession(options.tools, sessions);
    const server = new McpServer({ name: "remote-test", version: "1.0.0" }, { capabilities: { tools: { listChanged: true }, resources: {} } });
    const tools = new Map<string, { remove(): void }>();
    const add = (name: string, register: () => { remove(): void }): void => {
      if (!removed.has(name)) tools.set(name, register());
    };
    add("echo", () =>
      server.registerTool(
        "echo",
        { description: "Echoes text.", inputSchema: { text: z.string() }, annotations: { readOnlyHint: true } },
        async ({ text }) => ({ content: [{ type: "text", text: `echo:${text}` }] }),
      ),
    );
    add("big", () =>
      server.registerTool(
        "big",
        { description: "Returns `chars` characters of text.", inputSchema: { chars: z.number().int() } },
        async ({ chars }) => ({ content: [{ type: "text", text: "x".repeat(chars) }] }),
      ),
    );
    add("drop", () =>
      server.registerTool("drop", { description: "Drops every connection before answering." }, async () => {
        dropAll();
        return new Promise(() => {}); // never answers
      }),
    );
    server.registerResource("readme", "file:///readme.md", { mimeType: "text/markdown" }, async (uri) => ({
      contents: [{ uri: uri.href, mimeType: "text/markdown", text: "# Remote readme" }],
    }));
    for (const name of extraTools) add(name, () => registerExtra(server, name));
    const session = { server, tools };
    sessions.add(session);
    return session;
  };

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    authorizations.push(req.headers.authorization);
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": "Bearer" }).end('{"error":"unauthorized"}');
      return;
    }
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (options.sseOnly) {
      if (req.method === "GET" && url.pathname === "/mcp") {
        const transport = new SSEServerTransport("/messages", res);
        sse.set(transport.sessionId, transport);
        sessionCount++;
        await newSession().server.connect(transport);
        return;
      }
      const transport = sse.get(url.searchParams.get("sessionId") ?? "");
      if (req.method === "POST" && url.pathname === "/messages" && transport) {
        await transport.handlePostMessage(req, res);
        return;
      }
      res.writeHead(405).end();
      return;
    }
    if (url.pathname !== "/mcp") {
      res.writeHead(404).end();
      return;
    }
    const id = req.headers["mcp-session-id"];
    const existing = typeof id === "string" ? streamable.get(id) : undefined;
    if (existing) {
      await existing.handleRequest(req, res);
      return;
    }
    if (req.method !== "POST" || id !== undefined) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
      return;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => {
        streamable.set(sessionId, transport);
        sessionCount++;
      },
    });
    const session = newSession();
    transport.onclose = () => {
      if (transport.sessionId) streamable.delete(transport.sessionId);
      sessions.delete(session);
    };
    await session.server.connect(transport);
    await transport.handleRequest(req, res);
  };

  const server = http.createServer((req, res) => {
    handler(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on("connection", (socket: Socket) => {
    if (resets > 0) {
      resets--;
      // A TCP reset: the client sees ECONNRESET (Node 20's fetch never settles when a fresh socket is closed cleanly).
      socket.resetAndDestroy();
      return;
    }
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    dropAll();
    await closed;
    for (const s of sessions) await s.server.close().catch(() => {});
    sessions.clear();
    streamable.clear();
    sse.clear();
  };

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    authorizations,
    get sessions() {
      return sessionCount;
    },
    addTool(name) {
      extraTools.push(name);
      removed.delete(name);
      for (const s of sessions) if (s.server instanceof McpServer) s.tools.set(name, registerExtra(s.server, name));
    },
    removeTool(name) {
      removed.add(name);
      for (const s of sessions) {
        s.tools.get(name)?.remove();
        s.tools.delete(name);
      }
    },
    forgetSessions() {
      streamable.clear();
    },
    resetConnections(n) {
      resets = n;
    },
    stop,
    restart: () => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve)),
    close: async () => {
      if (server.listening) await stop();
    },
  };
}

function fixedSession(tools: Tool[], sessions: Set<Session>): Session {
  const server = new Server({ name: "fixture", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const tool = tools.find((t) => t.name === request.params.name);
    return {
      content: [{ type: "text" as const, text: `called:${request.params.name}` }],
      ...(tool?.outputSchema ? { structuredContent: { id: "1" } } : {}),
    };
  });
  const session = { server, tools: new Map<string, { remove(): void }>() };
  sessions.add(session);
  return session;
}

function registerExtra(server: McpServer, name: string): { remove(): void } {
  return server.registerTool(name, { description: `Added at run time (${name}).`, inputSchema: { n: z.number() } }, async () => ({
    content: [{ type: "text", text: `added:${name}` }],
  }));
}
