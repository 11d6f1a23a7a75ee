// Serial: each test spawns a `cody mcp` (worker pool, compiler process); nine at once on a loaded 2-core machine came
// close to ava's 60 s inactivity timeout.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { LoggingMessageNotificationSchema, type ElicitRequest } from "@modelcontextprotocol/sdk/types.js";
import test from "ava";
import { AuditLog } from "../../src/audit/index.js";
import { openDatabase } from "../../src/store/index.js";
import { waitForPidFile, waitUntilGone } from "../helpers/processes.js";
import { tempWorkspace } from "../helpers/workspace.js";
import { connectStdio, textOf, waitFor } from "./helpers.js";

interface RunContent {
  ok: boolean;
  value?: unknown;
  console: string[];
  calls: string;
  error?: { code: string; message: string; file?: string; line?: number; column?: number };
  runId: string;
  hash: string;
}

test.serial("tools/list offers run_script with the generated .d.ts in its description, check_script and describe_tools", async (t) => {
  const { client } = await connectStdio(t, tempWorkspace(t));
  const { tools } = await client.listTools();
  t.deepEqual(tools.map((x) => x.name).sort(), ["check_script", "describe_tools", "run_script"]);
  const run = tools.find((x) => x.name === "run_script");
  t.truthy(run?.description?.includes("declare const tools: {"));
  t.truthy(run?.description?.includes("readFile(args: ReadFileArgs): Promise<ReadFileResult>;"));
  t.truthy(run?.description?.includes("Only the globals `tools` and `console` exist"), "the script rules are in the description");
  t.deepEqual(run?.inputSchema.required, ["source"]);
  t.is(run?.outputSchema?.type, "object");
  t.truthy(run?.outputSchema?.properties?.["value"]);
});

test.serial("run_script reads a file: the value, console lines and a call summary come back structured and as text, console lines also as log messages", async (t) => {
  const cwd = tempWorkspace(t, { "notes.txt": "first line\nsecond line\n" });
  const { client } = await connectStdio(t, cwd);
  const logged: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logged.push(String(n.params.data)));
  const result = await client.callTool({
    name: "run_script",
    arguments: {
      source: 'const f = await tools.readFile({ path: "notes.txt" });\nconsole.log("lines", f.totalLines);\nreturn f.content.split("\\n")[1];',
    },
  });
  t.falsy(result.isError);
  const content = result.structuredContent as unknown as RunContent;
  t.true(content.ok);
  t.is(content.value, "second line");
  t.deepEqual(content.console, ["lines 2"]);
  t.regex(content.calls, /^1 call: readFile ok \d+ ms$/);
  t.regex(content.hash, /^[0-9a-f]{64}$/);
  t.regex(textOf(result), /result \(string\):\nsecond line/);
  t.deepEqual(logged, ["lines 2"]);
});

test.serial("a console line reaches the client as progress while the script is still running", async (t) => {
  const progress: string[] = [];
  let sawProgress = (): void => undefined;
  const seen = new Promise<void>((resolve) => (sawProgress = resolve));
  // The script waits on an approval that is given only once the progress arrived: no timing involved.
  const { client } = await connectStdio(t, tempWorkspace(t), [], async () => {
    await seen;
    return { action: "accept", content: { decision: "approve" } };
  });
  const result = await client.callTool(
    { name: "run_script", arguments: { source: 'console.log("before the write");\nawait tools.writeFile({ path: "o.txt", content: "x" });\nreturn 1;' } },
    undefined,
    {
      onprogress: (p) => {
        progress.push(p.message ?? "");
        sawProgress();
      },
    },
  );
  t.falsy(result.isError, textOf(result));
  t.deepEqual(progress, ["before the write"]);
});

test.serial("a type error comes back as a tool error naming line and column, and check_script reports the same diagnostic", async (t) => {
  const { client } = await connectStdio(t, tempWorkspace(t));
  const source = 'const n: number = 1;\nconst s: string = n;\nreturn s;';
  const result = await client.callTool({ name: "run_script", arguments: { source } });
  t.true(result.isError);
  const content = result.structuredContent as unknown as RunContent;
  t.false(content.ok);
  t.is(content.error?.code, "CODY_SCRIPT_TYPE");
  t.is(content.error?.line, 2);
  t.is(content.error?.column, 7);
  t.true(textOf(result).startsWith("script.ts:2:7: CODY_SCRIPT_TYPE:"), textOf(result));
  t.true(textOf(result).includes("TS2322"));

  const checked = await client.callTool({ name: "check_script", arguments: { source } });
  t.true(checked.isError);
  t.regex(textOf(checked), /script\.ts:2:7 error TS2322/);
  const clean = await client.callTool({ name: "check_script", arguments: { source: "return 1;" } });
  t.falsy(clean.isError);
  t.deepEqual(clean.structuredContent, { ok: true, diagnostics: [] });
});

test.serial("a write under the default policy (a client without elicitation: never) is denied, and the script can catch it", async (t) => {
  const cwd = tempWorkspace(t);
  const { client } = await connectStdio(t, cwd);
  const result = await client.callTool({
    name: "run_script",
    arguments: {
      source:
        'try {\n  await tools.writeFile({ path: "out.txt", content: "x" });\n  return "written";\n} catch (e) {\n' +
        "  if (e instanceof ApprovalDeniedError) return { code: e.code, message: e.message };\n  throw e;\n}",
    },
  });
  t.falsy(result.isError);
  const value = (result.structuredContent as unknown as RunContent).value as { code: string; message: string };
  t.is(value.code, "CODY_APPROVAL_DENIED");
  t.regex(value.message, /approval policy is `never`.*--allow writeFile/);
  t.regex((result.structuredContent as unknown as RunContent).calls, /writeFile denied/);
  t.false(existsSync(path.join(cwd, "out.txt")));
});

test.serial("--allow writeFile lets a client without elicitation write", async (t) => {
  const cwd = tempWorkspace(t);
  const { client } = await connectStdio(t, cwd, ["--allow", "writeFile"]);
  const result = await client.callTool({ name: "run_script", arguments: { source: 'await tools.writeFile({ path: "out.txt", content: "x" });\nreturn 1;' } });
  t.falsy(result.isError, textOf(result));
  t.is(readFileSync(path.join(cwd, "out.txt"), "utf8"), "x");
});

test.serial("a client that declared elicitation is asked (script hash, tool, arguments) and its approval lets the write run; a decline denies", async (t) => {
  const cwd = tempWorkspace(t);
  const asked: ElicitRequest["params"][] = [];
  let answer: "accept" | "decline" = "accept";
  const { client } = await connectStdio(t, cwd, [], (params) => {
    asked.push(params);
    return answer === "accept" ? { action: "accept", content: { decision: "approve" } } : { action: "decline" };
  });
  const source = 'await tools.writeFile({ path: "out.txt", content: "hello", createDirs: true });\nreturn "done";';
  const result = await client.callTool({ name: "run_script", arguments: { source } });
  t.falsy(result.isError, textOf(result));
  const content = result.structuredContent as unknown as RunContent;
  t.is(content.value, "done");
  t.is(readFileSync(path.join(cwd, "out.txt"), "utf8"), "hello");
  t.is(asked.length, 1);
  const message = asked[0]?.message ?? "";
  t.true(message.includes(`hash ${content.hash.slice(0, 12)}`), message);
  t.regex(message, /writeFile/);
  t.regex(message, /"path":"out\.txt"/);
  t.deepEqual(Object.keys((asked[0] as { requestedSchema: { properties: object } }).requestedSchema.properties), ["decision"]);

  answer = "decline";
  const denied = await client.callTool({ name: "run_script", arguments: { source: source.replace("hello", "again") } });
  t.true(denied.isError);
  // Not caught by the script: it fails at the call's line, saying why.
  const error = (denied.structuredContent as unknown as RunContent).error;
  t.regex(error?.message ?? "", /^ApprovalDeniedError: writeFile was not approved: denied by the user/);
  t.is(error?.line, 1);
  t.is(readFileSync(path.join(cwd, "out.txt"), "utf8"), "hello");
});

test.serial("client cancellation aborts a long exec: the process dies and the audit records the run as aborted", async (t) => {
  const cwd = tempWorkspace(t);
  const server = await connectStdio(t, cwd, ["--allow", "exec", "--timeout", "600000", "--sandbox", "danger-full-access"]);
  const controller = new AbortController();
  const call = server.client.callTool(
    { name: "run_script", arguments: { source: 'await tools.exec({ command: ["sh", "-c", "echo $$ > sleeper.pid; exec sleep 300"] });\nreturn 1;' } },
    undefined,
    { signal: controller.signal, timeout: 600_000 },
  );
  const pid = await waitForPidFile(path.join(cwd, "sleeper.pid"));
  controller.abort(new Error("the user pressed stop"));
  await t.throwsAsync(call);
  t.true(await waitUntilGone(pid), "the command's process was killed");
  // Closing the client ends the server, which flushes its audit writes.
  await server.close();
  const db = openDatabase(path.join(cwd, ".cody", "cache.db"));
  t.teardown(() => db.close());
  const audit = new AuditLog(db);
  const run = await waitFor(() => audit.listRuns(1).find((r) => r.outcome !== null));
  t.is(run?.outcome, "aborted");
  t.is(run?.errorCode, "CODY_ABORTED");
});

test.serial("describe_tools returns one tool's declaration with the types it uses; without names an index; unknown names are a tool error", async (t) => {
  const { client } = await connectStdio(t, tempWorkspace(t));
  const one = await client.callTool({ name: "describe_tools", arguments: { tools: ["readFile"] } });
  t.falsy(one.isError);
  const text = textOf(one);
  t.true(text.includes("tools.readFile(args: ReadFileArgs): Promise<ReadFileResult>;"), text);
  t.true(text.includes("interface ReadFileArgs {"));
  t.true(text.includes("interface ReadFileResult {"));
  t.false(text.includes("interface WriteFileArgs"));
  const index = await client.callTool({ name: "describe_tools", arguments: {} });
  t.regex(textOf(index), /^- exec: /m);
  t.regex(textOf(index), /^- readFile: /m);
  const unknown = await client.callTool({ name: "describe_tools", arguments: { tools: ["readFiel"] } });
  t.true(unknown.isError);
  t.regex(textOf(unknown), /No tool named readFiel/);
});

test.serial("timeoutMs may lower the server's run time limit to its edge, not raise it past", async (t) => {
  const { client } = await connectStdio(t, tempWorkspace(t), ["--timeout", "3000"]);
  const atEdge = await client.callTool({ name: "run_script", arguments: { source: "return 1;", timeoutMs: 3000 } });
  t.falsy(atEdge.isError, textOf(atEdge));
  const past = await client.callTool({ name: "run_script", arguments: { source: "return 1;", timeoutMs: 3001 } });
  t.true(past.isError);
  t.regex(textOf(past), /timeoutMs 3001 is above this server's limit of 3000 ms/);
  const lowered = await client.callTool({ name: "run_script", arguments: { source: "for (;;) {}", timeoutMs: 100 } });
  t.true(lowered.isError);
  t.is((lowered.structuredContent as unknown as RunContent).error?.code, "CODY_LIMIT_TIMEOUT");
});

test.serial("logging/setLevel filters the console lines sent as log messages, not the result's console", async (t) => {
  const { client } = await connectStdio(t, tempWorkspace(t));
  const logged: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logged.push(`${n.params.level} ${String(n.params.data)}`));
  await client.setLoggingLevel("warning");
  const result = await client.callTool({ name: "run_script", arguments: { source: 'console.log("a");\nconsole.warn("b");\nconsole.error("c");\nreturn 1;' } });
  t.deepEqual(logged, ["warning b", "error c"]);
  t.deepEqual((result.structuredContent as unknown as RunContent).console, ["a", "[warn] b", "[error] c"]);
});
