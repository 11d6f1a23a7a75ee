/**
 * The real `cody mcp` (spawned from bin/cody.js) and the MCP SDK's own client, over stdio and Streamable HTTP: what a
 * desktop client or an IDE does, with nothing hand-rolled on either side of the wire.
 */
import { spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, type ElicitRequest, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import type { ExecutionContext } from "ava";
import { CODY_BIN } from "../helpers/cli.js";
import { TEST_TOKEN, waitFor } from "../server/helpers.js";

export { TEST_TOKEN, waitFor };

/** Answer elicitation requests (declaring the capability); without it the client cannot be asked. */
export type Elicit = (request: ElicitRequest["params"]) => ElicitResult | Promise<ElicitResult>;

/** The environment `cody mcp` runs in: no database or token inherited from the machine running the tests. */
function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return { ...env, CODY_DB: "", CODY_SERVER_TOKEN: "", ...extra };
}

function newClient(elicit?: Elicit): Client {
  const client = new Client({ name: "cody-test", version: "1.0.0" }, elicit ? { capabilities: { elicitation: { form: {} } } } : {});
  if (elicit) client.setRequestHandler(ElicitRequestSchema, async (request) => elicit(request.params));
  return client;
}

export interface StdioServer {
  client: Client;
  /** What `cody mcp` wrote to stderr so far (its JSON log lines). */
  stderr(): string;
  /** The server's pid. */
  pid: number | undefined;
  /** Close the client (stdin ends) and resolve once the server process exited. */
  close(): Promise<void>;
}

/** Spawn `cody mcp --cwd <cwd> …args` over stdio and connect the SDK's client to it. */
export async function connectStdio(t: ExecutionContext, cwd: string, args: string[] = [], elicit?: Elicit): Promise<StdioServer> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CODY_BIN, "mcp", "--cwd", cwd, "--workers", "1", ...args],
    env: testEnv(),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const client = newClient(elicit);
  await client.connect(transport);
  const pid = transport.pid ?? undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await client.close();
  };
  t.teardown(close);
  return { client, stderr: () => stderr, pid, close };
}

export interface HttpServer {
  url: URL;
  /** Resolves with the exit code once the server stopped (after SIGTERM). */
  stop(): Promise<number | null>;
  stderr(): string;
}

/** Spawn `cody mcp --http --port 0 --cwd <cwd> …args` with the test token and wait for its ready line. */
export async function startHttp(t: ExecutionContext, cwd: string, args: string[] = []): Promise<HttpServer> {
  const child = spawn(process.execPath, [CODY_BIN, "mcp", "--http", "--port", "0", "--cwd", cwd, "--workers", "1", ...args], {
    env: testEnv({ CODY_SERVER_TOKEN: TEST_TOKEN }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  // A loaded machine can take many seconds to start a server.
  const url = await waitFor(() => {
    const ready = stderr.split("\n").find((l) => l.includes('"cody mcp ready"'));
    return ready ? String((JSON.parse(ready) as { url: string }).url) : undefined;
  }, 60_000);
  if (url === undefined) throw new Error(`cody mcp --http did not start:\n${stderr}`);
  return {
    url: new URL(url),
    stderr: () => stderr,
    stop: () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

/** Connect the SDK's client to a `cody mcp --http` server with the test token. */
export async function connectHttp(t: ExecutionContext, url: URL, elicit?: Elicit): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${TEST_TOKEN}` } } });
  const client = newClient(elicit);
  await client.connect(transport);
  t.teardown(() => client.close());
  return client;
}

/** The text of a tool result's first content block. */
export function textOf(result: object): string {
  const first = ((result as { content?: unknown }).content as { type: string; text?: string }[] | undefined)?.[0];
  return first?.type === "text" ? (first.text ?? "") : "";
}
