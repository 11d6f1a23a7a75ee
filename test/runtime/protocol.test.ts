import test from "ava";
import { parseToMain, parseToWorker } from "../../src/runtime/index.js";

test("well-formed worker messages are accepted", (t) => {
  t.deepEqual(parseToMain({ type: "ready", vmsCreated: 1, vmsDisposed: 0 }), { type: "ready", vmsCreated: 1, vmsDisposed: 0 });
  const call = { type: "tool_call", runId: "r", callId: "c1", tool: "t", argsJson: "{}", detached: false };
  t.deepEqual(parseToMain(call), call);
  const done = { type: "done", runId: "r", outcome: { ok: true, json: "1" }, consoleTruncated: false, vmsCreated: 1, vmsDisposed: 0 };
  t.deepEqual(parseToMain(done), done);
});

test("malformed worker messages are rejected", (t) => {
  for (const bad of [
    null,
    "ready",
    { type: "ready" },
    { type: "nope" },
    { type: "tool_call", runId: "r", callId: "c1", tool: "t", argsJson: {}, detached: false },
    { type: "console", runId: "r", level: "shout", text: "x", atMs: 1 },
    { type: "done", runId: "r", outcome: { ok: false, error: { message: "x" } }, consoleTruncated: false, vmsCreated: 0, vmsDisposed: 0 },
    { type: "done", runId: "r", outcome: { ok: true }, consoleTruncated: false, vmsCreated: 0, vmsDisposed: 0 },
  ]) {
    t.is(parseToMain(bad), undefined, JSON.stringify(bad));
  }
});

test("main-thread messages are checked before the worker acts on them", (t) => {
  const limits = { memoryBytes: 1, maxStackBytes: 1, maxToolCalls: 1, maxConsoleBytes: 1, maxResultBytes: 1 };
  const run = { type: "run", runId: "r", hash: "h", bytecode: new Uint8Array(1), keep: true, evict: ["g"], toolsJson: '["a"]', limits };
  t.deepEqual(parseToWorker(run), run);
  const byHash = { type: "run", runId: "r", hash: "h", toolsJson: "[]", limits };
  t.deepEqual(parseToWorker(byHash), byHash);
  t.is(parseToWorker({ ...run, bytecode: [1] }), undefined);
  t.is(parseToWorker({ ...run, hash: undefined }), undefined);
  t.is(parseToWorker({ ...run, keep: "yes" }), undefined);
  t.is(parseToWorker({ ...run, evict: [1] }), undefined);
  t.is(parseToWorker({ ...run, toolsJson: ["a"] }), undefined);
  t.is(parseToWorker({ ...run, limits: { ...limits, memoryBytes: "1" } }), undefined);
  const result = { type: "tool_result", runId: "r", callId: "c1", ok: true, json: "" };
  t.deepEqual(parseToWorker(result), result);
  t.is(parseToWorker({ type: "tool_result", runId: "r", callId: "c1", ok: "yes", json: "" }), undefined);
  t.deepEqual(parseToWorker({ type: "cancel", runId: "r" }), { type: "cancel", runId: "r" });
  t.is(parseToWorker({ type: "cancel" }), undefined);
});

test("the engine message carries a compiled WebAssembly.Module and nothing else", async (t) => {
  const WA = (globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<WebAssembly.Module> } }).WebAssembly;
  // The smallest valid module: magic number and version.
  const wasm = await WA.compile(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  t.deepEqual(parseToWorker({ type: "engine", wasm }), { type: "engine", wasm });
  for (const bad of [{ type: "engine" }, { type: "engine", wasm: {} }, { type: "engine", wasm: new Uint8Array(8) }]) {
    t.is(parseToWorker(bad), undefined);
  }
});
