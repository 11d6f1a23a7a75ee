/**
 * Validation against schemas a server controls runs on the host thread; a hostile server (or a script feeding a
 * hostile server's input schema) must not be able to stall it. Each case here hangs or takes minutes with a stock
 * ajv (V8's backtracking `pattern`, quadratic `uniqueItems`); the test would then hit ava's timeout.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { ToolArgumentError, ToolError } from "../../src/errors/index.js";
import { McpManager, validateToolArgs, type ToolDefinition } from "../../src/tools/index.js";
import { SCHEMA_MAX_BYTES } from "../../src/tools/schema-safety.js";
import { EVIL_PATTERN, EVIL_TEXT, UNIQUE_COUNT } from "./fixtures/hostile-values.js";
import { TEST_START_TIMEOUT_MS, context, tempDir } from "./helpers.js";

function setup(t: Parameters<typeof tempDir>[0]) {
  const cwd = tempDir(t);
  const here = path.dirname(fileURLToPath(import.meta.url));
  const m = new McpManager({
    servers: { hostile: { command: process.execPath, args: [path.join(here, "fixtures", "hostile-server.js")] } },
    cwd,
    startTimeoutMs: TEST_START_TIMEOUT_MS,
  });
  t.teardown(() => m.close());
  return { m, cwd };
}

async function definitions(m: McpManager): Promise<Map<string, ToolDefinition>> {
  return new Map((await m.listToolDefinitions()).map((d) => [d.name, d]));
}

test("a catastrophic `pattern` in a server's output schema is checked in linear time and the result refused", async (t) => {
  const { m, cwd } = setup(t);
  const defs = await definitions(m);
  const error = await t.throwsAsync(defs.get("mcp.hostile.evil-pattern")!.handler({}, context(cwd)), { instanceOf: ToolError });
  t.regex(error?.message ?? "", /output schema.*\/s must match pattern/s);
  // The server and its other tools are unaffected.
  t.deepEqual(await defs.get("mcp.hostile.plain")!.handler({}, context(cwd)), { ok: true });
});

test("the same pattern in a server's input schema rejects a hostile script argument at once", async (t) => {
  const { m } = setup(t);
  const spec = (await definitions(m)).get("mcp.hostile.evil-pattern")!;
  const error = t.throws(() => validateToolArgs(spec, { s: EVIL_TEXT }), { instanceOf: ToolArgumentError });
  t.regex(error?.message ?? "", new RegExp(`/s must match pattern "${EVIL_PATTERN.replace(/[()^$+]/g, "\\$&")}"`));
  t.deepEqual(validateToolArgs(spec, { s: "aaaa" }), { s: "aaaa" });
});

test("uniqueItems over tens of thousands of objects is checked in one pass", async (t) => {
  const { m, cwd } = setup(t);
  const defs = await definitions(m);
  const result = (await defs.get("mcp.hostile.many-unique")!.handler({}, context(cwd))) as { items: unknown[] };
  t.is(result.items.length, UNIQUE_COUNT);
  const spec = { ...defs.get("mcp.hostile.many-unique")!, argsSchema: { type: "array", uniqueItems: true } };
  const items = Array.from({ length: UNIQUE_COUNT }, (_, i) => ({ i, tags: ["x"] }));
  t.is(validateToolArgs(spec, items), items);
  // Equal in the JSON Schema sense (key order does not matter) is still a duplicate.
  t.throws(() => validateToolArgs(spec, [...items, { tags: ["x"], i: 5 }]), { instanceOf: ToolArgumentError, message: /duplicate|uniqueItems/ });
  t.notThrows(() => validateToolArgs(spec, [1, "1", [1], { a: 1 }, { a: "1" }, null]));
});

test("a lookahead RE2 cannot run fails that tool's calls with the construct named, not the server's tool list", async (t) => {
  const { m, cwd } = setup(t);
  const defs = await definitions(m);
  t.true(defs.has("mcp.hostile.lookahead"));
  const error = await t.throwsAsync(defs.get("mcp.hostile.lookahead")!.handler({}, context(cwd)), { instanceOf: ToolError });
  t.regex(error?.message ?? "", /a lookahead \(`\(\?=`\) is not supported/);
});

test("an output schema over the size cap is refused with the cap named", async (t) => {
  const { m, cwd } = setup(t);
  const defs = await definitions(m);
  const error = await t.throwsAsync(defs.get("mcp.hostile.huge-schema")!.handler({}, context(cwd)), { instanceOf: ToolError });
  t.regex(error?.message ?? "", new RegExp(`over the ${SCHEMA_MAX_BYTES}-byte cap`));
});
