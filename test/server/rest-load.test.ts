/**
 * The REST bench's load client (bench/rest-load.ts over bench/rest-connection.ts) against a real server: its figures
 * are only worth something if it counts what the server answered, reads whole streams and notices failures.
 */
import test from "ava";
import { checkEventOrder, load } from "../../bench/rest-load.js";
import { TEST_TOKEN, startServer } from "./helpers.js";

const FILES = { "hello.txt": "hello\n" };

for (const mode of ["json", "sse"] as const) {
  test(`the load client runs the bench script in ${mode} mode over keep-alive connections, every run answered ok`, async (t) => {
    const { base, harness } = await startServer(t, { files: FILES });
    const figures = await load(base, TEST_TOKEN, 3, 400, mode);
    t.true(figures.requests > 0);
    t.is(figures.failed, 0, figures.firstFailure);
    t.is(figures.misordered, 0);
    t.true(figures.clientCpuUs > 0);
    // Every request it counted is a run the server recorded.
    t.is(harness.audit.listRuns(10_000).length, figures.requests);
  });
}

test("the load client counts refused requests as failures and says why", async (t) => {
  const { base } = await startServer(t, { files: FILES });
  const figures = await load(base, "not-the-token-0123456789", 2, 200, "json");
  t.true(figures.requests > 0);
  t.is(figures.failed, figures.requests);
  t.regex(figures.firstFailure ?? "", /^status 401: .*CODY_HTTP_UNAUTHORIZED/);
});

test("checkEventOrder accepts start … end with each tool_result after its tool_call, and names what is wrong otherwise", (t) => {
  t.is(checkEventOrder(["start", "tool_call", "console", "tool_result", "end"]), undefined);
  t.is(checkEventOrder(["tool_call", "end"]), "first event tool_call, expected start");
  t.is(checkEventOrder(["start", "tool_call"]), "last event tool_call, expected end");
  t.is(checkEventOrder(["start", "end", "end"]), "an event after end");
  t.is(checkEventOrder(["start", "tool_result", "tool_call", "end"]), "tool_result before its tool_call");
  t.is(checkEventOrder(["start", "tool_call", "end"]), "a tool_call without its tool_result");
});
