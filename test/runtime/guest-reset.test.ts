/**
 * GuestVm.reset writes the snapshot back as runs of copied pages and runs of zero-filled pages: the memory after a
 * reset must equal, byte for byte, the memory when the snapshot was taken, whatever the run wrote (deep stack, a
 * large fresh allocation, the heap).
 */
import test from "ava";
import { GuestVm } from "../../src/runtime/guest-vm.js";
import { loadEngineModule } from "../../src/runtime/wasm.js";

const memoryOf = (guest: GuestVm): Uint8Array => new Uint8Array(guest.vm._getExports().memory.buffer);

test("a reset restores every byte of the snapshot, zero pages included", async (t) => {
  const guest = await GuestVm.create({ wasm: await loadEngineModule(), shouldInterrupt: () => false });
  t.teardown(() => guest.dispose());
  // The snapshot is taken at the end of create: the memory now is the snapshot.
  const pristine = memoryOf(guest).slice();
  const zeros = pristine.reduce((n, b) => n + (b === 0 ? 1 : 0), 0);
  t.true(zeros > pristine.length / 2, "most of the snapshot is zeros (the case the zero runs are for)");
  for (let i = 0; i < 3; i++) {
    guest.configure(64 * 1024 * 1024, 512 * 1024);
    guest.installTools(JSON.stringify([`tool${i}`]), String(i));
    // Deep recursion writes the shadow stack; a 1.5 MB buffer filled with 0xff lands in the pre-grown (zero) heap.
    guest.vm.evalCode(`
      function deep(n) { return n === 0 ? 0 : 1 + deep(n - 1); }
      deep(2000);
      globalThis.big = new Uint8Array(1536 * 1024).fill(255);
      globalThis.words = Array.from({ length: 5000 }, (_, i) => "w" + i);
    `).dispose();
    const dirty = memoryOf(guest);
    t.is(dirty.length, pristine.length, "the run stayed within the pre-grown heap");
    t.false(Buffer.from(dirty).equals(Buffer.from(pristine)));
    t.true(guest.reset());
    t.true(Buffer.from(memoryOf(guest)).equals(Buffer.from(pristine)), `run ${i}: memory equals the snapshot`);
  }
});

test("a reset to a kept tool set restores every byte of the memory as setup left it", async (t) => {
  const guest = await GuestVm.create({ wasm: await loadEngineModule(), shouldInterrupt: () => false });
  t.teardown(() => guest.dispose());
  const names = JSON.stringify(["readFile", "writeFile"]);
  guest.configure(64 * 1024 * 1024, 512 * 1024);
  guest.installTools(names, "1");
  t.true(guest.reset());
  // The same tool set twice in a row: this setup's memory is kept, and resets return to it.
  guest.configure(64 * 1024 * 1024, 512 * 1024);
  guest.installTools(names, "1");
  const withTools = memoryOf(guest).slice();
  for (let i = 0; i < 2; i++) {
    guest.vm.evalCode(`
      function deep(n) { return n === 0 ? 0 : 1 + deep(n - 1); }
      deep(2000);
      globalThis.big = new Uint8Array(1536 * 1024).fill(255);
    `).dispose();
    t.true(guest.reset());
    t.true(Buffer.from(memoryOf(guest)).equals(Buffer.from(withTools)), `reset ${i}: memory equals the kept tool state`);
    t.is(guest.setups, 2);
    // The next run with these tools only reseeds (which writes the random state): start it from the kept state again.
    guest.configure(64 * 1024 * 1024, 512 * 1024);
    guest.installTools(names, "1");
  }
  t.is(guest.setups, 2, "setup did not run again");
});
