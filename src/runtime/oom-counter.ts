/**
 * Make "the guest hit its memory limit" observable from the host.
 *
 * QuickJS reports a failed allocation by throwing `InternalError: out of memory` into the guest, and a script can catch
 * it and carry on. Nothing in the engine's memory records that it happened: the limit check in `js_malloc_rt` returns
 * NULL before any bookkeeping, and the `in_out_of_memory` flag is cleared again before the throw returns. So we add a
 * counter to the engine itself: this module rewrites the `.wasm` once per process (before it is compiled) to add one
 * exported mutable i32 global, `cody_oom_count`, and to increment it right before every place that builds an
 * out-of-memory error — every use of the C string literals `"out of memory"` (`JS_ThrowOutOfMemory`, which every
 * failed `js_malloc`/`js_realloc` in a context goes through, and the regexp compiler's error) and
 * `"out of memory in regexp execution"` (the regexp matcher). The host reads the global (tens of nanoseconds) and
 * ends the run when it moved.
 *
 * The rewrite is structural, not a byte patch of one known build: it finds the strings' addresses in the data
 * section, then the `i32.const <address>; i32.const 0; call …` sequences in function bodies (the shape of
 * `f(ctx, "out of memory", …)`), and inserts `global.get; i32.const 1; i32.add; global.set` before each — a
 * stack-neutral sequence, so no branch or type changes. Adding a global at the end of the global section and an export
 * at the end of the export section shifts no existing index. If the strings or call sites are not found (a different
 * engine build), the original bytes are returned and `sites` is 0; the runtime then falls back to recognising the
 * error text (see docs/runtime.md).
 */

/** The rewritten module and how many out-of-memory sites now count. */
export interface InstrumentedEngine {
  bytes: Uint8Array;
  /** Sites that increment the counter; 0 means the module is unchanged. */
  sites: number;
}

/** Version of this rewrite: bump it whenever its output changes (the engine cache is keyed by it). */
export const INSTRUMENTATION_VERSION = 1;

/** Name of the exported counter global. */
export const OOM_COUNTER_EXPORT = "cody_oom_count";

const OOM_STRINGS = ["out of memory", "out of memory in regexp execution"];

interface Section {
  id: number;
  /** Offset of the section's id byte. */
  header: number;
  /** Offset of the section's payload. */
  start: number;
  size: number;
}

class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
  ) {}

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.buf[this.pos++];
      if (byte === undefined) throw new Error("truncated LEB128");
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) return result;
    }
  }

  s32(): number {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new Error("truncated LEB128");
      byte = b;
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    if (shift < 32 && byte & 0x40) result |= ~0 << shift;
    return result;
  }

  skip(n: number): void {
    this.pos += n;
  }
}

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function sections(buf: Uint8Array): Section[] {
  const out: Section[] = [];
  const r = new Reader(buf, 8);
  while (r.pos < buf.length) {
    const header = r.pos;
    const id = buf[r.pos++]!;
    const size = r.u32();
    out.push({ id, header, start: r.pos, size });
    r.skip(size);
  }
  return out;
}

function indexOf(hay: Uint8Array, needle: number[], from: number, to: number): number {
  const at = Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(Uint8Array.from(needle), from);
  return at >= 0 && at + needle.length <= to ? at : -1;
}

/** Addresses in linear memory of each NUL-terminated string, found in active data segments. */
function stringAddresses(buf: Uint8Array, data: Section, texts: string[]): number[] {
  const wanted = texts.map((t) => [0, ...Buffer.from(t + "\0")]);
  const found: number[] = [];
  const r = new Reader(buf, data.start);
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const flags = r.u32();
    if (flags === 1) {
      r.skip(r.u32()); // passive segment: no address
      continue;
    }
    if (flags === 2) r.u32(); // memory index
    if (buf[r.pos++] !== 0x41) return []; // offset must be `i32.const N; end`
    const offset = r.s32();
    if (buf[r.pos++] !== 0x0b) return [];
    const len = r.u32();
    const start = r.pos;
    for (const needle of wanted) {
      // Preceded by a NUL: the literal itself, not the tail of a longer string.
      const at = indexOf(buf, needle, start, start + len);
      if (at >= 0) found.push(offset + at - start + 1);
    }
    r.skip(len);
  }
  return found;
}

/** Add the counter to an engine module; returns the input unchanged (sites: 0) if its shape is not recognised. */
export function instrumentOutOfMemory(input: Uint8Array): InstrumentedEngine {
  try {
    return instrument(input);
  } catch {
    return { bytes: input, sites: 0 };
  }
}

function instrument(buf: Uint8Array): InstrumentedEngine {
  const unchanged = { bytes: buf, sites: 0 };
  const secs = sections(buf);
  const find = (id: number): Section | undefined => secs.find((s) => s.id === id);
  const importSec = find(2);
  const globalSec = find(6);
  const exportSec = find(7);
  const codeSec = find(10);
  const dataSec = find(11);
  if (!globalSec || !exportSec || !codeSec || !dataSec) return unchanged;

  let importedGlobals = 0;
  if (importSec) {
    const r = new Reader(buf, importSec.start);
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      r.skip(r.u32());
      r.skip(r.u32());
      const kind = buf[r.pos++];
      if (kind === 0) r.u32();
      else if (kind === 1) {
        r.skip(1);
        const flags = r.u32();
        r.u32();
        if (flags & 1) r.u32();
      } else if (kind === 2) {
        const flags = r.u32();
        r.u32();
        if (flags & 1) r.u32();
      } else if (kind === 3) {
        r.skip(2);
        importedGlobals++;
      } else return unchanged;
    }
  }
  const globalReader = new Reader(buf, globalSec.start);
  const definedGlobals = globalReader.u32();
  const counter = importedGlobals + definedGlobals;

  const addresses = stringAddresses(buf, dataSec, OOM_STRINGS);
  if (addresses.length === 0) return unchanged;
  const bump = [0x23, ...uleb(counter), 0x41, 0x01, 0x6a, 0x24, ...uleb(counter)];
  // `i32.const <address>; i32.const 0; call` — the message argument of an error-throwing call.
  const patterns = addresses.map((a) => [0x41, ...sleb(a), 0x41, 0x00, 0x10]);

  const codeEnd = codeSec.start + codeSec.size;
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const allHits: number[] = [];
  for (const p of patterns) {
    const needle = Buffer.from(p);
    for (let at = view.indexOf(needle, codeSec.start); at >= 0 && at < codeEnd; at = view.indexOf(needle, at + 1)) allHits.push(at);
  }
  allHits.sort((a, b) => a - b);

  const r = new Reader(buf, codeSec.start);
  const bodyCount = r.u32();
  const bodies: Uint8Array[] = [];
  let sites = 0;
  for (let i = 0; i < bodyCount; i++) {
    const sizeAt = r.pos;
    const size = r.u32();
    const start = r.pos;
    const end = start + size;
    r.skip(size);
    const hits = allHits.filter((at) => at >= start && at < end);
    if (hits.length === 0) {
      bodies.push(buf.subarray(sizeAt, end));
      continue;
    }
    const body: number[] = [];
    let from = start;
    for (const at of hits) {
      body.push(...buf.subarray(from, at), ...bump);
      from = at;
    }
    body.push(...buf.subarray(from, end));
    sites += hits.length;
    bodies.push(Uint8Array.from([...uleb(body.length), ...body]));
  }
  if (sites === 0) return unchanged;

  const code = Buffer.concat([Uint8Array.from(uleb(bodyCount)), ...bodies]);
  const globalsTail = buf.subarray(globalReader.pos, globalSec.start + globalSec.size);
  const globals = [...uleb(definedGlobals + 1), ...globalsTail, 0x7f, 0x01, 0x41, 0x00, 0x0b];
  const exportReader = new Reader(buf, exportSec.start);
  const exportCount = exportReader.u32();
  const name = [...Buffer.from(OOM_COUNTER_EXPORT)];
  const exportsPayload = [
    ...uleb(exportCount + 1),
    ...buf.subarray(exportReader.pos, exportSec.start + exportSec.size),
    ...uleb(name.length),
    ...name,
    0x03,
    ...uleb(counter),
  ];
  const replaced = new Map<number, Uint8Array>([
    [6, Uint8Array.from(globals)],
    [7, Uint8Array.from(exportsPayload)],
    [10, code],
  ]);
  const parts: Uint8Array[] = [buf.subarray(0, 8)];
  for (const s of secs) {
    const payload = replaced.get(s.id);
    if (payload) parts.push(Uint8Array.from([s.id, ...uleb(payload.length)]), payload);
    else parts.push(buf.subarray(s.header, s.start + s.size));
  }
  return { bytes: Buffer.concat(parts), sites };
}
