import test from "ava";
import { ToolDispatcher } from "../../src/dispatch/index.js";
import { ToolArgumentError, ToolNotFoundError, serializeError, ToolError } from "../../src/errors/index.js";
import { parseStructuredArguments, type ToolDefinition } from "../../src/tools/index.js";
import { explode, invocation, readFile, registry, tempWorkspace, writeNote } from "./helpers.js";

function setup() {
  const ws = tempWorkspace();
  const dispatcher = new ToolDispatcher({
    registry: registry(readFile, writeNote, explode),
    workspaceRoot: ws.root,
    policy: { policy: "never", allowTools: ["writeNote"] },
  });
  const run = dispatcher.forRun({ runId: "r1", scriptHash: "h1", scriptApproved: false });
  return { ws, dispatcher, run };
}

/** Both paths, the same bad call: return the two rejections. */
async function bothPaths(tool: string, args: unknown) {
  const { ws, dispatcher, run } = setup();
  try {
    const fromScript = await run(invocation("c1", tool, args)).then(
      () => undefined,
      (e: unknown) => e,
    );
    const structured = await dispatcher.callStructured({ runId: "r2", callId: "c1", tool, args }, new AbortController().signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { fromScript, structured };
  } finally {
    ws.cleanup();
  }
}

test("a wrong argument type names the tool, the path, the expected type and the value received", async (t) => {
  const { fromScript } = await bothPaths("readFile", { path: 42 });
  t.true(fromScript instanceof ToolArgumentError);
  const e = fromScript as ToolArgumentError;
  t.is(e.message, "readFile: /path must be string, got 42 (number)");
  t.deepEqual(e.details, { tool: "readFile", errors: [{ path: "/path", message: "must be string, got 42 (number)" }] });
});

test("the same invalid call gives the identical error from a script and as a structured call", async (t) => {
  for (const [tool, args] of [
    ["readFile", { path: 42 }],
    ["readFile", {}],
    ["readFile", { path: "a", offset: 0, extra: true }],
    ["writeNote", "just a string"],
    ["nope", {}],
  ] as const) {
    const { fromScript, structured } = await bothPaths(tool, args);
    t.truthy(fromScript, `${tool} should fail`);
    const a = serializeError(fromScript);
    const b = serializeError(structured);
    delete a.stack;
    delete b.stack;
    t.deepEqual(a, b, `${tool} ${JSON.stringify(args)}`);
  }
});

test("every problem is reported at once: missing, unknown and out-of-range fields", async (t) => {
  const { fromScript } = await bothPaths("readFile", { offset: 0, extra: true });
  const e = fromScript as ToolArgumentError;
  t.true(e instanceof ToolArgumentError);
  const errors = e.details["errors"] as { path: string; message: string }[];
  t.deepEqual(
    errors.map((x) => x.path).sort(),
    ["/extra", "/offset", "/path"],
  );
  t.regex(e.message, /\/path is required/);
  t.regex(e.message, /\/extra is not allowed \(unknown property\)/);
  t.regex(e.message, /\/offset must be >= 1, got 0 \(number\)/);
});

test("arguments that are not an object are described as the whole arguments", async (t) => {
  const { fromScript } = await bothPaths("writeNote", "just a string");
  t.is((fromScript as Error).message, 'writeNote: arguments must be object, got "just a string" (string)');
});

test("an unknown tool is a ToolNotFoundError", async (t) => {
  const { fromScript, structured } = await bothPaths("nope", {});
  t.true(fromScript instanceof ToolNotFoundError);
  t.true(structured instanceof ToolNotFoundError);
  t.is((fromScript as ToolNotFoundError).details["tool"], "nope");
});

test("missing arguments are checked as an empty object", async (t) => {
  const { fromScript } = await bothPaths("explode", undefined);
  // validation passed, so the handler ran and failed
  t.true(fromScript instanceof ToolError);
  const missing = await bothPaths("readFile", undefined);
  t.is((missing.fromScript as Error).message, "readFile: /path is required");
});

test("a schema is compiled once per tool object and reused", async (t) => {
  const ws = tempWorkspace();
  let reads = 0;
  const schema = { type: "object", properties: { n: { type: "integer" } }, required: ["n"] };
  const counted: ToolDefinition = {
    name: "counted",
    description: "Counts schema reads.",
    risk: "read-only",
    // Reading `argsSchema` is what compiling does; a getter counts it.
    get argsSchema() {
      reads++;
      return schema;
    },
    resultSchema: {},
    async handler(args) {
      return args;
    },
  };
  try {
    const d = new ToolDispatcher({ registry: registry(counted), workspaceRoot: ws.root, policy: { policy: "never" } });
    const run = d.forRun({ runId: "r", scriptHash: "h", scriptApproved: false });
    for (let i = 0; i < 5; i++) t.deepEqual(await run(invocation(`c${i}`, "counted", { n: i })), { n: i });
    await t.throwsAsync(run(invocation("bad", "counted", { n: "x" })), { instanceOf: ToolArgumentError });
    t.is(reads, 1);
  } finally {
    ws.cleanup();
  }
});

test("a tool with a broken schema fails with a ToolError naming the tool, not a crash", async (t) => {
  const ws = tempWorkspace();
  const broken: ToolDefinition = {
    name: "broken",
    description: "Bad schema.",
    risk: "read-only",
    argsSchema: { type: "strng" },
    resultSchema: {},
    async handler() {
      return 1;
    },
  };
  try {
    const d = new ToolDispatcher({ registry: registry(broken), workspaceRoot: ws.root, policy: { policy: "never" } });
    const e = await t.throwsAsync(d.callStructured({ runId: "r", callId: "c", tool: "broken", args: {} }, new AbortController().signal));
    t.true(e instanceof ToolError);
    t.regex(e?.message ?? "", /broken.*invalid argsSchema/);
  } finally {
    ws.cleanup();
  }
});

test("draft 2020-12 and draft-04 schemas from MCP servers are accepted", async (t) => {
  const ws = tempWorkspace();
  const make = (name: string, $schema: string): ToolDefinition => ({
    name,
    description: "x",
    risk: "read-only",
    argsSchema: { $schema, type: "object", properties: { q: { type: "string", format: "made-up" } }, required: ["q"] },
    resultSchema: {},
    async handler(args) {
      return args;
    },
  });
  try {
    const d = new ToolDispatcher({
      registry: registry(make("m2020", "https://json-schema.org/draft/2020-12/schema"), make("m04", "http://json-schema.org/draft-04/schema#")),
      workspaceRoot: ws.root,
      policy: { policy: "never" },
    });
    const signal = new AbortController().signal;
    t.deepEqual(await d.callStructured({ runId: "r", callId: "a", tool: "m2020", args: { q: "x" } }, signal), { q: "x" });
    t.deepEqual(await d.callStructured({ runId: "r", callId: "b", tool: "m04", args: { q: "x" } }, signal), { q: "x" });
    await t.throwsAsync(d.callStructured({ runId: "r", callId: "c", tool: "m2020", args: { q: 1 } }, signal), {
      message: "m2020: /q must be string, got 1 (number)",
    });
  } finally {
    ws.cleanup();
  }
});

test("a model's arguments text is parsed, and bad JSON is a ToolArgumentError", (t) => {
  t.deepEqual(parseStructuredArguments("readFile", '{"path":"a"}'), { path: "a" });
  t.deepEqual(parseStructuredArguments("readFile", "  "), {});
  const e = t.throws(() => parseStructuredArguments("readFile", "{path:"), { instanceOf: ToolArgumentError });
  t.regex(e?.message ?? "", /^readFile: arguments are not valid JSON/);
});
