/** `cody mcp` over stdio (desktop clients spawn it): one session on stdin/stdout, until stdin closes. */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createSessionServer, type SessionContext } from "./session.js";

export interface StdioSession {
  /** Resolves when the client closed the connection (stdin ended) or `close()` was called. */
  closed: Promise<void>;
  close(): Promise<void>;
}

export async function serveStdio(ctx: SessionContext, io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream } = process): Promise<StdioSession> {
  const server = createSessionServer(ctx);
  const transport = new StdioServerTransport(io.stdin as never, io.stdout as never);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  // The SDK's stdio transport does not notice the end of stdin by itself: that is the client going away.
  const onEnd = (): void => void server.close();
  io.stdin.once("end", onEnd);
  await server.connect(transport);
  return {
    closed: closed.finally(() => io.stdin.off("end", onEnd)),
    close: () => server.close(),
  };
}
