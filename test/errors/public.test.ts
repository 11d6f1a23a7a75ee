import test from "ava";
import { InvalidOptionError, ScriptRuntimeError, publicError, serializeError, type SerializedError } from "../../src/errors/index.js";
import { publicRunEvent, publicRunResult, type RunResult } from "../../src/runtime/index.js";

test("publicError drops the host stack of any error, and a details.stack unless it is a script error's guest stack", (t) => {
  const host = serializeError(new InvalidOptionError("bad", { path: "x" }));
  t.truthy(host.stack, "serializeError keeps the stack for logs");
  t.deepEqual(publicError(host), { name: "InvalidOptionError", code: "CODY_INVALID_OPTION", message: "bad", details: { path: "x" } });
  const guest = serializeError(new ScriptRuntimeError("Error: boom", { name: "Error", message: "boom", stack: "    at f (script.ts:2:9)" }));
  t.is(publicError(guest).stack, undefined);
  t.is(publicError(guest).details["stack"], "    at f (script.ts:2:9)");
  const smuggled: SerializedError = { name: "X", code: "CODY_INTERNAL", message: "m", details: { stack: "at /srv/dist/src/x.js:1:1", a: 1 } };
  t.deepEqual(publicError(smuggled).details, { a: 1 });
  t.notThrows(() => publicError({ name: "X", code: "CODY_X", message: "m" } as SerializedError));
});

test("publicRunResult strips the run's error and every tool call's, and leaves the script's own value alone", (t) => {
  const withStack = (code: string): SerializedError => ({ name: "E", code, message: "m", details: {}, stack: "Error\n    at /srv/dist/src/a.js:1:1" });
  const result: RunResult = {
    runId: "r",
    ok: false,
    value: { stack: "the script's own data" },
    error: withStack("CODY_ABORTED"),
    console: [],
    consoleTruncated: false,
    toolCalls: [{ id: "c1", tool: "exec", ms: 1, ok: false, outcome: "aborted", detached: false, error: withStack("CODY_ABORTED") }],
    abortedCalls: [],
    durationMs: 1,
    hash: "h",
    cache: "miss",
  };
  const out = publicRunResult(result);
  t.is(out.error?.stack, undefined);
  t.is(out.toolCalls[0]?.error?.stack, undefined);
  t.deepEqual(out.value, { stack: "the script's own data" });
  t.truthy(result.error?.stack, "the original is not changed");
  const end = publicRunEvent({ type: "end", result });
  t.is(end.type === "end" ? end.result.error?.stack : "?", undefined);
});
