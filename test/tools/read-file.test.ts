import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AbortedError, PathOutsideWorkspaceError, ToolError } from "../../src/errors/index.js";
import { BINARY_SNIFF_BYTES, SYNC_READ_MAX_BYTES } from "../../src/tools/text-file.js";
import { createReadFileTool, READ_FILE_MAX_BYTES, readFileTool } from "../../src/tools/handlers/read-file.js";
import { workspace } from "./helpers.js";


test("a whole file is returned exactly, with its line count", async (t) => {
  const ctx = workspace(t, { "src/a.ts": "one\ntwo\nthree\n", "b.txt": "no newline", "crlf.txt": "a\r\nb\r\n" });
  t.deepEqual(await readFileTool.handler({ path: "src/a.ts" }, ctx), {
    path: "src/a.ts",
    content: "one\ntwo\nthree\n",
    totalLines: 3,
    truncated: false,
  });
  const b = await readFileTool.handler({ path: "./b.txt" }, ctx);
  t.is(b.content, "no newline");
  t.is(b.totalLines, 1);
  t.is(b.path, "b.txt");
  t.is((await readFileTool.handler({ path: "crlf.txt" }, ctx)).content, "a\r\nb\r\n");
});

test("an empty file has no lines", async (t) => {
  const ctx = workspace(t, { "empty.txt": "" });
  t.deepEqual(await readFileTool.handler({ path: "empty.txt" }, ctx), {
    path: "empty.txt",
    content: "",
    totalLines: 0,
    truncated: false,
  });
});

test("offset and limit select a window of lines and report what lies beyond", async (t) => {
  const ctx = workspace(t, { "f.txt": "1\n2\n3\n4\n5" });
  const mid = await readFileTool.handler({ path: "f.txt", offset: 2, limit: 2 }, ctx);
  t.is(mid.content, "2\n3\n");
  t.true(mid.truncated);
  t.is(mid.totalLines, 5);
  const tail = await readFileTool.handler({ path: "f.txt", offset: 4 }, ctx);
  t.is(tail.content, "4\n5");
  t.false(tail.truncated);
  const exact = await readFileTool.handler({ path: "f.txt", offset: 1, limit: 5 }, ctx);
  t.is(exact.content, "1\n2\n3\n4\n5");
  t.false(exact.truncated);
  const past = await readFileTool.handler({ path: "f.txt", offset: 9 }, ctx);
  t.is(past.content, "");
  t.false(past.truncated);
});

test("a UTF-8 byte order mark and multibyte text are kept", async (t) => {
  const ctx = workspace(t, { "bom.txt": "\uFEFFhé ✓ 😀\n" });
  t.is((await readFileTool.handler({ path: "bom.txt" }, ctx)).content, "\uFEFFhé ✓ 😀\n");
});

test("a missing file, a directory and a FIFO are clear ToolErrors", async (t) => {
  const ctx = workspace(t, { "dir/x.txt": "x" });
  const missing = await t.throwsAsync(readFileTool.handler({ path: "nope.txt" }, ctx), {
    instanceOf: ToolError,
    message: /not found/,
  });
  t.is(missing?.details["tool"], "readFile");
  await t.throwsAsync(readFileTool.handler({ path: "dir" }, ctx), { instanceOf: ToolError, message: /directory/ });
  await t.throwsAsync(readFileTool.handler({ path: "dir/x.txt/y" }, ctx), { instanceOf: ToolError, message: /not found/ });
  const fifo = path.join(ctx.workspaceRoot, "pipe");
  const made = await import("node:child_process").then((cp) => cp.spawnSync("mkfifo", [fifo]).status);
  t.is(made, 0);
  await t.throwsAsync(readFileTool.handler({ path: "pipe" }, ctx), { instanceOf: ToolError, message: /not a regular file/ });
});

test("binary files are refused: a NUL byte in the first 8 KB or invalid UTF-8", async (t) => {
  const lateNul = Buffer.concat([Buffer.alloc(BINARY_SNIFF_BYTES, 0x61), Buffer.from([0])]);
  const ctx = workspace(t, {
    "nul.bin": Buffer.from([0x61, 0x00, 0x62]),
    "edge.bin": Buffer.concat([Buffer.alloc(BINARY_SNIFF_BYTES - 1, 0x61), Buffer.from([0])]),
    "latin1.txt": Buffer.from([0x63, 0x61, 0x66, 0xe9]),
    "late.txt": lateNul,
  });
  await t.throwsAsync(readFileTool.handler({ path: "nul.bin" }, ctx), { instanceOf: ToolError, message: /binary/ });
  await t.throwsAsync(readFileTool.handler({ path: "edge.bin" }, ctx), { instanceOf: ToolError, message: /binary/ });
  await t.throwsAsync(readFileTool.handler({ path: "latin1.txt" }, ctx), { instanceOf: ToolError, message: /binary/ });
  // A NUL past the sniffed head is valid UTF-8 and read as text, as git would.
  t.is((await readFileTool.handler({ path: "late.txt" }, ctx)).content.length, BINARY_SNIFF_BYTES + 1);
});

test("a file exactly at the size cap is read and one byte past it is refused", async (t) => {
  const ctx = workspace(t, { "at.txt": "a".repeat(100), "past.txt": "a".repeat(101) });
  const tool = createReadFileTool({ maxBytes: 100 });
  t.is((await tool.handler({ path: "at.txt" }, ctx)).content.length, 100);
  const e = await t.throwsAsync(tool.handler({ path: "past.txt" }, ctx), { instanceOf: ToolError, message: /limit/ });
  t.is(e?.details["limit"], 100);
  t.is(e?.details["size"], 101);
});

test("the default size cap is 10 MiB, at the edge and one byte past it", async (t) => {
  const ctx = workspace(t, {
    "at.txt": Buffer.alloc(READ_FILE_MAX_BYTES, 0x61),
    "past.txt": Buffer.alloc(READ_FILE_MAX_BYTES + 1, 0x61),
  });
  t.is(READ_FILE_MAX_BYTES, 10 * 1024 * 1024);
  t.is((await readFileTool.handler({ path: "at.txt" }, ctx)).totalLines, 1);
  await t.throwsAsync(readFileTool.handler({ path: "past.txt" }, ctx), { instanceOf: ToolError, message: /limit/ });
});

test("paths outside the workspace are refused: dot-dot, absolute, and symlinks pointing out", async (t) => {
  const ctx = workspace(t, { "inside.txt": "in" });
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), "cody-read-out-"));
  t.teardown(() => fs.rmSync(outside, { recursive: true, force: true }));
  fs.writeFileSync(path.join(outside, "secret.txt"), "secret");
  fs.symlinkSync(path.join(outside, "secret.txt"), path.join(ctx.workspaceRoot, "file-link"));
  fs.symlinkSync(outside, path.join(ctx.workspaceRoot, "dir-link"));
  for (const p of ["../x", path.join(outside, "secret.txt"), "file-link", "dir-link/secret.txt"]) {
    await t.throwsAsync(readFileTool.handler({ path: p }, ctx), { instanceOf: PathOutsideWorkspaceError }, p);
  }
});

test("a symlink inside the workspace pointing inside is read through", async (t) => {
  const ctx = workspace(t, { "real/a.txt": "via link" });
  fs.symlinkSync("real/a.txt", path.join(ctx.workspaceRoot, "link.txt"));
  const r = await readFileTool.handler({ path: "link.txt" }, ctx);
  t.is(r.content, "via link");
  t.is(r.path, "real/a.txt");
});

test("an aborted call ends with AbortedError", async (t) => {
  const ctx = workspace(t, { "a.txt": "a" });
  const controller = new AbortController();
  controller.abort();
  await t.throwsAsync(readFileTool.handler({ path: "a.txt" }, { ...ctx, signal: controller.signal }), {
    instanceOf: AbortedError,
  });
});

test("a small file is read without leaving the turn; one past SYNC_READ_MAX_BYTES goes through the thread pool, whole", async (t) => {
  const lines = (bytes: number): string => `${"x".repeat(63)}\n`.repeat(bytes / 64);
  const ctx = workspace(t, { "at.txt": lines(SYNC_READ_MAX_BYTES), "past.txt": `${lines(SYNC_READ_MAX_BYTES)}y` });
  t.is(SYNC_READ_MAX_BYTES, 256 * 1024);
  // Which settles first: the read, or a turn of the event loop queued beside it.
  const race = async (file: string): Promise<[string, number]> => {
    let first: string | undefined;
    setImmediate(() => (first ??= "turn"));
    const result = await readFileTool.handler({ path: file }, ctx);
    first ??= "read";
    return [first, result.content.length];
  };
  t.deepEqual(await race("at.txt"), ["read", SYNC_READ_MAX_BYTES]);
  t.deepEqual(await race("past.txt"), ["turn", SYNC_READ_MAX_BYTES + 1]);
});
