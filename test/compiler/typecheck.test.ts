import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { generateToolsDts, TypeChecker, TypeCheckerError } from "../../src/compiler/index.js";
import { BUILTIN_SPECS } from "../../src/tools/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));

async function checker(t: { teardown(fn: () => void): void }): Promise<TypeChecker> {
  const dts = await generateToolsDts(BUILTIN_SPECS);
  const c = new TypeChecker(dts.text);
  t.teardown(() => c.close());
  return c;
}

test("a type error is reported at its line and column in the user's file, not the wrapper's", async (t) => {
  const c = await checker(t);
  const src = 'const r = await tools.readFile({ path: "a" });\n\nconst n: number = r.content;\nreturn n;\n';
  const [d, ...rest] = c.check([{ filename: "dir/script.ts", source: src }]);
  t.is(rest.length, 0);
  t.like(d, { file: "dir/script.ts", line: 3, column: 7, endLine: 3, endColumn: 8, code: 2322, category: "error" });
});

test("columns count UTF-16 units after non-ASCII text, and CRLF or a BOM do not move positions", async (t) => {
  const c = await checker(t);
  const src = '\ufeffconst é = "ü"; const x: number = "s";\r\nconst y: string = 1;\r\nreturn [x, y, é];';
  const diags = c.check([{ filename: "u.ts", source: src }]);
  t.deepEqual(
    diags.map((d) => [d.line, d.column]),
    [
      [1, 22],
      [2, 7],
    ],
  );
});

for (const [name, src, pattern] of [
  ["require", 'const fs = require("fs");\nreturn 1;', /`require` is not available in Cody scripts/],
  ["process", "return process.env;", /`process` is not available in Cody scripts/],
  ["module", "module.exports = 1;\nreturn 1;", /`module` is not available in Cody scripts/],
  ["an import statement", 'import fs from "fs";\nreturn fs;', /Import declarations are not available in Cody scripts/],
  ["a dynamic import()", 'const m = await import("node:fs");\nreturn m;', /Dynamic import\(\) is not available in Cody scripts/],
  ["setTimeout", "setTimeout(() => {}, 1);\nreturn 1;", /`setTimeout` is not available in Cody scripts/],
  ["an export", "export const x = 1;\nreturn x;", /`export` is not available in Cody scripts/],
] as const) {
  test(`using ${name} is an error with a clear message on the right line`, async (t) => {
    const c = await checker(t);
    const diags = c.check([{ filename: "f.ts", source: src }]);
    t.true(diags.length >= 1, JSON.stringify(diags));
    t.is(diags[0]?.line, 1);
    t.is(diags[0]?.category, "error");
    t.regex(diags[0]?.message ?? "", pattern);
    // One clear diagnostic per forbidden use, not a pile of follow-ups (e.g. "Cannot find module 'node:fs'").
    t.is(diags.length, 1, JSON.stringify(diags));
  });
}

test("DOM globals are not declared either", async (t) => {
  const c = await checker(t);
  const diags = c.check([{ filename: "d.ts", source: "return document.title;" }]);
  t.is(diags.length, 1);
  t.regex(diags[0]?.message ?? "", /`document` is not available/);
});

test("a warm re-check of a changed script sees the change (error, then fixed, then broken again)", async (t) => {
  const c = await checker(t);
  const bad = 'const r = await tools.readFile({ path: "a" });\nconst n: number = r.content;\nreturn n;';
  const good = bad.replace("number", "string");
  t.is(c.check([{ filename: "w.ts", source: bad }]).length, 1);
  t.is(c.check([{ filename: "w.ts", source: good }]).length, 0);
  t.is(c.check([{ filename: "w.ts", source: good }]).length, 0);
  t.is(c.check([{ filename: "w.ts", source: bad }]).length, 1);
});

test("many files are checked in one program, each diagnostic attributed to its own file, and scripts do not see each other", async (t) => {
  const c = await checker(t);
  const files = Array.from({ length: 12 }, (_, i) => ({
    filename: `s${i}.ts`,
    // Every script declares the same names: they must not clash across files.
    source: i % 4 === 0 ? `const x: number = "${i}";\nreturn x;` : `const x = ${i};\nreturn x;`,
  }));
  const diags = c.check(files);
  t.deepEqual(
    diags.map((d) => d.file),
    ["s0.ts", "s4.ts", "s8.ts"],
  );
  // A smaller batch afterwards reuses the slots and reports only its own files.
  t.deepEqual(c.check([{ filename: "only.ts", source: "return 1;" }]), []);
});

test("syntax errors are reported (and semantic noise on an unparsable file is not)", async (t) => {
  const c = await checker(t);
  const diags = c.check([{ filename: "s.ts", source: "const a = ;\nconst b: number = 'x';\nreturn a;" }]);
  t.true(diags.length >= 1);
  t.is(diags[0]?.line, 1);
  t.true(diags.every((d) => d.code < 2000), JSON.stringify(diags));
});

test("an unclosed brace is reported inside the user's file, not past its end", async (t) => {
  const c = await checker(t);
  const diags = c.check([{ filename: "b.ts", source: "if (true) {\n  console.log(1);\nreturn 1;" }]);
  t.true(diags.length >= 1);
  for (const d of diags) t.true(d.line >= 1 && d.line <= 3, JSON.stringify(d));
});

test("setToolsDts swaps the declarations for later checks", async (t) => {
  const c = await checker(t);
  t.is(c.check([{ filename: "n.ts", source: "return await tools.fresh({});" }]).length, 1);
  c.setToolsDts("declare const tools: { fresh(args: {}): Promise<number> };\ndeclare const console: { log(...a: unknown[]): void };");
  t.deepEqual(c.check([{ filename: "n.ts", source: "return await tools.fresh({});" }]), []);
});

test("a closed checker refuses to check", async (t) => {
  const c = await checker(t);
  c.check([{ filename: "a.ts", source: "return 1;" }]);
  c.close();
  c.close();
  t.throws(() => c.check([{ filename: "a.ts", source: "return 1;" }]), { instanceOf: TypeCheckerError });
});

test("a process that used a checker exits on its own even without close(), and prints nothing to stderr on close()", (t) => {
  const entry = path.resolve(here, "../../src/compiler/index.js");
  const code = (close: boolean): string => `
    const { TypeChecker } = await import(${JSON.stringify(entry)});
    const c = new TypeChecker("declare const tools: {};");
    const d = c.check([{ filename: "a.ts", source: "const x: number = 's';\\nreturn x;" }]);
    process.stdout.write(String(d.length));
    ${close ? "c.close();" : ""}`;
  for (const close of [false, true]) {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", code(close)], { encoding: "utf8", timeout: 30_000 });
    t.is(r.status, 0, r.stderr);
    t.is(r.stdout, "1");
    t.is(r.stderr, "");
  }
});

test("chained messages are joined like tsc: the head, then each reason indented one level deeper", async (t) => {
  const c = await checker(t);
  const src = "const r = await tools.exec({ command: ['ls'] });\nconst z: { exitCode: number } = r;\nreturn z;";
  const [d] = c.check([{ filename: "chain.ts", source: src }]);
  t.is(
    d?.message,
    [
      "Type 'ExecResult' is not assignable to type '{ exitCode: number; }'.",
      "  Types of property 'exitCode' are incompatible.",
      "    Type 'number | null' is not assignable to type 'number'.",
      "      Type 'null' is not assignable to type 'number'.",
    ].join("\n"),
  );
});

/** Live (not zombie) child processes of this process, from /proc (Linux). */
function liveChildren(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === process.pid && fields[0] !== "Z") out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

// Serial: ava runs serial tests before the concurrent ones, so no other test starts children meanwhile.
test.serial("the checker starts one tsgo child on first use and close() ends it", async (t) => {
  const before = new Set(liveChildren());
  const c = await checker(t);
  t.deepEqual(liveChildren().filter((p) => !before.has(p)), []);
  c.check([{ filename: "a.ts", source: "return 1;" }]);
  const started = liveChildren().filter((p) => !before.has(p));
  t.is(started.length, 1);
  c.close();
  for (let i = 0; i < 200 && liveChildren().includes(started[0]!); i++) await new Promise((r) => setTimeout(r, 10));
  t.false(liveChildren().includes(started[0]!));
});

test.serial("if the tsgo child dies, the next check starts a fresh one and still answers correctly", async (t) => {
  const before = new Set(liveChildren());
  const c = await checker(t);
  t.is(c.check([{ filename: "a.ts", source: "const n: number = 's';\nreturn n;" }]).length, 1);
  const [child] = liveChildren().filter((p) => !before.has(p));
  t.truthy(child);
  process.kill(child!, "SIGKILL");
  for (let i = 0; i < 200 && liveChildren().includes(child!); i++) await new Promise((r) => setTimeout(r, 10));
  const diags = c.check([{ filename: "a.ts", source: "const n: number = 's';\nreturn n;" }]);
  t.is(diags.length, 1);
  t.is(diags[0]?.code, 2322);
  t.deepEqual(c.check([]), []);
});

test("scripts cannot reach real files through type-level imports: the checker sees only its virtual files", async (t) => {
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const os = await import("node:os");
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-secret-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "secret.ts"), 'export const secret = "hunter2-xyz";\n');
  const c = await checker(t);
  const src = `type T = typeof import(${JSON.stringify(path.join(dir, "secret"))});\nconst x: T = 1;\nreturn x;`;
  const diags = c.check([{ filename: "probe.ts", source: src }]);
  t.is(diags.length, 1);
  t.is(diags[0]?.code, 2307);
  t.false(JSON.stringify(diags).includes("hunter2"));
});
