import { PassThrough } from "node:stream";
import test from "ava";
import { TtyApprover, type ApprovalRequest } from "../../src/approval/index.js";

function streams() {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = "";
  output.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { input, output, text: () => text };
}

const req = (callId: string, tool = "writeFile"): ApprovalRequest => ({
  id: `a-${callId}`,
  runId: "r1",
  callId,
  source: "script",
  scriptHash: "0123456789abcdef0123",
  scriptName: "fix.ts",
  allowedTools: ["writeFile", "exec"],
  tool,
  risk: "writes",
  args: { path: "a.txt", content: "[REDACTED]" },
  reason: "`writeFile` writes",
});

/** Wait until the output contains `needle` `times` times. */
async function until(text: () => string, needle: string, times = 1): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (text().split(needle).length - 1 >= times) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never saw ${times}× ${JSON.stringify(needle)} in ${JSON.stringify(text())}`);
}

test("questions are shown one at a time while both requests stay pending", async (t) => {
  const s = streams();
  const approver = new TtyApprover({ input: s.input, output: s.output });
  const signal = new AbortController().signal;
  const first = approver.request(req("c1"), signal);
  const second = approver.request(req("c2", "exec"), signal);
  const third = approver.request(req("c3"), signal);
  await until(s.text, "Allow?");
  t.regex(s.text(), /script {2}fix\.ts {2}hash 0123456789ab/);
  t.regex(s.text(), /may use writeFile, exec/);
  t.regex(s.text(), /call {4}c1 {2}writeFile {2}\[writes\]/);
  t.false(s.text().includes("c2"), "the second question is not shown before the first is answered");
  t.is(approver.waiting, 2);
  s.input.write("n\n");
  t.is(await first, "deny");
  await until(s.text, "Allow?", 2);
  t.regex(s.text(), /call {4}c2 {2}exec/);
  t.regex(s.text(), /\(1 more waiting\)/);
  t.is(approver.waiting, 1);
  s.input.write("always\n");
  t.is(await second, "always");
  await until(s.text, "Allow?", 3);
  s.input.write("yes\n");
  t.is(await third, "approve");
  approver.close();
});

test("an unclear answer is asked again; y and q are understood", async (t) => {
  const s = streams();
  const approver = new TtyApprover({ input: s.input, output: s.output });
  const signal = new AbortController().signal;
  const a = approver.request(req("c1"), signal);
  await until(s.text, "Allow?");
  s.input.write("maybe\n");
  await until(s.text, "Please answer y, n, a or q");
  s.input.write("y\n");
  t.is(await a, "approve");
  const b = approver.request(req("c2"), signal);
  await until(s.text, "Allow?", 2);
  s.input.write("q\n");
  t.is(await b, "abort");
  approver.close();
});

test("a line typed while no question is on screen is ignored, not applied to the next question", async (t) => {
  const s = streams();
  const approver = new TtyApprover({ input: s.input, output: s.output });
  const signal = new AbortController().signal;
  const a = approver.request(req("c1"), signal);
  await until(s.text, "Allow?");
  s.input.write("y\n");
  t.is(await a, "approve");
  s.input.write("y\n"); // stray answer with nothing asked
  await new Promise((r) => setTimeout(r, 20));
  const b = approver.request(req("c2"), signal);
  await until(s.text, "Allow?", 2);
  let settled = false;
  void b.then(() => (settled = true));
  await new Promise((r) => setTimeout(r, 20));
  t.false(settled);
  s.input.write("n\n");
  t.is(await b, "deny");
  approver.close();
});

test("a request whose signal aborts is taken down and the next question is shown", async (t) => {
  const s = streams();
  const approver = new TtyApprover({ input: s.input, output: s.output });
  const c1 = new AbortController();
  const c2 = new AbortController();
  const c3 = new AbortController();
  const first = approver.request(req("c1"), c1.signal);
  const second = approver.request(req("c2"), c2.signal);
  const third = approver.request(req("c3"), c3.signal);
  await until(s.text, "Allow?");
  t.is(approver.waiting, 2);
  c2.abort(new Error("timed out")); // queued: removed silently
  await t.throwsAsync(second, { message: "timed out" });
  c1.abort(new Error("run aborted")); // on screen: taken down
  await t.throwsAsync(first, { message: "run aborted" });
  await until(s.text, "no longer waiting for an answer about c1");
  await until(s.text, "Allow?", 2);
  t.regex(s.text(), /call {4}c3/);

  t.false(/call {4}c2/.test(s.text()));
  s.input.write("y\n");
  t.is(await third, "approve");
  approver.close();
});

test("when input ends, pending and later questions are denied", async (t) => {
  const s = streams();
  const approver = new TtyApprover({ input: s.input, output: s.output });
  const signal = new AbortController().signal;
  const a = approver.request(req("c1"), signal);
  const b = approver.request(req("c2"), signal);
  await until(s.text, "Allow?");
  s.input.end();
  t.is(await a, "deny");
  t.is(await b, "deny");
  t.is(await approver.request(req("c3"), signal), "deny");
  t.regex(s.text(), /input closed: denied/);
});

test("the waiting count follows arrivals; after `q` that run's queued questions are withdrawn unseen", async (t) => {
  const s = streams();
  const approver = new TtyApprover({ input: s.input, output: s.output });
  const c2 = new AbortController();
  const signal = new AbortController().signal;
  const first = approver.request(req("c1"), signal);
  await until(s.text, "Allow?");
  t.false(s.text().includes("more waiting"));
  const second = approver.request(req("c2"), c2.signal);
  await until(s.text, "(1 more waiting)");
  const other = approver.request({ ...req("c9"), runId: "r2" }, signal);
  await until(s.text, "(2 more waiting)");
  s.input.write("q\n");
  t.is(await first, "abort");
  t.is(approver.waiting, 1);
  // The other run's question is next; the aborted run's is never printed.
  await until(s.text, "Allow?", 4);
  t.regex(s.text(), /call {4}c9/);
  t.false(/call {4}c2/.test(s.text()));
  c2.abort(new Error("run aborted"));
  await t.throwsAsync(second, { message: "run aborted" });
  s.input.write("y\n");
  t.is(await other, "approve");
  approver.close();
});

test("`always` settles queued questions it covers (same script and tool), and asks the others", async (t) => {
  const s = streams();
  const approver = new TtyApprover({ input: s.input, output: s.output });
  const signal = new AbortController().signal;
  const first = approver.request(req("c1"), signal);
  const sameTool = approver.request(req("c2"), signal);
  const otherTool = approver.request(req("c3", "exec"), signal);
  const otherScript = approver.request({ ...req("c4"), scriptHash: "ffff456789abcdef0123" }, signal);
  await until(s.text, "Allow?");
  s.input.write("a\n");
  t.is(await first, "always");
  t.is(await sameTool, "always");
  await until(s.text, "Allow?", 2);
  t.regex(s.text(), /call {4}c3 {2}exec/);
  t.false(/call {4}c2/.test(s.text()));
  s.input.write("n\n");
  t.is(await otherTool, "deny");
  await until(s.text, "Allow?", 3);
  s.input.write("y\n");
  t.is(await otherScript, "approve");
  approver.close();
});
