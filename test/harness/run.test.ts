import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import test from "ava";
import { CallbackApprover, type ApprovalRequest } from "../../src/approval/index.js";
import { ToolArgumentError } from "../../src/errors/index.js";
import { createHarness, type HarnessOptions } from "../../src/harness.js";
import { tempWorkspace } from "../helpers/workspace.js";

// Fixed size (no spare worker): many harnesses start at once in this file, and none of these tests is about hogs.
const POOL = { workers: 1, maxWorkers: 1, vmsPerWorker: 1 };

async function harnessFor(t: Parameters<typeof tempWorkspace>[0], files: Record<string, string>, extra: Partial<HarnessOptions> = {}) {
  const cwd = tempWorkspace(t, files);
  const harness = await createHarness({ cwd, pool: POOL, ...extra });
  t.teardown(() => harness.close());
  return { cwd, harness };
}

test("a script searches the workspace, reads the hits in parallel and returns their contents", async (t) => {
  const { harness } = await harnessFor(t, { "src/a.ts": "// TODO one\n", "src/b.ts": "ok\n// TODO two\n", "c.txt": "none\n" });
  const source = `
const hits = await tools.search({ pattern: "TODO", path: "src" });
const files = await Promise.all(hits.map((h) => tools.readFile({ path: h.path })));
console.log("read", files.length, "files");
return hits.map((h, i) => ({ path: h.path, line: h.line, lines: files[i]!.totalLines }));`;
  const result = await harness.run({ source, filename: "todo.ts" });
  t.true(result.ok, JSON.stringify(result.error));
  t.deepEqual(result.value, [
    { path: "src/a.ts", line: 1, lines: 1 },
    { path: "src/b.ts", line: 2, lines: 2 },
  ]);
  t.deepEqual(result.console.map((c) => c.text), ["read 2 files"]);
  t.deepEqual(result.toolCalls.map((c) => [c.tool, c.outcome]), [["search", "ok"], ["readFile", "ok"], ["readFile", "ok"]]);
  t.is(result.cache, "miss");
});

test("the second run of the same script is a cache hit that skips type-check and compile", async (t) => {
  const { harness } = await harnessFor(t, {});
  const source = "return 6 * 7;";
  const first = await harness.run({ source, filename: "x.ts" });
  const second = await harness.run({ source, filename: "x.ts" });
  t.is(first.cache, "miss");
  t.is(second.cache, "hit");
  t.is(second.value, 42);
  t.is(first.hash, second.hash);
  t.is(harness.metrics().cache.lru.hits, 1);
});

test("a type error is reported at the user's line and column and nothing runs or is cached", async (t) => {
  const { harness, cwd } = await harnessFor(t, {});
  const source = 'const n = 1;\nawait tools.writeFile({ path: "out.txt", content: 42 });\nreturn n;';
  const result = await harness.run({ source, filename: "bad.ts" });
  t.false(result.ok);
  t.is(result.error?.code, "CODY_SCRIPT_TYPE");
  t.deepEqual(result.error?.location, { file: "bad.ts", line: 2, column: 42 });
  t.false(existsSync(path.join(cwd, "out.txt")));
  t.is(harness.cache.list().length, 0);
});

test("an uncaught error's stack points at the original TypeScript line", async (t) => {
  const { harness } = await harnessFor(t, {});
  const source = [
    "interface Row { id: number }",
    "const rows: Row[] = [{ id: 1 }];",
    "function check(r: Row): void {",
    "  if (r.id === 1) throw new Error(`bad row ${r.id}`);",
    "}",
    "rows.forEach(check);",
    "return rows.length;",
  ].join("\n");
  const result = await harness.run({ source, filename: "rows.ts" });
  t.false(result.ok);
  t.is(result.error?.code, "CODY_SCRIPT_RUNTIME");
  t.is(result.error?.message, "Error: bad row 1");
  t.is(result.error?.details["name"], "Error");
  t.is(result.error?.details["message"], "bad row 1");
  t.is(result.error?.location?.file, "rows.ts");
  t.is(result.error?.location?.line, 4);
  t.regex(String(result.error?.details["stack"]), /rows\.ts:4:/);
  t.notRegex(String(result.error?.details["stack"]), /cody-prelude|__cody/);
});

test("a tool error is catchable in the script as ToolError with the tool's name", async (t) => {
  const { harness } = await harnessFor(t, {});
  const source = `
try {
  await tools.readFile({ path: "missing.txt" });
  return "no error";
} catch (e) {
  if (e instanceof ToolError) return { name: e.name, tool: e.tool, code: e.code };
  return "other";
}`;
  const result = await harness.run({ source, filename: "catch.ts" });
  t.true(result.ok, JSON.stringify(result.error));
  t.deepEqual(result.value, { name: "ToolError", tool: "readFile", code: "CODY_TOOL_FAILED" });
});

test("two writes needing approval run concurrently under Promise.all and are approved out of order", async (t) => {
  const asked: ApprovalRequest[] = [];
  const answers = new Map<string, () => void>();
  let bothPending: () => void = () => {};
  const bothAsked = new Promise<void>((r) => (bothPending = r));
  const approver = new CallbackApprover(
    (req) =>
      new Promise((resolve) => {
        asked.push(req);
        answers.set(String((req.args as { path: string }).path), () => resolve("approve"));
        if (asked.length === 2) bothPending();
      }),
  );
  const { harness, cwd } = await harnessFor(t, {}, { policy: { policy: "on-request" }, approver });
  const run = harness.run({
    source: `await Promise.all([
  tools.writeFile({ path: "a.txt", content: "A" }),
  tools.writeFile({ path: "b.txt", content: "B" }),
]);
return "done";`,
    filename: "two.ts",
  });
  await bothAsked;
  t.is(asked.length, 2);
  t.is(asked[0]?.scriptName, "two.ts");
  t.truthy(asked[0]?.scriptHash);
  answers.get("b.txt")?.();
  answers.get("a.txt")?.();
  const result = await run;
  t.true(result.ok, JSON.stringify(result.error));
  t.is(readFileSync(path.join(cwd, "a.txt"), "utf8"), "A");
  t.is(readFileSync(path.join(cwd, "b.txt"), "utf8"), "B");
});

test("a denied call throws ApprovalDeniedError inside the script, which can catch it and go on", async (t) => {
  const approver = new CallbackApprover(() => "deny");
  const { harness, cwd } = await harnessFor(t, {}, { policy: { policy: "on-request" }, approver });
  const result = await harness.run({
    source: `try {
  await tools.writeFile({ path: "x.txt", content: "x" });
  return "written";
} catch (e) {
  return e instanceof ApprovalDeniedError ? "denied: " + e.tool : "other";
}`,
    filename: "deny.ts",
  });
  t.true(result.ok, JSON.stringify(result.error));
  t.is(result.value, "denied: writeFile");
  t.false(existsSync(path.join(cwd, "x.txt")));
});

test("a script approved by hash runs its writes without asking under on-request", async (t) => {
  let asked = 0;
  const approver = new CallbackApprover(() => {
    asked += 1;
    return "deny";
  });
  const { harness, cwd } = await harnessFor(t, {}, { policy: { policy: "on-request" }, approver });
  const input = { source: 'await tools.writeFile({ path: "ok.txt", content: "ok" }); return 1;', filename: "approved.ts" };
  const compiled = await harness.compile(input, { approveBy: "reviewer" });
  t.is(compiled.artifact?.approvedBy, "reviewer");
  const result = await harness.run(input);
  t.true(result.ok, JSON.stringify(result.error));
  t.is(asked, 0);
  t.is(readFileSync(path.join(cwd, "ok.txt"), "utf8"), "ok");
});

test("the same bad arguments give the same validation error as a structured call and as a script call", async (t) => {
  const { harness } = await harnessFor(t, {});
  const structured = await t.throwsAsync(harness.callTool({ tool: "readFile", args: { path: 42 } }, new AbortController().signal), {
    instanceOf: ToolArgumentError,
  });
  const result = await harness.run({
    // Cast past the checker so the call reaches the host's validation.
    source: 'try { await tools.readFile({ path: 42 as unknown as string }); return null; } catch (e) { return { code: (e as ToolError).code, message: (e as Error).message }; }',
    filename: "args.ts",
  });
  t.true(result.ok, JSON.stringify(result.error));
  t.deepEqual(result.value, { code: structured?.code, message: structured?.message });
});

test("after a timeout the audit log says which side effects ran and which were cut off", async (t) => {
  const { harness, cwd } = await harnessFor(t, {}, { policy: { policy: "never", allowTools: ["writeFile", "exec"] } });
  const result = await harness.run(
    {
      source: `await tools.writeFile({ path: "before.txt", content: "1" });
await tools.exec({ command: ["sleep", "120"] });
await tools.writeFile({ path: "after.txt", content: "2" });
return "unreachable";`,
      filename: "slow.ts",
    },
    // The first writeFile (fsync included) must finish inside the limit: over 2 s was seen here under load, so 10x that.
    { limits: { timeoutMs: 20_000 } },
  );
  t.false(result.ok);
  t.is(result.error?.code, "CODY_LIMIT_TIMEOUT");
  t.true(existsSync(path.join(cwd, "before.txt")));
  t.false(existsSync(path.join(cwd, "after.txt")));
  const record = harness.audit.getRun(result.runId);
  t.truthy(record);
  t.is(record?.run.outcome, "timeout");
  t.deepEqual(
    record?.calls.map((c) => [c.tool, c.outcome]),
    [["writeFile", "ok"], ["exec", "aborted"]],
  );
});

test("a script over the size limit is refused before anything is compiled", async (t) => {
  const { harness } = await harnessFor(t, {});
  const atLimit = `return 1;${" ".repeat(20 * 1024 - 9)}`;
  t.true((await harness.run({ source: atLimit, filename: "edge.ts" })).ok);
  const result = await harness.run({ source: `${atLimit} `, filename: "big.ts" });
  t.false(result.ok);
  t.is(result.error?.code, "CODY_SCRIPT_TOO_LARGE");
  t.is(result.error?.details["limit"], 20 * 1024);
});

test("with the type-check off a syntax error is a ScriptSyntaxError at the user's line", async (t) => {
  const { harness } = await harnessFor(t, {}, { typecheck: false });
  const result = await harness.run({ source: "const a = 1;\nconst = 2;\nreturn a;", filename: "syntax.ts" });
  t.false(result.ok);
  t.is(result.error?.code, "CODY_SCRIPT_SYNTAX");
  t.is(result.error?.location?.line, 2);
});

test("the audit rows of a run reach the database file for other processes within one event-loop turn", async (t) => {
  const { harness } = await harnessFor(t, { "a.txt": "a\n" });
  const result = await harness.run({ source: 'return (await tools.readFile({ path: "a.txt" })).totalLines;', filename: "audit.ts" });
  t.true(result.ok);
  await new Promise((resolve) => setImmediate(resolve));
  const reader = new Database(harness.db.name, { readonly: true });
  t.teardown(() => reader.close());
  const run = reader.prepare("SELECT outcome FROM audit_runs WHERE run_id = ?").get(result.runId) as { outcome: string } | undefined;
  const calls = reader.prepare("SELECT tool, outcome, handler_started FROM audit_calls WHERE run_id = ?").all(result.runId);
  t.deepEqual(run, { outcome: "ok" });
  t.deepEqual(calls, [{ tool: "readFile", outcome: "ok", handler_started: 1 }]);
});

test("a run given its own controller is aborted through it, and an approval answered abort aborts that controller", async (t) => {
  const approver = new CallbackApprover(() => "abort");
  const { harness, cwd } = await harnessFor(t, {}, { policy: { policy: "on-request" }, approver });
  const spinning = new AbortController();
  const spun = await harness.run(
    { source: "console.log('spinning'); while (true) {}" },
    { controller: spinning, onEvent: (e) => e.type === "console" && spinning.abort() },
  );
  t.is(spun.error?.code, "CODY_ABORTED");
  const asked = new AbortController();
  const result = await harness.run({ source: 'await tools.writeFile({ path: "x.txt", content: "x" }); return "written";' }, { controller: asked });
  t.is(result.error?.code, "CODY_ABORTED");
  // The harness made no controller of its own: the caller's is the one aborted, with the approval's reason.
  t.true(asked.signal.aborted);
  t.regex(String((asked.signal.reason as Error).message), /approval prompt/);
  t.false(existsSync(path.join(cwd, "x.txt")));
});
