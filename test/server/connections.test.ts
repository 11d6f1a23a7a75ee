/** Slow or stalled clients: header and body timeouts, and the cap on open connections. */
import net from "node:net";
import test from "ava";
import { TEST_TOKEN, request, startServer, streamRun } from "./helpers.js";

/** Open a socket and send `text`, never finishing the request. Resolves once connected; `closed` once the server hangs up. */
async function stall(port: number, text: string): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect(port, "127.0.0.1");
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("error", () => {});
  socket.resume(); // read the server's answer (a 408), so its hang-up is seen
  await new Promise<void>((resolve) => {
    socket.once("connect", () => resolve());
    socket.once("close", () => resolve());
  });
  if (!socket.destroyed) socket.write(text);
  return { socket, closed };
}

const PARTIAL_HEADERS = "POST /v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appli";
const PARTIAL_BODY =
  "POST /v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
  `Authorization: Bearer ${TEST_TOKEN}\r\nContent-Length: 1000\r\n\r\n{"source": "ret`;

test("50 clients sending partial headers or bodies are cut off after the timeouts, and the server still answers", async (t) => {
  t.timeout(60_000);
  const { base } = await startServer(t, { server: { maxConnections: 20, headersTimeoutMs: 1000, requestTimeoutMs: 2000 } });
  const port = Number(new URL(base).port);
  const stalled = await Promise.all(Array.from({ length: 50 }, (_, i) => stall(port, i % 2 === 0 ? PARTIAL_HEADERS : PARTIAL_BODY)));
  // Every one is closed by the server (those past the cap at once, the rest when their timeout expires).
  await Promise.all(stalled.map((s) => s.closed));
  t.true(stalled.every((s) => s.socket.destroyed));
  const res = await request<{ ok: boolean; value: number }>(base, "POST", "/v1/runs", { source: "return 6 * 7;" });
  t.is(res.status, 200);
  t.is(res.body.value, 42);
});

test("connections past maxConnections are closed at once while the ones within the cap stay open", async (t) => {
  t.timeout(60_000);
  // Timeouts far longer than the test: only the cap can close anything here.
  const { base } = await startServer(t, { server: { maxConnections: 5, headersTimeoutMs: 120_000, requestTimeoutMs: 120_000 } });
  const port = Number(new URL(base).port);
  const held = [];
  for (let i = 0; i < 5; i++) held.push(await stall(port, PARTIAL_HEADERS));
  const excess = [];
  for (let i = 0; i < 5; i++) excess.push(await stall(port, PARTIAL_HEADERS));
  await Promise.all(excess.map((s) => s.closed));
  t.true(held.every((s) => !s.socket.destroyed));
  for (const s of held) s.socket.destroy();
  await Promise.all(held.map((s) => s.closed));
  const res = await request<{ value: number }>(base, "POST", "/v1/runs", { source: "return 1;" });
  t.is(res.status, 200);
});

test("the request timeout bounds receiving a request, not the answer: runs longer than it still complete, JSON and SSE", async (t) => {
  t.timeout(60_000);
  const { base } = await startServer(t, {
    harness: { policy: { allowTools: ["exec"] } },
    // Short, yet far above the few milliseconds a request takes to arrive (a loaded machine can be slow to read it).
    server: { headersTimeoutMs: 1000, requestTimeoutMs: 2000 },
  });
  const source = 'await tools.exec({ command: ["sleep", "3"] });\nreturn "done";';
  const json = await request<{ ok: boolean; value: string }>(base, "POST", "/v1/runs", { source });
  t.is(json.status, 200);
  t.is(json.body.value, "done");
  const { status, events } = await streamRun(base, { source });
  t.is(status, 200);
  t.is((events.at(-1)?.data["result"] as { value: string }).value, "done");
});
