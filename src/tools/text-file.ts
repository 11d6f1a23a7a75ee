/**
 * Loading files for the text tools (readFile, search): never follows a final symlink, never blocks on a FIFO,
 * checks the size before reading, and tells text from binary the way git and ripgrep do (a NUL byte early on),
 * plus strict UTF-8.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";

/** How much of a file's head is scanned for NUL bytes when deciding whether it is binary. */
export const BINARY_SNIFF_BYTES = 8 * 1024;

export type LoadedFile =
  | { kind: "ok"; bytes: Buffer }
  | { kind: "not-file"; isDirectory: boolean }
  | { kind: "too-large"; size: number };

// O_NOFOLLOW: a symlink swapped in after confinement was checked is refused (ELOOP), not followed.
// O_NONBLOCK: opening a FIFO must not hang; the fstat below then refuses it.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Read a whole regular file of at most `maxBytes`. Filesystem errors (ENOENT, EACCES, ELOOP…) are thrown as is. */
export async function loadFile(abs: string, maxBytes: number): Promise<LoadedFile> {
  const handle = await open(abs, OPEN_FLAGS);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { kind: "not-file", isDirectory: stat.isDirectory() };
    if (stat.size > maxBytes) return { kind: "too-large", size: stat.size };
    // One extra byte notices a file that grew past the cap since fstat.
    const bytes = Buffer.allocUnsafe(stat.size + 1);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes) return { kind: "too-large", size: filled };
    return { kind: "ok", bytes: bytes.subarray(0, filled) };
  } finally {
    await handle.close();
  }
}

/**
 * Files up to this size are read by `loadSmallFileSync` without the thread pool. Measured: the four thread-pool round
 * trips of `loadFile` (open, fstat, read, close) cost the event loop ≈ 100–150 µs of CPU per small file under load
 * (waking pool threads, four more turns), while the same four calls made synchronously on a page-cached file take
 * ≈ 10–20 µs; 256 KiB is read in well under a millisecond, so the loop is never held long. @default 262144
 */
export const SYNC_READ_MAX_BYTES = 256 * 1024;

/**
 * loadFile for a small file, with synchronous calls (the way `resolveInWorkspace` already resolves the path):
 * `undefined` when the file is a regular file larger than SYNC_READ_MAX_BYTES (and within `maxBytes`), which the
 * caller then reads with `loadFile` off the event loop. Errors are thrown as loadFile throws them.
 */
export function loadSmallFileSync(abs: string, maxBytes: number): LoadedFile | undefined {
  const fd = openSync(abs, OPEN_FLAGS);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { kind: "not-file", isDirectory: stat.isDirectory() };
    if (stat.size > maxBytes) return { kind: "too-large", size: stat.size };
    if (stat.size > SYNC_READ_MAX_BYTES) return undefined;
    return readOpenFile(fd, stat.size, maxBytes);
  } finally {
    closeSync(fd);
  }
}

/** Read an open file of `size` bytes (one extra byte notices a file that grew past the cap since fstat). */
function readOpenFile(fd: number, size: number, maxBytes: number): LoadedFile {
  const bytes = Buffer.allocUnsafe(size + 1);
  let filled = 0;
  while (filled < bytes.length) {
    const bytesRead = readSync(fd, bytes, filled, bytes.length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled > maxBytes) return { kind: "too-large", size: filled };
  return { kind: "ok", bytes: bytes.subarray(0, filled) };
}

/**
 * loadFile done with synchronous calls; see time-slice.ts for why search uses it. With `scratch`, a file that fits
 * in it is read with one `read` and no `fstat` (the walker already said it is a regular file; a race that swaps in
 * something else is caught when the first read fills the buffer), and the returned bytes live in `scratch`, valid
 * only until the next call.
 */
export function loadFileSync(abs: string, maxBytes: number, scratch?: Buffer): LoadedFile {
  const fd = openSync(abs, OPEN_FLAGS);
  try {
    if (scratch && scratch.length > 0) {
      const first = readSync(fd, scratch, 0, scratch.length, 0);
      if (first < scratch.length) {
        return first > maxBytes ? { kind: "too-large", size: first } : { kind: "ok", bytes: scratch.subarray(0, first) };
      }
    }
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { kind: "not-file", isDirectory: stat.isDirectory() };
    if (stat.size > maxBytes) return { kind: "too-large", size: stat.size };
    return readOpenFile(fd, stat.size, maxBytes);
  } finally {
    closeSync(fd);
  }
}

/** True when a NUL byte appears in the first BINARY_SNIFF_BYTES bytes. */
export function hasNulByte(bytes: Uint8Array): boolean {
  const head = bytes.length > BINARY_SNIFF_BYTES ? bytes.subarray(0, BINARY_SNIFF_BYTES) : bytes;
  return head.indexOf(0) !== -1;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decode strict UTF-8 (a BOM is kept so content round-trips), or null when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}
