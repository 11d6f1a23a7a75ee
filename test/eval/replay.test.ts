/**
 * Real-model mode (`--base-url`, `--model`, `--api`, `--repeat`, `--record`) against a local endpoint that replays
 * recorded model replies by mode and turn: the runner shapes each request to its mode (script: no native tools;
 * structured: native tools and a prompt without the script format), passes the model's stream through to the real
 * `cody exec`, and reports pass rates per mode.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { chatFrames, responsesFrames, writeFrames, type ScriptedReply } from "../agent/helpers/model-server.js";
import { tempWorkspace } from "../helpers/workspace.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const EVAL = path.resolve(here, "../../eval/index.js");
// Fixtures stay in the source tree (the build copies only .ts).
const RECORDED = path.resolve(here, "../../../test/eval/fixtures/recorded-error-recovery.json");

interface Recorded {
  structured: { text: string; calls: { callId: string; name: string; arguments: string }[] }[];
  script: Recorded["structured"];
}

interface Seen {
  api: "responses" | "chat";
  mode: "structured" | "script";
  turn: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  auth: string | undefined;
}

/** A replaying upstream: mode = whether native tools were offered, turn = assistant turns so far + 1. */
async function replayServer(recorded: Recorded): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const body = JSON.parse(text) as any;
      const api = req.url?.endsWith("/chat/completions") ? "chat" : "responses";
      const mode = Array.isArray(body.tools) && body.tools.length > 0 ? "structured" : "script";
      const items: { role?: string; type?: string }[] = api === "chat" ? body.messages : body.input;
      const assistantTurns = items.filter((i, k) => {
        if (api === "chat") return i.role === "assistant";
        // One Responses turn = an assistant message and/or calls: count the first item of each run.
        const isTurn = i.role === "assistant" || i.type === "function_call";
        const prev = items[k - 1];
        return isTurn && !(prev && (prev.role === "assistant" || prev.type === "function_call"));
      }).length;
      const turn = assistantTurns + 1;
      seen.push({ api, mode, turn, body, auth: req.headers["authorization"] });
      const rec = recorded[mode][turn - 1];
      if (!rec) {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `no recorded reply for ${mode} turn ${turn}` } }));
        return;
      }
      const reply: ScriptedReply = { text: rec.text, calls: rec.calls, usage: { input: 1000 + turn, output: 50 + turn } };
      if (rec.text === "") delete reply.text;
      void writeFrames(res, api === "chat" ? chatFrames(reply) : responsesFrames(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function runEval(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EVAL, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

for (const api of ["responses", "chat"] as const) {
  test(`real-model mode (${api}) replays recorded replies through cody exec and reports pass rates per mode`, async (t) => {
    const recorded = JSON.parse(readFileSync(RECORDED, "utf8")) as Recorded;
    const upstream = await replayServer(recorded);
    t.teardown(() => upstream.close());
    const dir = tempWorkspace(t);
    const record = path.join(dir, "replies.jsonl");
    // Two repeats on one protocol, one on the other: enough to show means over repeats without doubling the time.
    const repeat = api === "responses" ? 2 : 1;
    const r = await runEval(
      ["--only", "error-recovery", "--base-url", upstream.url, "--model", "recorded-model", "--api", api, "--repeat", String(repeat), "--record", record, "--api-key-env", "EVAL_TEST_KEY", "--json"],
      { ...process.env, EVAL_TEST_KEY: "sk-eval-test" },
    );
    t.is(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      kind: string;
      model: { model: string; api: string; repeat: number };
      workflows: Record<string, Record<string, { passRate: number; runs: number; modelCalls: number; toolCalls: number }>>;
      runs: { reportedTokens?: { input: number; output: number } }[];
      roundTripReduction: number;
    };
    t.is(report.kind, "model");
    t.deepEqual(report.model, { baseUrl: upstream.url, model: "recorded-model", api, repeat });
    const w = report.workflows["error-recovery"];
    t.like(w?.["structured"], { passRate: 1, runs: repeat, modelCalls: 3, toolCalls: 2 });
    t.like(w?.["script"], { passRate: 1, runs: repeat, modelCalls: 2, toolCalls: 2 });
    t.is(report.roundTripReduction, 0.333);
    // The upstream's own usage is kept beside the tokenizer's counts.
    t.deepEqual(report.runs.map((x) => x.reportedTokens?.input).sort(), [...Array(repeat).fill(2003), ...Array(repeat).fill(3006)]);

    // What the model was sent: the key, the model name, and the request shaped to the mode.
    t.is(upstream.seen.length, 5 * repeat);
    for (const s of upstream.seen) {
      t.is(s.api, api);
      t.is(s.auth, "Bearer sk-eval-test");
      t.is(s.body.model, "recorded-model");
      const instructions: string = api === "chat" ? s.body.messages[0].content : s.body.instructions;
      if (s.mode === "script") {
        t.regex(instructions, /<tool-calls>/);
        t.regex(instructions, /readFile\(args: ReadFileArgs\)/);
        t.notRegex(instructions, /# Scripts or function calls/);
      } else {
        t.notRegex(instructions, /<tool-calls>|ReadFileArgs/);
        t.regex(instructions, /calling the functions provided/);
        t.true(s.body.tools.some((tool: { name?: string; function?: { name: string } }) => (tool.name ?? tool.function?.name) === "readFile"));
      }
    }
    // --record wrote every reply, tagged with workflow, mode, repeat and turn.
    const lines = readFileSync(record, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { workflow: string; mode: string; turn: number });
    t.is(lines.length, 5 * repeat);
    t.deepEqual([...new Set(lines.map((l) => `${l.workflow}/${l.mode}`))].sort(), ["error-recovery/script", "error-recovery/structured"]);
  });
}
