import test from "ava";
import { CompilerHost, generateToolsDts, TypeCheckerError } from "../../src/compiler/index.js";
import { AbortedError, CheckTimeoutError } from "../../src/errors/index.js";
import { BUILTIN_SPECS } from "../../src/tools/index.js";
import { nestedArrays } from "../helpers/hostile.js";
import { processState } from "../helpers/processes.js";


async function host(t: { teardown(fn: () => Promise<void>): void }): Promise<CompilerHost> {
  const h = new CompilerHost();
  t.teardown(() => h.close());
  return h;
}

/** Poll (event loop free meanwhile) until `check` holds, for at most `ms`. */
async function eventually(check: () => boolean, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return check();
}

test("a check within the deadline succeeds, a hostile one ends with CheckTimeoutError and its tsgo child is killed and reaped, and the next check works", async (t) => {
  const dts = await generateToolsDts(BUILTIN_SPECS);
  const h = await host(t);
  // At the edge: an ordinary check (cold start included) well inside the default 2000 ms deadline.
  t.deepEqual(await h.check([{ filename: "ok.ts", source: "return 1;" }], { dts, timeoutMs: 2000 }), []);
  const pid = h.childPid;
  t.truthy(pid);
  t.is(processState(pid!) === undefined, false);

  // Past it: the event loop keeps turning while the check runs, and the caller gets the typed error.
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  const error = await t.throwsAsync(h.check([{ filename: "deep.ts", source: nestedArrays(250) }], { dts, timeoutMs: 2000 }), {
    instanceOf: CheckTimeoutError,
  });
  clearInterval(ticker);
  t.is(error?.code, "CODY_LIMIT_CHECK_TIMEOUT");
  t.is(error?.details["limit"], 2000);
  t.deepEqual(error?.details["files"], ["deep.ts"]);
  t.regex(error?.message ?? "", /limits\.checkTimeoutMs/);
  t.true(ticks > 10, `the event loop turned ${ticks} times during the check`);

  // The busy child ignored nothing: it was SIGKILLed and reaped (no zombie left behind).
  t.true(await eventually(() => processState(pid!) === undefined), `tsgo ${pid} is ${processState(pid!)}`);

  const after = await h.check([{ filename: "next.ts", source: "const n: number = 'x';\nreturn n;" }], { dts });
  t.is(after.length, 1);
  t.is(after[0]?.code, 2322);
  t.not(h.childPid, pid, "a fresh checker child was started lazily");
  t.like(h.stats(), { timeouts: 1, workersStarted: 1 });
});

test("a hostile compile times out the same way and the next compile produces an artifact", async (t) => {
  const dts = await generateToolsDts(BUILTIN_SPECS);
  const h = await host(t);
  await t.throwsAsync(h.compile({ filename: "deep.ts", source: nestedArrays(250) }, { dts, timeoutMs: 500 }), {
    instanceOf: CheckTimeoutError,
    message: /Compiling deep\.ts took longer than 500 ms/,
  });
  const ok = await h.compile({ filename: "ok.ts", source: "return 40 + 2;" }, { dts, timeoutMs: 10_000 });
  t.truthy(ok.artifact);
  t.true((ok.artifact?.bytecode.byteLength ?? 0) > 0);
  t.like(h.stats(), { compiles: 2, timeouts: 1 });
});

test("requests queue behind one another and each gets its own deadline from when it starts", async (t) => {
  const dts = await generateToolsDts(BUILTIN_SPECS);
  const h = await host(t);
  const hostile = h.check([{ filename: "deep.ts", source: nestedArrays(250) }], { dts, timeoutMs: 300 });
  const normal = h.check([{ filename: "ok.ts", source: "return 1;" }], { dts, timeoutMs: 10_000 });
  await t.throwsAsync(hostile, { instanceOf: CheckTimeoutError });
  t.deepEqual(await normal, []);
});

test("an aborted request ends with AbortedError and a closed host refuses work", async (t) => {
  const dts = await generateToolsDts(BUILTIN_SPECS);
  const h = new CompilerHost();
  const abort = new AbortController();
  const pending = h.check([{ filename: "deep.ts", source: nestedArrays(250) }], { dts, timeoutMs: 60_000, signal: abort.signal });
  setTimeout(() => abort.abort(), 200);
  await t.throwsAsync(pending, { instanceOf: AbortedError });
  t.deepEqual(await h.check([{ filename: "ok.ts", source: "return 1;" }], { dts }), []);
  const pid = h.childPid;
  await h.close();
  t.true(await eventually(() => processState(pid!) === undefined), "close ends and reaps the checker child");
  await t.throwsAsync(h.check([{ filename: "ok.ts", source: "return 1;" }], { dts }), { instanceOf: TypeCheckerError });
});
