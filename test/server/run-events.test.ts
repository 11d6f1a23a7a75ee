/** `GET /v1/runs/:id/events` on one server (SQLite store): a second client joins a run in progress. */
import { randomUUID } from "node:crypto";
import test from "ava";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { AUTH, request, startServer, streamRun, waitFor, type SseEvent } from "./helpers.js";

async function watchEvents(base: string, runId: string, onEvent: (e: SseEvent) => void = () => {}): Promise<{ status: number; events: SseEvent[] }> {
  const res = await fetch(`${base}/v1/runs/${runId}/events`, { headers: { accept: "text/event-stream", connection: "close", ...AUTH } });
  const events: SseEvent[] = [];
  if (!res.body || res.status !== 200) return { status: res.status, events };
  const parsed: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (m) => parsed.push(m) });
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    for (const m of parsed.splice(0)) {
      const event = { event: m.event ?? "message", data: JSON.parse(m.data) as Record<string, unknown> };
      events.push(event);
      onEvent(event);
    }
  }
  return { status: res.status, events };
}

test("a client joining a run in progress gets the events sent so far, then the rest through end, like the run's own stream", async (t) => {
  const { base, broker } = await startServer(t, { approvals: true });
  const runId = randomUUID();
  const own = streamRun(base, { source: 'await tools.writeFile({ path: "x.txt", content: "x" });\nconsole.log("done");\nreturn 3;', runId });
  const asked = await waitFor(() => broker?.list(runId)[0]);
  let replayed = (): void => {};
  const caughtUp = new Promise<void>((resolve) => (replayed = resolve));
  const joined = watchEvents(base, runId, (e) => e.event === "approval_request" && replayed());
  // The joined stream has replayed the start and the request before the answer lets the run go on.
  await caughtUp;
  await request(base, "POST", `/v1/approvals/${asked?.id ?? ""}`, { decision: "approve" });
  const [mine, theirs] = await Promise.all([own, joined]);
  t.is(theirs.status, 200);
  t.deepEqual(theirs.events.map((e) => e.event), mine.events.map((e) => e.event));
  t.deepEqual(theirs.events.at(-1)?.data, mine.events.at(-1)?.data);
  t.like(mine.events.at(-1)?.data["result"], { ok: true, value: 3 });
});

test("GET /v1/runs/:id/events answers 404 for a run that is not in progress", async (t) => {
  const { base } = await startServer(t);
  const res = await fetch(`${base}/v1/runs/${randomUUID()}/events`, { headers: { accept: "text/event-stream", connection: "close", ...AUTH } });
  t.is(res.status, 404);
});
