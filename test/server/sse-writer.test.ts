/**
 * The direct SSE writer over Node's response (src/server/sse.ts): messages are gathered for SSE_FLUSH_MS and go out
 * in one write (a short stream whole, with its end), in emit order, and a stream whose client left stops writing.
 */
import http, { ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import test from "ava";
import { Hono } from "hono";
import { streamEvents, type EventWriter } from "../../src/server/sse.js";

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Serve one stream fed by `produce`; count the writes made on its response. */
async function served(
  t: { teardown(fn: () => void): void },
  produce: (writer: EventWriter) => Promise<void>,
  onDisconnect = (): void => {},
  flushMs?: number,
) {
  const app = new Hono();
  const counts = { write: 0, end: 0 };
  app.get("/s", (c) => {
    const res = (c.env as { outgoing: ServerResponse }).outgoing;
    const { write, end } = res;
    res.write = ((...args: Parameters<typeof write>) => {
      counts.write++;
      return write.apply(res, args);
    }) as typeof write;
    res.end = ((...args: Parameters<typeof end>) => {
      counts.end++;
      return end.apply(res, args);
    }) as typeof end;
    return streamEvents(c, {}, produce, onDisconnect, flushMs);
  });
  const server = await new Promise<http.Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s as http.Server)) as http.Server;
  });
  t.teardown(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/s`, counts };
}

test("a stream that ends within the flush window goes out whole in one write, with a Content-Length, in order", async (t) => {
  // A window far longer than the test (60 s): the stream surely ends within it, however slow the box.
  const { url, counts } = await served(t, async (w) => {
    w.emit("a", { n: 1 });
    w.emit("b", { n: 2 });
    await turn();
    await turn();
    w.emit("c", { n: 3 });
    w.emit("end", { n: 4 });
    await w.flushed();
  }, undefined, 60_000);
  const res = await fetch(url);
  t.is(res.headers.get("content-type"), "text/event-stream");
  const body = 'event: a\ndata: {"n":1}\n\nevent: b\ndata: {"n":2}\n\nevent: c\ndata: {"n":3}\n\nevent: end\ndata: {"n":4}\n\n';
  t.is(res.headers.get("content-length"), String(Buffer.byteLength(body)));
  t.is(res.headers.get("transfer-encoding"), null);
  t.is(await res.text(), body);
  // Four messages over three turns of the event loop: no write before the response's end (it was one per turn).
  t.deepEqual(counts, { write: 0, end: 1 });
});

test("a stream that outlasts the flush window still streams: the client gets the first messages while the producer waits", async (t) => {
  let received = (): void => {};
  const clientGotFirst = new Promise<void>((resolve) => (received = resolve));
  const { url, counts } = await served(t, async (w) => {
    w.emit("a", { n: 1 });
    w.emit("b", { n: 2 });
    // Ends only once the client has read a and b: they must have been written without the stream's end.
    await clientGotFirst;
    w.emit("end", { n: 3 });
    await w.flushed();
  }, undefined, 1); // a window of 1 ms: a and b go out while the producer waits for the client
  const res = await fetch(url);
  t.is(res.headers.get("content-type"), "text/event-stream");
  t.is(res.headers.get("content-length"), null);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("event: b\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  t.is(text, 'event: a\ndata: {"n":1}\n\nevent: b\ndata: {"n":2}\n\n');
  received();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  t.true(text.endsWith('event: end\ndata: {"n":3}\n\n'));
  // a and b together after the window, then end with the response's end.
  t.deepEqual(counts, { write: 1, end: 1 });
});

test("a stream whose client disconnected writes nothing more and its producer still finishes", async (t) => {
  let disconnected = (): void => {};
  const gone = new Promise<void>((resolve) => (disconnected = resolve));
  let finished = false;
  const { url, counts } = await served(
    t,
    async (w) => {
      w.emit("start", {});
      await gone;
      w.emit("late", {});
      await w.flushed();
      finished = true;
    },
    () => disconnected(),
  );
  const client = new AbortController();
  const res = await fetch(url, { signal: client.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  await reader.read(); // the start event
  client.abort();
  await gone;
  await turn();
  await turn();
  t.true(finished);
  t.is(counts.write, 1);
});
