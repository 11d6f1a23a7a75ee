import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { nestedArrays } from "../helpers/hostile.js";
import { childrenNamed, processState } from "../helpers/processes.js";
import { tempWorkspace } from "../helpers/workspace.js";
import { TEST_TOKEN, request, streamRun, waitFor } from "./helpers.js";
import { createClient } from "../../src/client/index.js";
import { chatFrames, closed, startModelServer } from "../agent/helpers/model-server.js";

const CODY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bin/cody.js");

interface Served {
  child: ChildProcess;
  base: string;
  log: () => string;
  exited: Promise<number | null>;
}

/** Start `cody serve --port 0` (with the test token, unless `env` says otherwise) and wait for its "ready" log line (JSON, on stderr). */
async function serve(t: Parameters<typeof tempWorkspace>[0], args: string[], env: NodeJS.ProcessEnv = { CODY_SERVER_TOKEN: TEST_TOKEN }, cwd = tempWorkspace(t)): Promise<Served> {
  const child = spawn(process.execPath, [CODY, "serve", "--port", "0", "--cwd", cwd, "--workers", "1", ...args], {
    env: { ...process.env, CODY_DB: "", CODY_SERVER_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const url = await waitFor(() => {
    const ready = stderr.split("\n").find((l) => l.includes('"cody serve ready"'));
    return ready ? String((JSON.parse(ready) as { url: string }).url) : undefined;
  }, 60_000); // a loaded machine can take many seconds to start a server
  if (!url) throw new Error(`cody serve did not start:\n${stderr}`);
  t.is(stdout, "", "the server writes nothing to stdout");
  return { child, base: url, log: () => stderr, exited };
}

test("cody serve answers requests, logs them as JSON lines on stderr and stops on SIGTERM", async (t) => {
  const { child, base, log, exited } = await serve(t, []);
  const health = await request(base, "GET", "/healthz");
  t.is(health.status, 200);
  t.is(health.body["ok"], true);
  const run = await request<{ ok: boolean; value: unknown }>(base, "POST", "/v1/runs", { source: "return 40 + 2;", runId: "json-run" });
  t.is(run.body.value, 42);
  const streamed = await streamRun(base, { source: "return 1;", runId: "sse-run" });
  t.is(streamed.events.at(-1)?.event, "end");
  child.kill("SIGTERM");
  t.is(await exited, 0);
  type Line = { msg: string; path?: string; status?: number; runId?: string; ok?: boolean; runMs?: number; cache?: string };
  const lines = log()
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Line);
  // A JSON run is one line, the request's, carrying the run's outcome; a stream's run ends with a line of its own.
  const jsonRun = lines.filter((l) => l.runId === "json-run");
  t.is(jsonRun.length, 1);
  t.like(jsonRun[0], { msg: "request", path: "/v1/runs", status: 200, ok: true, cache: "miss" });
  t.is(typeof jsonRun[0]?.runMs, "number");
  t.deepEqual(lines.filter((l) => l.runId === "sse-run").map((l) => l.msg).sort(), ["request", "run finished"]);
  // Written asynchronously, yet nothing is lost at exit: the last line is the last logged.
  t.is(lines.at(-1)?.msg, "stopped");
});

test("cody serve --approval on-request parks requests for HTTP answers, and SIGTERM ends a waiting run", async (t) => {
  const { child, base, exited } = await serve(t, ["--approval", "on-request"]);
  let sawRequest = false;
  const stream = streamRun(base, { source: 'await tools.writeFile({ path: "x.txt", content: "x" });\nreturn 1;' }, (event) => {
    if (event.event === "approval_request") {
      sawRequest = true;
      child.kill("SIGTERM");
    }
  });
  const { events } = await stream;
  t.true(sawRequest);
  const end = events.at(-1);
  t.is(end?.event, "end");
  t.false((end?.data["result"] as { ok: boolean }).ok);
  t.is(await exited, 0);
});

test("cody serve refuses a bad --port as a usage error", async (t) => {
  const child = spawn(process.execPath, [CODY, "serve", "--port", "70000"], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  t.is(code, 2);
  t.regex(stderr, /--port must be an integer from 0 to 65535, got `70000`/);
});

test("without a token given, cody serve creates .cody/server.token (0600), logs its path but never the token, and reuses it", async (t) => {
  t.timeout(180_000); // two servers, one after the other
  const cwd = tempWorkspace(t);
  const first = await serve(t, [], {}, cwd);
  const file = path.join(cwd, ".cody", "server.token");
  const token = readFileSync(file, "utf8").trim();
  t.true(token.length >= 40);
  t.is(statSync(file).mode & 0o777, 0o600);
  t.true(first.log().includes(file), "the log names the token file");
  t.false(first.log().includes(token), "the log never shows the token");
  t.is((await request(first.base, "GET", "/v1/tools", undefined, { authorization: "" })).status, 401);
  t.is((await request(first.base, "GET", "/v1/tools", undefined, { authorization: `Bearer ${token}` })).status, 200);
  t.is((await request(first.base, "GET", "/healthz", undefined, { authorization: "" })).status, 200);
  first.child.kill("SIGTERM");
  t.is(await first.exited, 0);
  const second = await serve(t, [], {}, cwd);
  t.is(readFileSync(file, "utf8").trim(), token, "a restart keeps the token");
  t.is((await request(second.base, "GET", "/v1/tools", undefined, { authorization: `Bearer ${token}` })).status, 200);
  second.child.kill("SIGTERM");
  t.is(await second.exited, 0);
});

test("--token-file beats CODY_SERVER_TOKEN, which beats the state folder's file", async (t) => {
  const cwd = tempWorkspace(t, { "secret.txt": "file-token-0123456789abcdef\n" });
  const served = await serve(t, ["--token-file", "secret.txt"], { CODY_SERVER_TOKEN: TEST_TOKEN }, cwd);
  t.is((await request(served.base, "GET", "/v1/tools", undefined, { authorization: "Bearer file-token-0123456789abcdef" })).status, 200);
  t.is((await request(served.base, "GET", "/v1/tools")).status, 401);
  t.false(existsSync(path.join(cwd, ".cody", "server.token")));
  served.child.kill("SIGTERM");
  await served.exited;
});

async function refused(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CODY, "serve", "--port", "0", ...args], {
    env: { ...process.env, CODY_SERVER_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, stderr };
}

test("binding a non-loopback --host without CODY_SERVER_TOKEN or --token-file is refused with one line and exit 2", async (t) => {
  const cwd = tempWorkspace(t);
  for (const host of ["0.0.0.0", "::", "127.0.0.1.nip.io"]) {
    const { code, stderr } = await refused(["--host", host, "--cwd", cwd]);
    t.is(code, 2, host);
    t.is(stderr.trim().split("\n").length, 1, stderr);
    t.regex(stderr, /reachable from other machines: give the server a token with CODY_SERVER_TOKEN or --token-file/);
  }
  t.false(existsSync(path.join(cwd, ".cody", "server.token")), "nothing was created");
  const short = await refused(["--cwd", cwd], { CODY_SERVER_TOKEN: "short" });
  t.is(short.code, 2);
  t.regex(short.stderr, /CODY_SERVER_TOKEN is 5 characters; use at least 16/);
});

test("a non-loopback --host with a token given starts, and answers only with that token", async (t) => {
  const served = await serve(t, ["--host", "0.0.0.0"]);
  const base = served.base.replace("0.0.0.0", "127.0.0.1");
  t.is((await request(base, "GET", "/v1/tools")).status, 200);
  t.is((await request(base, "GET", "/v1/tools", undefined, { authorization: "" })).status, 401);
  served.child.kill("SIGTERM");
  t.is(await served.exited, 0);
});

test("cody serve --help explains where the token comes from and the non-loopback rule", async (t) => {
  const child = spawn(process.execPath, [CODY, "serve", "--help"], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  t.is(await new Promise<number | null>((resolve) => child.on("close", resolve)), 0);
  t.regex(stdout, /Authorization: Bearer <token>/);
  t.regex(stdout, /\.cody\/server\.token/);
  t.regex(stdout, /non-loopback --host needs --token-file or CODY_SERVER_TOKEN/);
  for (const flag of ["--token-file", "--allowed-host", "--cors-origin", "--headers-timeout", "--request-timeout", "--max-connections"]) t.true(stdout.includes(flag), flag);
});

test("cody serve on a port in use prints one line saying so and exits 2", async (t) => {
  const { createServer } = await import("node:net");
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const cwd = tempWorkspace(t);
  const child = spawn(process.execPath, [CODY, "serve", "--port", String(port), "--cwd", cwd, "--workers", "1"], {
    env: { ...process.env, CODY_DB: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  t.is(code, 2);
  t.is(stderr, `cody: UsageError: port ${port} is in use (try --port 0)\n`);
});

test("SIGTERM stops cody serve while a hostile type-check runs, and no tsgo process survives it", async (t) => {
  // A deadline far past the grace period, so it is the shutdown that must end the check.
  const { child, base, exited } = await serve(t, ["--check-timeout", "120000"]);
  const check = request(base, "POST", "/v1/scripts/check", { files: [{ filename: "deep.ts", source: nestedArrays(250) }] }).catch(
    (error: unknown) => error,
  );
  // The checker's child (TypeScript 7's binary is named `tsc`) starts with the first check: then the check is running.
  const tsgo = await waitFor(() => {
    const pids = childrenNamed(child.pid!, "tsc");
    return pids.length > 0 ? pids : undefined;
  }, 20_000);
  t.truthy(tsgo, "the checker child started");
  const stopAt = Date.now();
  child.kill("SIGTERM");
  t.is(await exited, 0);
  t.log(`exited ${Date.now() - stopAt} ms after SIGTERM`);
  await check;
  // Gone, or a zombie: it has exited, and once the server is gone its entry waits for PID 1 to reap it (a container's
  // PID 1 may never do so). What must not happen is a running checker outliving the server.
  for (const pid of tsgo ?? []) {
    const state = processState(pid);
    t.true(state === undefined || state === "Z", `tsgo ${pid} is still running (state ${state ?? "gone"})`);
  }
});

test("cody serve --base-url/--model/--api give conversations their provider, and SIGTERM ends a running turn with an error event", async (t) => {
  let stalled: Promise<void> | undefined;
  const model = await startModelServer([
    async (res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      // The role chunk and the first piece of text, then nothing: the turn is busy until the server stops.
      for (const frame of chatFrames({ text: "thinking" }).slice(0, 2)) res.write(frame);
      stalled = closed(res);
      await stalled;
    },
  ]);
  t.teardown(() => model.close());
  const { child, base, exited } = await serve(t, ["--base-url", model.url, "--model", "served-model", "--api", "chat"], {
    CODY_SERVER_TOKEN: TEST_TOKEN,
    OPENAI_API_KEY: "",
    CODY_API_KEY: "",
  });
  const cody = createClient({ baseUrl: base, token: TEST_TOKEN, headers: { connection: "close" } });
  const created = await cody.POST("/v1/conversations", { body: {} });
  t.is(created.response.status, 201);
  t.like(created.data?.settings, { model: "served-model", api: "chat", baseUrl: model.url });
  const types: string[] = [];
  for await (const e of cody.turn(created.data?.id ?? "", { message: "hello" })) {
    types.push(e.type);
    if (e.type === "assistant_text") child.kill("SIGTERM");
  }
  t.is(types.at(-1), "error", "the turn's stream ends with an error event when the server stops");
  t.true(model.requests[0]?.url.endsWith("/chat/completions"));
  t.is((model.requests[0]?.body as { model: string }).model, "served-model");
  t.is(await exited, 0);
});
