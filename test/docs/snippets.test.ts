/**
 * Every published example compiles and runs: each ```` ```ts ```` block of README.md and docs/*.md is type-checked as a
 * script by the real harness (all of them, and the examples/ scripts, in ONE check call), blocks marked `run` are
 * also executed in a seeded temporary workspace and must return ok, and blocks marked `expect-error` must fail the
 * check. Blocks that are not complete scripts belong in ```` ```typescript ```` or ```` ```text ```` fences.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { validateScriptSource, type Diagnostic } from "../../src/compiler/index.js";
import { createHarness, type Harness } from "../../src/harness.js";
import { extractTsBlocks, type TsBlock } from "./extract.js";

const require = createRequire(import.meta.url);

/** The repository root: the nearest ancestor of this file holding this package's package.json. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "cody-script-harness") {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the repository root from the docs test");
    dir = parent;
  }
}

const ROOT = repoRoot();

/** The files `run` blocks find in their workspace (rewritten before each block, so blocks cannot affect each other). */
const FIXTURE_FILES: Readonly<Record<string, string>> = {
  "README.md": "# Demo\n\nA colour demo.\n",
  "package.json": '{ "name": "demo", "version": "1.0.0", "scripts": { "build": "node -e 0", "test": "node -e 0" } }\n',
  "src/greet.ts": 'export function greet(name: string) {\n  // TODO: localise\n  return "Hello " + name;\n}\n',
  "src/util.ts": "// FIXME: handle empty input\nexport const trim = (s: string): string => s.trim();\n",
  "docs/guide.md": "The colour of the sky.\n",
};

/** server-everything from node_modules, so `tools.mcp.everything.*` blocks check and run without a network. */
const EVERYTHING_ENTRY = path.join(
  path.dirname(require.resolve("@modelcontextprotocol/server-everything/package.json")),
  "dist",
  "index.js",
);

/** Markdown files whose ```ts blocks are published examples: the README and every page in docs/. */
function markdownFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs];
}

function exampleFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs)
    .filter((name) => name.endsWith(".ts"))
    .sort()
    .map((name) => `${dir}/${name}`);
}

const blocks: TsBlock[] = markdownFiles().flatMap((file) => extractTsBlocks(readFileSync(path.join(ROOT, file), "utf8"), file));
const examples = exampleFiles("examples");
const brokenExamples = exampleFiles("examples/broken");

/** The file name a block is checked and run under (shown in diagnostics and stacks). */
const blockName = (b: TsBlock): string => `${b.file}:${b.line}.ts`;

// One workspace and one harness for the whole file: checking needs the MCP server's types, running needs its tools.
const workspace = mkdtempSync(path.join(os.tmpdir(), "cody-docs-ws-"));
const dbDir = mkdtempSync(path.join(os.tmpdir(), "cody-docs-db-"));
let harnessPromise: Promise<Harness> | undefined;

function harness(): Promise<Harness> {
  harnessPromise ??= createHarness({
    cwd: workspace,
    dbPath: path.join(dbDir, "cache.db"),
    config: { mcpServers: { everything: { command: process.execPath, args: [EVERYTHING_ENTRY, "stdio"] } } },
    pool: { workers: 1, vmsPerWorker: 1 },
    policy: { dangerouslyApproveAll: true },
    // A loaded test machine can make a child process slow to start; the docs test is about behaviour, not speed.
    limits: { timeoutMs: 30_000 },
  });
  return harnessPromise;
}

test.after.always(async () => {
  if (harnessPromise) await (await harnessPromise.catch(() => undefined))?.close();
  rmSync(workspace, { recursive: true, force: true });
  rmSync(dbDir, { recursive: true, force: true });
});

interface CheckOutcome {
  /** Diagnostics per checked file name. */
  diagnostics: Map<string, Diagnostic[]>;
  /** Files refused before checking (empty, too large, binary), with the error message. */
  inputErrors: Map<string, string>;
}

let checkPromise: Promise<CheckOutcome> | undefined;

/** Type-check every block and every example in ONE `harness.check` call (one program), memoized for all tests. */
function checkAll(): Promise<CheckOutcome> {
  checkPromise ??= (async () => {
    const h = await harness();
    const inputs = [
      ...blocks.map((b) => ({ filename: blockName(b), source: b.source })),
      ...[...examples, ...brokenExamples].map((file) => ({ filename: file, source: readFileSync(path.join(ROOT, file), "utf8") })),
    ];
    const inputErrors = new Map<string, string>();
    const valid = inputs.filter((input) => {
      try {
        validateScriptSource(input.source, input.filename, h.limits);
        return true;
      } catch (error) {
        inputErrors.set(input.filename, error instanceof Error ? error.message : String(error));
        return false;
      }
    });
    const diagnostics = new Map<string, Diagnostic[]>(valid.map((input) => [input.filename, []]));
    for (const d of await h.check(valid)) diagnostics.get(d.file)?.push(d);
    return { diagnostics, inputErrors };
  })();
  return checkPromise;
}

/** Errors of one checked file, as tsc-like lines for assertion messages. */
async function errorsOf(filename: string): Promise<{ input?: string; errors: string[] }> {
  const outcome = await checkAll();
  const input = outcome.inputErrors.get(filename);
  if (input !== undefined) return { input, errors: [] };
  const errors = (outcome.diagnostics.get(filename) ?? [])
    .filter((d) => d.category === "error")
    .map((d) => `${d.file}(${d.line},${d.column}): TS${d.code}: ${d.message}`);
  return { errors };
}

/** Put the workspace back to exactly the fixture files. */
function resetWorkspace(): void {
  for (const entry of readdirSync(workspace)) rmSync(path.join(workspace, entry), { recursive: true, force: true });
  for (const [rel, content] of Object.entries(FIXTURE_FILES)) {
    const abs = path.join(workspace, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
}

// Run blocks share one workspace, so they run one at a time, each from a fresh copy of the fixtures.
let runQueue: Promise<unknown> = Promise.resolve();
function runExclusive<T>(fn: () => Promise<T>): Promise<T> {
  const next = runQueue.then(fn, fn);
  runQueue = next.catch(() => undefined);
  return next;
}

const KNOWN_FLAGS = new Set(["run", "expect-error"]);

test("the docs contain ts blocks to test, and the README's and the authoring guide's are among them", (t) => {
  const files = new Set(blocks.map((b) => b.file));
  t.true(files.has("README.md"), "README.md has no ```ts block");
  t.true(files.has("docs/script-harness.md"), "docs/script-harness.md has no ```ts block");
  t.true(blocks.some((b) => b.flags.includes("run")), "no block is marked `run`");
  t.true(examples.length > 0, "examples/*.ts is empty");
  t.true(brokenExamples.length > 0, "examples/broken/*.ts is empty");
});

for (const block of blocks) {
  const where = `${block.file} line ${block.line}`;
  const unknown = block.flags.filter((f) => !KNOWN_FLAGS.has(f));

  test(`the ts block at ${where} is closed and uses only known info-string flags`, (t) => {
    t.true(block.closed, `${where}: the file ends before the block's closing fence`);
    t.deepEqual(unknown, [], `${where}: unknown flags after \`ts\` (known: run, expect-error)`);
    t.false(block.flags.includes("run") && block.flags.includes("expect-error"), `${where}: a block cannot both run and fail the check`);
  });

  if (block.flags.includes("expect-error")) {
    test(`the ts expect-error block at ${where} is rejected by the type-checker`, async (t) => {
      const { input, errors } = await errorsOf(blockName(block));
      t.is(input, undefined, `${where} was refused before checking: ${input ?? ""}`);
      t.true(errors.length > 0, `${where} is marked expect-error but type-checks cleanly`);
    });
    continue;
  }

  test(`the ts block at ${where} type-checks cleanly as a complete script`, async (t) => {
    const { input, errors } = await errorsOf(blockName(block));
    t.is(input, undefined, `${where} was refused before checking: ${input ?? ""}`);
    t.deepEqual(errors, [], `${where} has type errors (a block that is not a complete script belongs in a \`\`\`typescript or \`\`\`text fence)`);
  });

  if (block.flags.includes("run")) {
    test(`the ts run block at ${where} runs in a seeded workspace and returns ok`, async (t) => {
      const h = await harness();
      const result = await runExclusive(async () => {
        resetWorkspace();
        return h.run({ source: block.source, filename: blockName(block) });
      });
      t.log(`value: ${JSON.stringify(result.value)}`);
      t.true(result.ok, `${where} failed: ${JSON.stringify(result.error)}`);
      t.is(result.error, undefined);
    });
  }
}

for (const file of examples) {
  test(`the example ${file} type-checks cleanly`, async (t) => {
    const { input, errors } = await errorsOf(file);
    t.is(input, undefined, `${file} was refused before checking: ${input ?? ""}`);
    t.deepEqual(errors, [], `${file} has type errors`);
  });
}

for (const file of brokenExamples) {
  test(`the deliberately broken example ${file} fails the type-check`, async (t) => {
    const { input, errors } = await errorsOf(file);
    t.is(input, undefined, `${file} was refused before checking: ${input ?? ""}`);
    t.true(errors.length > 0, `${file} is in examples/broken/ but type-checks cleanly`);
  });
}
