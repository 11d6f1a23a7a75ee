import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import test from "ava";
import { isBlank, readScriptFile, validateScriptSource } from "../../src/compiler/index.js";
import { ScriptEmptyError, ScriptEncodingError, ScriptReadError, ScriptTooLargeError } from "../../src/errors/index.js";
import { tempDir } from "./helpers.js";

/** A valid script of exactly `bytes` UTF-8 bytes: a statement, then a comment padded to size. */
const fill = (bytes: number): string => "return 1;\n// " + "a".repeat(bytes - 14) + "\n";

test("a script of exactly 20480 bytes is accepted and one byte more is refused with size and limit", async (t) => {
  const dir = tempDir(t);
  const ok = fill(20480);
  t.is(Buffer.byteLength(ok), 20480);
  writeFileSync(path.join(dir, "ok.ts"), ok);
  t.is((await readScriptFile(path.join(dir, "ok.ts"))).bytes, 20480);
  t.is(validateScriptSource(ok, "ok.ts").bytes, 20480);
  const big = fill(20481);
  writeFileSync(path.join(dir, "big.ts"), big);
  const e = await t.throwsAsync(readScriptFile(path.join(dir, "big.ts"), {}, "big.ts"), { instanceOf: ScriptTooLargeError });
  t.deepEqual([e?.details["size"], e?.details["limit"]], [20481, 20480]);
  t.regex(e?.message ?? "", /big\.ts: script is 20\.0 KB \(20481 bytes\), over the 20 KB limit/);
  const e2 = t.throws(() => validateScriptSource(big, "big.ts"), { instanceOf: ScriptTooLargeError });
  t.is(e2?.details["size"], 20481);
});

test("the size limit counts UTF-8 bytes and follows limits.maxSourceBytes", (t) => {
  t.is(validateScriptSource("return 'é';", "u.ts", { maxSourceBytes: 12 }).bytes, 12);
  t.throws(() => validateScriptSource("return 'éé';", "u.ts", { maxSourceBytes: 12 }), { instanceOf: ScriptTooLargeError });
});

test("a missing file and a directory are read errors that say which", async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, "sub"));
  const missing = await t.throwsAsync(readScriptFile(path.join(dir, "nope.ts"), {}, "nope.ts"), { instanceOf: ScriptReadError });
  t.regex(missing?.message ?? "", /nope\.ts: cannot read script: no such file/);
  const isDir = await t.throwsAsync(readScriptFile(path.join(dir, "sub"), {}, "sub"), { instanceOf: ScriptReadError });
  t.regex(isDir?.message ?? "", /is a directory/);
});

test("binary content and invalid UTF-8 are encoding errors", async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, "bin.ts"), Buffer.from([0x72, 0x65, 0x00, 0x74]));
  writeFileSync(path.join(dir, "latin1.ts"), Buffer.from([0x72, 0x65, 0x74, 0xe9, 0x0a]));
  await t.throwsAsync(readScriptFile(path.join(dir, "bin.ts")), { instanceOf: ScriptEncodingError, message: /binary/ });
  await t.throwsAsync(readScriptFile(path.join(dir, "latin1.ts")), { instanceOf: ScriptEncodingError, message: /not valid UTF-8/ });
  t.throws(() => validateScriptSource("return 1;\0", "s.ts"), { instanceOf: ScriptEncodingError });
});

test("empty, whitespace-only and comment-only scripts are refused as empty", (t) => {
  for (const text of ["", "   \n\t\n", "// nothing\n/* still nothing */\n", "\ufeff"]) {
    t.throws(() => validateScriptSource(text, "e.ts"), { instanceOf: ScriptEmptyError, message: /empty/ });
  }
  t.false(isBlank("/* open comment"));
  t.false(isBlank("// c\nreturn 1;"));
});

test("the source is normalized: BOM stripped and CRLF turned into LF", (t) => {
  t.is(validateScriptSource("\ufeffconst a = 1;\r\nreturn a;\r\n", "n.ts").source, "const a = 1;\nreturn a;\n");
});
