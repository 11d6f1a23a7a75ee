import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { nestedArrays } from "../helpers/hostile.js";
import { childrenNamed, processState } from "../helpers/processes.js";
import { tempWorkspace } from "../helpers/workspace.js";
import { request, streamRun, waitFor } from "./helpers.js";

const CODY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bin/cody.js");

interface Served {
  child: ChildProcess;
  base: string;
  log: () => string;
  exited: Promise<number | null>;
}

/** Start `cody serve --port 0` and wait for its "ready" log line (JSON, on stderr). */
async function serve(t: Parameters<typeof tempWorkspace>[0], args: string[]): Promise<Served> {
  const cwd = tempWorkspace(t);
  const child = spawn(process.execPath, [CODY, "serve", "--port", "0", "--cwd", cwd, "--workers", "1", ...args], {
    env: { ...process.env, CODY_DB: "" },
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
  }, 20_000);
  if (!url) throw new Error(`cody serve did not start:\n${stderr}`);
  t.is(stdout, "", "the server writes nothing to stdout");
  return { child, base: url, log: () => stderr, exited };
}

test("cody serve answers requests, logs them as JSON lines on stderr and stops on SIGTERM", async (t) => {
  const { child, base, log, exited } = await serve(t, []);
  const health = await request(base, "GET", "/healthz");
  t.is(health.status, 200);
  t.is(health.body["ok"], true);
  const run = await request<{ ok: boolean; value: unknown }>(base, "POST", "/v1/runs", { source: "return 40 + 2;" });
  t.is(run.body.value, 42);
  child.kill("SIGTERM");
  t.is(await exited, 0);
  const lines = log()
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { msg: string; path?: string; status?: number });
  t.true(lines.some((l) => l.msg === "request" && l.path === "/v1/runs" && l.status === 200));
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
  for (const pid of tsgo ?? []) t.is(processState(pid), undefined, `tsgo ${pid} is gone (not running, not a zombie)`);
});
