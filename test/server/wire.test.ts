/** Host stacks never leave the process: REST bodies, SSE events and the CLI's `--json` lines carry the guest's stack only. */
import test, { type ExecutionContext } from "ava";
import { runCody } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";
import { request, startServer, streamRun, waitFor } from "./helpers.js";

/** Traces of the host: its files, its dependencies, Node's internals. */
const HOST_TRACE = /dist\/src|\/src\/[a-z-]+\/[a-z-]+\.[jt]s|node_modules|node:internal|\(file:\/\//;

/** No host file in the text, and no error object (anything with a code and a message) carrying a `stack` of its own. */
function assertNoHostStack(t: ExecutionContext, value: unknown, what: string): void {
  t.notRegex(JSON.stringify(value), HOST_TRACE, what);
  const walk = (v: unknown): void => {
    if (typeof v !== "object" || v === null) return;
    const o = v as Record<string, unknown>;
    if (typeof o["code"] === "string" && typeof o["message"] === "string") t.is(o["stack"], undefined, `${what}: ${String(o["code"])}`);
    for (const child of Object.values(o)) walk(child);
  };
  walk(value);
}

const EXEC_ALLOWED = { policy: { allowTools: ["exec"] } };

test("runs refused on the host (type errors, an empty script, bad limits, bad JSON) answer without a host stack", async (t) => {
  const { base } = await startServer(t);
  const typeError = await request<{ error: { code: string; stack?: string } }>(base, "POST", "/v1/runs", { source: "const n: number = 'x';\nreturn n;" });
  t.is(typeError.status, 422);
  t.is(typeError.body.error.code, "CODY_SCRIPT_TYPE");
  t.is(typeError.body.error.stack, undefined);
  assertNoHostStack(t, typeError.body, "type error");
  const empty = await request<{ error: { code: string; stack?: string } }>(base, "POST", "/v1/runs", { source: "  " });
  t.is(empty.status, 400);
  t.is(empty.body.error.stack, undefined);
  assertNoHostStack(t, empty.body, "empty script");
  const badLimits = await request(base, "POST", "/v1/runs", { source: "return 1;", limits: { timeoutMs: "soon" } });
  t.is(badLimits.status, 400);
  assertNoHostStack(t, badLimits.body, "bad limits");
  const inherited = await request<{ error: { code: string } }>(base, "POST", "/v1/runs", { source: "return 1;", limits: { constructor: 1 } });
  t.is(inherited.status, 400);
  t.is(inherited.body.error.code, "CODY_INVALID_OPTION");
  assertNoHostStack(t, inherited.body, "inherited limit key");
  const badJson = await request(base, "POST", "/v1/runs", "{nope");
  t.is(badJson.status, 400);
  assertNoHostStack(t, badJson.body, "bad JSON");
  const compile = await request(base, "POST", "/v1/scripts/compile", { source: "return missing;" });
  t.is(compile.status, 422);
  assertNoHostStack(t, compile.body, "compile");
  const sse = await request(base, "POST", "/v1/runs", { source: "return missing;" }, { accept: "text/event-stream" });
  t.is(sse.status, 422);
  assertNoHostStack(t, sse.body, "sse type error");
});

test("a script error keeps its guest stack mapped to the user's lines, with no host stack beside it", async (t) => {
  const { base } = await startServer(t);
  const source = "function f(): never {\n  throw new Error('boom');\n}\nf();\nreturn 1;";
  const res = await request<{ ok: boolean; error: { code: string; stack?: string; details: { stack: string } } }>(base, "POST", "/v1/runs", { source, filename: "boom.ts" });
  t.is(res.status, 200);
  t.is(res.body.error.code, "CODY_SCRIPT_RUNTIME");
  t.is(res.body.error.stack, undefined);
  t.regex(res.body.error.details.stack, /boom\.ts:2/);
  assertNoHostStack(t, res.body, "runtime error");
  const { events } = await streamRun(base, { source, filename: "boom.ts" });
  const end = events.at(-1)?.data["result"] as { error: { stack?: string; details: { stack: string } } };
  t.is(end.error.stack, undefined);
  t.regex(end.error.details.stack, /boom\.ts:2/);
  assertNoHostStack(t, events, "sse runtime error");
});

test("a tool call cut off by an abort is reported without the host stack of the abort", async (t) => {
  const { base } = await startServer(t, { harness: EXEC_ALLOWED });
  const stream = streamRun(base, { source: 'await tools.exec({ command: ["sleep", "30"] });\nreturn 1;', runId: "cut" }, async (event) => {
    if (event.event === "tool_call") await request(base, "DELETE", "/v1/runs/cut");
  });
  const { events } = await stream;
  const result = events.at(-1)?.data["result"] as { error: { code: string }; toolCalls: { outcome: string; error?: { code: string; stack?: string } }[] };
  t.is(result.error.code, "CODY_ABORTED");
  t.is(result.toolCalls[0]?.outcome, "aborted");
  t.is(result.toolCalls[0]?.error?.code, "CODY_ABORTED");
  t.is(result.toolCalls[0]?.error?.stack, undefined);
  assertNoHostStack(t, events, "aborted call");
  const json = request<{ toolCalls: unknown[] }>(base, "POST", "/v1/runs", { source: 'await tools.exec({ command: ["sleep", "30"] });\nreturn 1;', runId: "cut2" });
  await waitFor(async () => ((await request<{ calls: unknown[] }>(base, "GET", "/v1/runs/cut2")).body.calls?.length ? true : undefined));
  await request(base, "DELETE", "/v1/runs/cut2");
  assertNoHostStack(t, (await json).body, "aborted call, JSON");
});

test("cody script run --json prints events without host stacks, and keeps a script error's mapped stack", async (t) => {
  const cwd = tempWorkspace(t, { "bad.ts": "const n: number = 'x';\nreturn n;", "boom.ts": "function f(): never {\n  throw new Error('boom');\n}\nf();\nreturn 1;" });
  const env = { ...process.env, CODY_DB: "" };
  const bad = await runCody(["script", "run", "--json", "bad.ts"], { cwd, env });
  const badEnd = bad.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; result?: { error: { code: string; stack?: string } } }).at(-1);
  t.is(badEnd?.type, "end");
  t.is(badEnd?.result?.error.code, "CODY_SCRIPT_TYPE");
  t.is(badEnd?.result?.error.stack, undefined);
  t.notRegex(bad.stdout, HOST_TRACE);
  const boom = await runCody(["script", "run", "--json", "boom.ts"], { cwd, env });
  const boomEnd = boom.stdout.trim().split("\n").map((l) => JSON.parse(l) as { result?: { error: { stack?: string; details: { stack: string } } } }).at(-1);
  t.is(boomEnd?.result?.error.stack, undefined);
  t.regex(boomEnd?.result?.error.details.stack ?? "", /boom\.ts:2/);
  t.notRegex(boom.stdout, HOST_TRACE);
});
