import test from "ava";
import { generateToolsDts, renderToolsDts, TypeChecker } from "../../src/compiler/index.js";
import { sha256 } from "../../src/hash.js";
import { BUILTIN_SPECS } from "../../src/tools/index.js";
import { SPECS_WITH_MCP } from "./helpers.js";

test("the generated .d.ts is byte-for-byte deterministic and its hash is the sha256 of its text", async (t) => {
  const a = await renderToolsDts(SPECS_WITH_MCP);
  const b = await renderToolsDts(structuredClone(SPECS_WITH_MCP));
  t.is(a.text, b.text);
  t.is(a.hash, b.hash);
  t.is(a.hash, sha256(a.text));
  t.regex(a.hash, /^[0-9a-f]{64}$/);
});

test("generateToolsDts memoizes by the specs' JSON and returns the same text as an uncached render", async (t) => {
  const first = await generateToolsDts(BUILTIN_SPECS);
  const again = await generateToolsDts(structuredClone([...BUILTIN_SPECS]));
  t.is(first, again);
  t.is(first.text, (await renderToolsDts(BUILTIN_SPECS)).text);
});

test("a changed description changes the text and the hash", async (t) => {
  const base = await renderToolsDts(BUILTIN_SPECS);
  const changed = await renderToolsDts(BUILTIN_SPECS.map((s) => (s.name === "exec" ? { ...s, description: "Different." } : s)));
  t.not(base.hash, changed.hash);
  t.true(changed.text.includes("Different."));
});

test("MCP tools named mcp.<server>.<tool> become nested objects with quoted keys, in both tools and tools.spawn", async (t) => {
  const { text } = await renderToolsDts(SPECS_WITH_MCP);
  t.regex(text, /readonly mcp: \{\n\s+readonly "my-server": \{/);
  t.regex(text, /"echo-text"\(args: McpMyServerEchoTextArgs\): Promise<McpMyServerEchoTextResult>;/);
  t.regex(text, /"echo-text"\(args: McpMyServerEchoTextArgs\): SpawnHandle<McpMyServerEchoTextResult>;/);
  t.regex(text, /readonly everything: \{/);
  // A tool without a result schema returns unknown rather than an empty object type.
  t.regex(text, /type McpEverythingAddResult = unknown;/);
});

test("the .d.ts declares tools, spawn handles, ToolError, ApprovalDeniedError and console, with JSDoc from descriptions", async (t) => {
  const { text } = await renderToolsDts(BUILTIN_SPECS);
  t.regex(text, /declare const tools: \{/);
  t.regex(text, /readFile\(args: ReadFileArgs\): Promise<ReadFileResult>;/);
  t.regex(text, /interface SpawnHandle<T> \{[\s\S]*readonly id: string;[\s\S]*status\(\): "running" \| "ok" \| "error" \| "aborted";[\s\S]*result\(\): Promise<T>;/);
  t.regex(text, /declare class ToolError extends Error \{[\s\S]*readonly tool: string;[\s\S]*readonly code: string;[\s\S]*readonly details: unknown;/);
  t.regex(text, /declare class ApprovalDeniedError extends ToolError \{\}/);
  t.regex(text, /declare const console: \{[\s\S]*log\(\.\.\.args: unknown\[\]\): void;[\s\S]*debug\(/);
  t.true(text.includes("* Read a text file from the workspace"));
});

test("scripts type-check against nested MCP tools and spawn handles through the generated declarations", async (t) => {
  const dts = await renderToolsDts(SPECS_WITH_MCP);
  const checker = new TypeChecker(dts.text);
  t.teardown(() => checker.close());
  const good = [
    'const e = await tools.mcp["my-server"]["echo-text"]({ text: "hi" });',
    "const s: string = e.echoed;",
    "const h = tools.spawn.mcp.everything.add({ a: 1, b: 2 });",
    'const st: "running" | "ok" | "error" | "aborted" = h.status();',
    "const sum: unknown = await h.result();",
    "try { await tools.exec({ command: ['true'] }); } catch (err) { if (err instanceof ApprovalDeniedError) console.warn(err.tool, err.code); }",
    "return { s, st, sum, id: h.id };",
  ].join("\n");
  t.deepEqual(checker.check([{ filename: "good.ts", source: good }]), []);
  const bad = 'await tools.mcp["my-server"]["echo-text"]({ text: 1 });\nreturn 1;';
  const diags = checker.check([{ filename: "bad.ts", source: bad }]);
  t.is(diags.length, 1);
  t.is(diags[0]?.line, 1);
  t.is(diags[0]?.code, 2322);
});

test("nested schemas with the same title but different shapes in two tools are inlined instead of clashing", async (t) => {
  const mk = (name: string, prop: string): (typeof BUILTIN_SPECS)[number] => ({
    name,
    description: name,
    risk: "read-only",
    argsSchema: {
      type: "object",
      properties: { item: { title: "Item", type: "object", properties: { [prop]: { type: "string" } }, required: [prop] } },
      required: ["item"],
    },
    resultSchema: { type: "string" },
  });
  const dts = await renderToolsDts([mk("one", "alpha"), mk("two", "beta")]);
  const checker = new TypeChecker(dts.text);
  t.teardown(() => checker.close());
  const src = 'await tools.one({ item: { alpha: "a" } });\nawait tools.two({ item: { beta: "b" } });\nreturn 0;';
  t.deepEqual(checker.check([{ filename: "x.ts", source: src }]), []);
});

test("with cacheDir the declarations are stored on disk and a fresh process reads them back from there", async (t) => {
  const { mkdtempSync, readdirSync, rmSync, writeFileSync } = await import("node:fs");
  const { spawnSync } = await import("node:child_process");
  const os = await import("node:os");
  const path = await import("node:path");
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-dts-cache-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const specs = [{ ...BUILTIN_SPECS[0]!, description: `cache test ${dir}` }];
  const first = await generateToolsDts(specs, { cacheDir: dir });
  const files = readdirSync(dir);
  t.is(files.length, 1);
  t.regex(files[0] ?? "", /^tools-[0-9a-f]{32}\.d\.ts$/);
  t.is(first.text, (await renderToolsDts(specs)).text);
  // Tamper with the cached file: a fresh process must return the tampered text, proving it read the disk.
  writeFileSync(path.join(dir, files[0]!), first.text + "// from disk\n");
  const entry = new URL("../../src/compiler/index.js", import.meta.url).href;
  const code = `const { generateToolsDts } = await import(${JSON.stringify(entry)});
    const r = await generateToolsDts(JSON.parse(process.env.SPECS), { cacheDir: process.env.DIR });
    process.stdout.write(String(r.text.endsWith("// from disk\\n")));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    encoding: "utf8",
    env: { ...process.env, SPECS: JSON.stringify(specs), DIR: dir },
  });
  t.is(r.stdout, "true", r.stderr);
});
