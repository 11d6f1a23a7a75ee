/**
 * GuestVm.installTools keeps the memory pages `setup` changed once a tool set came twice in a row, so a reset VM that
 * serves those tools again skips `setup` (only Math.random is reseeded): nothing else a run did survives the reset,
 * another tool set is installed from the pristine snapshot, and each run still gets its own random stream.
 */
import test, { type ExecutionContext } from "ava";
import { GuestVm } from "../../src/runtime/guest-vm.js";
import { loadEngineModule } from "../../src/runtime/wasm.js";

const ALL = JSON.stringify(["readFile", "writeFile", "mcp.docs.search"]);
const ONE = JSON.stringify(["readFile"]);

async function vmFor(t: ExecutionContext): Promise<GuestVm> {
  const guest = await GuestVm.create({ wasm: await loadEngineModule(), shouldInterrupt: () => false });
  t.teardown(() => guest.dispose());
  return guest;
}

const evalJson = (guest: GuestVm, code: string): unknown => JSON.parse(guest.vm.evalCode(`JSON.stringify(${code})`).toString());

test("a reset VM serving the same tools again does not run setup; what the run did is gone", async (t) => {
  const guest = await vmFor(t);
  guest.installTools(ALL, "1");
  t.true(guest.reset());
  guest.installTools(ALL, "1");
  t.is(guest.setups, 2);
  guest.vm.evalCode('globalThis.leaked = "secret"; Object.prototype.polluted = 1; Math.max = () => 0;');
  t.true(guest.reset());
  guest.installTools(ALL, "2");
  t.is(guest.setups, 2);
  t.deepEqual(evalJson(guest, '[typeof leaked, ({}).polluted === undefined, Math.max(1, 2), Object.keys(tools).sort(), Object.keys(tools.mcp.docs), typeof console.log, typeof ToolError]'), [
    "undefined",
    true,
    2,
    ["mcp", "readFile", "spawn", "writeFile"],
    ["search"],
    "function",
    "function",
  ]);
});

test("another tool set is installed from the pristine snapshot, and switching back works", async (t) => {
  const guest = await vmFor(t);
  for (const [names, keys] of [
    [ALL, ["mcp", "readFile", "spawn", "writeFile"]],
    [ONE, ["readFile", "spawn"]],
    [ONE, ["readFile", "spawn"]],
    [ONE, ["readFile", "spawn"]],
    [ALL, ["mcp", "readFile", "spawn", "writeFile"]],
    [ONE, ["readFile", "spawn"]],
  ] as const) {
    guest.installTools(names, "7");
    t.deepEqual(evalJson(guest, "Object.keys(tools).sort()"), keys);
    t.true(guest.reset());
  }
  // Setup ran for every run but the third ONE and the last one: ONE's pages were kept when it came twice in a row.
  t.is(guest.setups, 4);
});

test("each run gets the random stream of its own seed, whether or not setup ran", async (t) => {
  const guest = await vmFor(t);
  const draw = (seed: string): unknown => {
    guest.installTools(ONE, seed);
    const values = evalJson(guest, "[Math.random(), Math.random()]");
    guest.reset();
    return values;
  };
  draw("10");
  const first = draw("11");
  const again = draw("11");
  const other = draw("12");
  t.is(guest.setups, 2);
  t.deepEqual(again, first, "the same seed gives the same stream: the seed, not leftover state, decides it");
  t.notDeepEqual(other, first);
});

test("a run's memory and stack limits still hold when its tool set replaces the kept one", async (t) => {
  const guest = await vmFor(t);
  // Keep ONE's pages.
  for (let i = 0; i < 2; i++) {
    guest.installTools(ONE, "1");
    t.true(guest.reset());
  }
  // The worker applies the run's limits first, then installs its tools: here another set, so the memory is restored.
  guest.configure(4 * 1024 * 1024, 64 * 1024);
  guest.installTools(ALL, "1");
  t.is(guest.vm.evalCode("try { new ArrayBuffer(16 * 1024 * 1024); 1 } catch (e) { 2 }").toNumber(), 2, "memory limit");
  t.is(guest.vm.evalCode("function f(n) { return 1 + f(n + 1); } try { f(0) } catch (e) { e instanceof RangeError ? 2 : 3 }").toNumber(), 2, "stack limit");
});
