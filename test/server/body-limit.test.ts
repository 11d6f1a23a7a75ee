/**
 * The body limit holds for every route, however it reads its body: a route reading through hono's own `c.req.json()`
 * (as a validator middleware does) gets a chunked body cut off at the limit too, not only routes using readJsonObject.
 */
import test from "ava";
import { createHarness } from "../../src/harness.js";
import { createServer } from "../../src/server/index.js";
import { tempWorkspace } from "../helpers/workspace.js";
import { AUTH, POOL, TEST_TOKEN } from "./helpers.js";

test("a chunked body over the limit answers 413 on a route that reads it with hono's c.req.json(); one at the limit is read whole", async (t) => {
  const limit = 1024;
  const harness = await createHarness({ cwd: tempWorkspace(t, {}), pool: POOL });
  const server = createServer(harness, { token: TEST_TOKEN, maxBodyBytes: limit });
  server.app.post("/v1/echo-length", async (c) => c.json({ length: JSON.stringify(await c.req.json()).length }));
  const listening = await server.listen(0, "127.0.0.1");
  t.teardown(async () => {
    await listening.close();
    await harness.close();
  });
  const send = (text: string) =>
    fetch(`http://127.0.0.1:${listening.port}/v1/echo-length`, {
      method: "POST",
      headers: { "content-type": "application/json", ...AUTH },
      body: new ReadableStream({
        start(controller) {
          // Two chunks, so the limit is crossed while reading, not by one oversized write.
          const bytes = new TextEncoder().encode(text);
          controller.enqueue(bytes.subarray(0, 100));
          controller.enqueue(bytes.subarray(100));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
  const json = (pad: number): string => JSON.stringify({ pad: "x".repeat(pad) });
  const fits = json(limit - json(0).length);
  t.is(fits.length, limit);
  const ok = await send(fits);
  t.is(ok.status, 200);
  t.deepEqual(await ok.json(), { length: limit });
  const over = await send(json(limit - json(0).length + 1));
  t.is(over.status, 413);
  t.is(((await over.json()) as { error: { code: string } }).error.code, "CODY_HTTP_PAYLOAD_TOO_LARGE");
});
