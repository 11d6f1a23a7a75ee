import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AbortedError, PathOutsideWorkspaceError, ToolArgumentError, ToolError } from "../../src/errors/index.js";
import { createGlobTool, GLOB_MAX_RESULTS, globTool } from "../../src/tools/handlers/glob.js";
import { workspace } from "./helpers.js";


const tree = {
  "a.ts": "",
  "b.js": "",
  "src/main.ts": "",
  "src/util/strings.ts": "",
  "src/util/strings.test.ts": "",
  "src/readme.md": "",
  ".hidden/secret.ts": "",
  ".gitignore": "dist/\n",
  "dist/out.ts": "",
  "src/.gitignore": "*.test.ts\n",
};

test("a globstar pattern finds files at every depth, in tree order, honouring nested .gitignore files", async (t) => {
  const ctx = workspace(t, tree);
  t.deepEqual(await globTool.handler({ pattern: "**/*.ts" }, ctx), {
    paths: ["a.ts", "src/main.ts", "src/util/strings.ts"],
    truncated: false,
  });
});

test("a single star stays in its directory", async (t) => {
  const ctx = workspace(t, tree);
  t.deepEqual((await globTool.handler({ pattern: "*.ts" }, ctx)).paths, ["a.ts"]);
  t.deepEqual((await globTool.handler({ pattern: "src/*" }, ctx)).paths, ["src/main.ts", "src/readme.md"]);
});

test("braces, a static base and a leading ./ work as in picomatch", async (t) => {
  const ctx = workspace(t, tree);
  t.deepEqual((await globTool.handler({ pattern: "*.{ts,js}" }, ctx)).paths, ["a.ts", "b.js"]);
  t.deepEqual((await globTool.handler({ pattern: "src/util/**" }, ctx)).paths, ["src/util/strings.ts"]);
  t.deepEqual((await globTool.handler({ pattern: "./src/*.ts" }, ctx)).paths, ["src/main.ts"]);
});

test("a pattern without wildcards matches that one file when it exists", async (t) => {
  const ctx = workspace(t, tree);
  t.deepEqual((await globTool.handler({ pattern: "src/main.ts" }, ctx)).paths, ["src/main.ts"]);
  t.deepEqual((await globTool.handler({ pattern: "src/nope.ts" }, ctx)).paths, []);
  t.deepEqual((await globTool.handler({ pattern: "nope/**/*.ts" }, ctx)).paths, []);
});

test("dotfiles and dot directories match only when the pattern names the dot", async (t) => {
  const ctx = workspace(t, tree);
  t.false((await globTool.handler({ pattern: "**/*" }, ctx)).paths.some((p) => p.includes("/.") || p.startsWith(".")));
  t.deepEqual((await globTool.handler({ pattern: ".hidden/*.ts" }, ctx)).paths, [".hidden/secret.ts"]);
  t.deepEqual((await globTool.handler({ pattern: ".gitignore" }, ctx)).paths, [".gitignore"]);
});

test("cwd makes the pattern relative to a subdirectory while results stay relative to the root", async (t) => {
  const ctx = workspace(t, tree);
  t.deepEqual((await globTool.handler({ pattern: "**/*.ts", cwd: "src" }, ctx)).paths, [
    "src/main.ts",
    "src/util/strings.ts",
  ]);
  t.deepEqual((await globTool.handler({ pattern: "*.ts", cwd: "src/util" }, ctx)).paths, ["src/util/strings.ts"]);
});

test("absolute, dot-dot, negated and empty patterns are invalid arguments naming the pattern", async (t) => {
  const ctx = workspace(t, tree);
  for (const pattern of ["/etc/*", "../*", "src/../../x", "!*.ts", ""]) {
    const e = await t.throwsAsync(globTool.handler({ pattern }, ctx), { instanceOf: ToolArgumentError }, pattern);
    t.is(e?.details["pattern"], pattern);
  }
});

test("a cwd outside the workspace is refused and a missing cwd is a ToolError", async (t) => {
  const ctx = workspace(t, tree);
  await t.throwsAsync(globTool.handler({ pattern: "*", cwd: ".." }, ctx), { instanceOf: PathOutsideWorkspaceError });
  await t.throwsAsync(globTool.handler({ pattern: "*", cwd: "/" }, ctx), { instanceOf: PathOutsideWorkspaceError });
  await t.throwsAsync(globTool.handler({ pattern: "*", cwd: "missing" }, ctx), { instanceOf: ToolError });
});

test("symlinked files count only when they lead inside; symlinked directories are not entered", async (t) => {
  const ctx = workspace(t, { "real/a.ts": "" });
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), "cody-glob-out-"));
  t.teardown(() => fs.rmSync(outside, { recursive: true, force: true }));
  fs.writeFileSync(path.join(outside, "secret.ts"), "");
  fs.symlinkSync(path.join(outside, "secret.ts"), path.join(ctx.workspaceRoot, "out.ts"));
  fs.symlinkSync(outside, path.join(ctx.workspaceRoot, "out-dir"));
  fs.symlinkSync("real/a.ts", path.join(ctx.workspaceRoot, "in.ts"));
  fs.symlinkSync("real", path.join(ctx.workspaceRoot, "in-dir"));
  t.deepEqual((await globTool.handler({ pattern: "**/*.ts" }, ctx)).paths, ["in.ts", "real/a.ts"]);
  t.deepEqual((await globTool.handler({ pattern: "out-dir/*.ts" }, ctx)).paths, []);
});

test("the result cap keeps exactly that many paths and sets truncated only past it", async (t) => {
  const ctx = workspace(t, { "1.txt": "", "2.txt": "", "3.txt": "" });
  const atCap = await createGlobTool({ maxResults: 3 }).handler({ pattern: "*.txt" }, ctx);
  t.deepEqual(atCap, { paths: ["1.txt", "2.txt", "3.txt"], truncated: false });
  const pastCap = await createGlobTool({ maxResults: 2 }).handler({ pattern: "*.txt" }, ctx);
  t.deepEqual(pastCap, { paths: ["1.txt", "2.txt"], truncated: true });
  t.is(GLOB_MAX_RESULTS, 10_000);
});

test("an aborted call ends with AbortedError", async (t) => {
  const ctx = workspace(t, tree);
  const controller = new AbortController();
  controller.abort();
  await t.throwsAsync(globTool.handler({ pattern: "**" }, { ...ctx, signal: controller.signal }), {
    instanceOf: AbortedError,
  });
});

test("a pattern whose base is a symlinked directory inside the workspace matches through it", async (t) => {
  const ctx = workspace(t, { "real/a.ts": "", "real/deep/b.ts": "" });
  fs.symlinkSync("real", path.join(ctx.workspaceRoot, "alias"));
  t.deepEqual((await globTool.handler({ pattern: "alias/**/*.ts" }, ctx)).paths, ["real/a.ts", "real/deep/b.ts"]);
  t.deepEqual((await globTool.handler({ pattern: "*.ts", cwd: "alias" }, ctx)).paths, ["real/a.ts"]);
});

// picomatch's V8 regex for this pattern backtracks polynomially (degree 12): over a 40-character name it did not
// finish in 10 s, holding the event loop. In RE2 it is linear, so both calls return at once.
const HOSTILE_GLOB = "*a*a*a*a*a*a*a*a*a*a*a*a*b";

test("a glob that backtracks in V8 returns promptly: paths are matched in RE2", async (t) => {
  const ctx = workspace(t, { ["a".repeat(40)]: "", [`${"a".repeat(39)}b`]: "", [`dir/${"a".repeat(40)}`]: "" });
  t.deepEqual((await globTool.handler({ pattern: HOSTILE_GLOB }, ctx)).paths, [`${"a".repeat(39)}b`]);
  t.deepEqual((await globTool.handler({ pattern: `**/${HOSTILE_GLOB}` }, ctx)).paths, [`${"a".repeat(39)}b`]);
});

test("an extglob negation needs a lookahead RE2 lacks: refused naming the construct", async (t) => {
  const ctx = workspace(t, tree);
  for (const pattern of ["!(a).ts", "src/*/!(x)/*.ts", "@(a|!(b))"]) {
    const e = await t.throwsAsync(globTool.handler({ pattern }, ctx), { instanceOf: ToolArgumentError }, pattern);
    t.is(e?.details["pattern"], pattern);
    t.is(e?.details["construct"], "an extglob negation `!(…)`");
    t.regex(e?.message ?? "", /extglob negation `!\(…\)`.*RE2/);
  }
  // The other extglobs need no lookahead and still work.
  t.deepEqual((await globTool.handler({ pattern: "@(a|b).+(t|s)" }, ctx)).paths, ["a.ts"]);
});
