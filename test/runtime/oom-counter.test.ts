import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import test from "ava";
import { QuickJS } from "quickjs-wasi";
import { GuestVm } from "../../src/runtime/guest-vm.js";
import { instrumentOutOfMemory, OOM_COUNTER_EXPORT } from "../../src/runtime/oom-counter.js";
import { loadEngineModule } from "../../src/runtime/wasm.js";

const require = createRequire(import.meta.url);
const original = readFileSync(require.resolve("quickjs-wasi/quickjs.wasm"));
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }).WebAssembly;

test("the pinned engine gets a counter at every out-of-memory site and still compiles", async (t) => {
  const { bytes, sites } = instrumentOutOfMemory(original);
  // JS_ThrowOutOfMemory, the regexp compiler's error, and the regexp matcher's two call sites (quickjs-wasi 3.6.2).
  t.is(sites, 4);
  const vm = await QuickJS.create({ wasm: await wasmApi.compile(bytes) });
  try {
    const counter = (vm._getExports() as unknown as Record<string, { value: number }>)[OOM_COUNTER_EXPORT];
    t.is(counter?.value, 0);
    t.is(vm.evalCode("[1, 2, 3].map((x) => x * 2).join()").toString(), "2,4,6");
    vm._getExports().qjs_set_memory_limit(4 * 1024 * 1024);
    t.is(vm.evalCode("try { new ArrayBuffer(8 * 1024 * 1024); 'allocated' } catch (e) { e.message }").toString(), "out of memory");
    t.is(counter?.value, 1);
    t.is(vm.evalCode("new ArrayBuffer(1024 * 1024).byteLength").toNumber(), 1024 * 1024);
    t.is(counter?.value, 1, "an allocation under the limit does not count");
  } finally {
    vm.dispose();
  }
});

test("bytes that are not the expected engine are returned unchanged with no sites", (t) => {
  const junk = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff, 0xff]);
  const out = instrumentOutOfMemory(junk);
  t.is(out.sites, 0);
  t.is(out.bytes, junk);
  const truncated = original.subarray(0, 4096);
  t.is(instrumentOutOfMemory(truncated).sites, 0);
});

test("the runtime's VMs run the instrumented engine, and a run's count starts from zero at configure()", async (t) => {
  const guest = await GuestVm.create({ wasm: await loadEngineModule(), shouldInterrupt: () => false });
  try {
    t.true(guest.countsOutOfMemory);
    guest.configure(4 * 1024 * 1024, 256 * 1024);
    t.false(guest.outOfMemory());
    t.is(guest.vm.evalCode("try { new ArrayBuffer(16 * 1024 * 1024); 1 } catch (e) { 2 }").toNumber(), 2);
    t.true(guest.outOfMemory());
    guest.configure(4 * 1024 * 1024, 256 * 1024);
    t.false(guest.outOfMemory(), "the next run is not blamed for the previous one");
  } finally {
    guest.dispose();
  }
});
