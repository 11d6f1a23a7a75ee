/**
 * Every fenced block of README.md and docs/*.md is checked, or says why not. snippets.test.ts checks ```` ```ts ````
 * scripts; this file checks the rest:
 * - ```` ```json POST /v1/… ````: a request body, sent to that route of a real server (in process, `app.fetch`), which
 *   must not refuse its shape (400, 413, 415);
 * - ```` ```json cody.json ````: a configuration file, read by the real config parser;
 * - ```` ```json <Type> ```` (add `lines` for one value per line): assignable to `<Type>` from doc-types.ts, which names
 *   the types the producing code declares (excess properties are errors);
 * - ```` ```typescript ````: a host-API snippet, type-checked as a module against the package's own declarations
 *   (dist/src), with what a `<!-- docs-test: declare … -->` comment before it declares in scope;
 * - ```` ```sh ````: run with `sh -e` in a temporary workspace with `cody` on PATH; must exit 0. Where the block shows
 *   output (commands as `$ cmd`, the lines after one being its expected stdout), the output must match.
 * Any other block (```` ```text ````, no language…) needs `<!-- docs-test: skip — why -->` on the line before it.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import ts from "typescript";
import { parseConfig } from "../../src/config/index.js";
import { createHarness } from "../../src/harness.js";
import { createServer } from "../../src/server/index.js";
import { extractBlocks, type Block } from "./extract.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CODY_BIN = path.join(ROOT, "bin", "cody.js");

function markdownFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, "docs")).filter((n) => n.endsWith(".md")).sort().map((n) => `docs/${n}`);
  return ["README.md", ...docs];
}

const blocks: Block[] = markdownFiles().flatMap((file) => extractBlocks(readFileSync(path.join(ROOT, file), "utf8"), file));
const where = (b: Block): string => `${b.file}:${b.line}`;
const active = (lang: string): Block[] => blocks.filter((b) => b.lang === lang && b.skip === undefined);

/** What kind of check a block gets, or undefined when it gets none. */
function checkOf(b: Block): string | undefined {
  if (b.skip !== undefined) return undefined;
  if (b.lang === "ts") return "script (snippets.test.ts)";
  if (b.lang === "typescript") return "type-check";
  if (b.lang === "sh") return "run";
  if (b.lang === "json") {
    if (b.flags[0] === "POST" && b.flags[1]?.startsWith("/")) return "request";
    if (b.flags[0] === "cody.json") return "config";
    if (b.flags[0] && /^[A-Z]\w*$/.test(b.flags[0])) return "type";
  }
  return undefined;
}

test("every fenced block is checked, or says why not in a docs-test marker", (t) => {
  const unchecked = blocks.filter((b) => checkOf(b) === undefined && !b.skip);
  t.deepEqual(
    unchecked.map((b) => `${where(b)} \`\`\`${b.lang} ${b.flags.join(" ")}`),
    [],
    "add `<!-- docs-test: skip — reason -->` before the block, or give it a checked kind (see fences.test.ts)",
  );
  t.true(blocks.length > 80, `found only ${blocks.length} blocks`);
});

test("JSON request bodies are accepted by the route they are shown for", async (t) => {
  const requests = active("json").filter((b) => checkOf(b) === "request");
  t.true(requests.length >= 5);
  const cwd = mkdtempSync(path.join(os.tmpdir(), "cody-docs-rest-"));
  writeFileSync(path.join(cwd, "notes.txt"), "hello\n");
  const harness = await createHarness({ cwd, dbPath: path.join(cwd, ".cody", "cache.db"), pool: { workers: 1, vmsPerWorker: 1 } });
  const server = createServer(harness);
  try {
    for (const b of requests) {
      const route = b.flags[1]!.replace(":name", "readFile");
      const res = await server.app.fetch(
        new Request(`http://127.0.0.1${route}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${server.token}`, host: "127.0.0.1" },
          body: b.source,
        }),
      );
      const text = await res.text();
      t.false([400, 413, 415].includes(res.status), `${where(b)} POST ${route} → ${res.status} ${text}`);
    }
  } finally {
    await harness.close();
    rmSync(cwd, { recursive: true, force: true });
  }
});

test("cody.json examples are read by the config parser", (t) => {
  const configs = active("json").filter((b) => checkOf(b) === "config");
  t.true(configs.length >= 2);
  for (const b of configs) t.notThrows(() => parseConfig(b.source, `${where(b)}/cody.json`), where(b));
});

/** Type-check `files` (name → text) as ES modules against the package's declarations; errors as `name(line): text`. */
function typeCheck(files: Map<string, string>): string[] {
  // Inside the package, so packages the snippets import (pino…) resolve from its node_modules as they would for a user.
  const dir = mkdtempSync(path.join(ROOT, "dist", "test", "docs", "snippets-"));
  try {
    writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');
    for (const [name, text] of files) writeFileSync(path.join(dir, name), text);
    const program = ts.createProgram({
      rootNames: [...files.keys()].map((name) => path.join(dir, name)),
      options: {
        strict: true,
        exactOptionalPropertyTypes: true,
        noEmit: true,
        skipLibCheck: true,
        target: ts.ScriptTarget.ES2023,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        lib: ["lib.es2023.d.ts"],
        types: ["node"],
        typeRoots: [path.join(ROOT, "node_modules", "@types")],
        // The snippets import the package by name, as a user would.
        paths: { "cody-script-harness/*": [path.join(ROOT, "*")] },
      },
    });
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const name = d.file ? path.basename(d.file.fileName) : "?";
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${name}(${line}): ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("JSON examples are values of the types the code declares, and host-API snippets type-check", (t) => {
  const files = new Map<string, string>();
  const origin = new Map<string, Block>();
  const docTypes = JSON.stringify(path.join(ROOT, "dist", "test", "docs", "doc-types.js"));
  active("json")
    .filter((b) => checkOf(b) === "type")
    .forEach((b, i) => {
      const type = b.flags[0]!;
      const values = b.flags.includes("lines") ? b.source.split("\n").filter((l) => l.trim() !== "") : [b.source];
      for (const v of values) t.notThrows(() => JSON.parse(v), `${where(b)}: not JSON`);
      const name = `json-${i}.ts`;
      files.set(name, `import type { ${type} } from ${docTypes};\n${values.map((v, k) => `export const v${k}: ${type} = ${v};`).join("\n")}\n`);
      origin.set(name, b);
    });
  active("typescript").forEach((b, i) => {
    const name = `snippet-${i}.ts`;
    files.set(name, `${b.declare ?? ""}\n${b.source}\nexport {};\n`);
    origin.set(name, b);
  });
  t.true(files.size >= 10);
  const errors = typeCheck(files).map((e) => {
    const b = origin.get(e.slice(0, e.indexOf("(")));
    return b ? `${where(b)}: ${e}` : e;
  });
  t.deepEqual(errors, []);
});

/** `$ cmd` lines and the output shown after each; a block without `$` lines is one script with no output shown. */
function commandsOf(source: string): { script: string; expected?: string }[] {
  const lines = source.split("\n");
  if (!lines.some((l) => l.startsWith("$ "))) return [{ script: source }];
  const out: { script: string; expected: string }[] = [];
  for (const line of lines) {
    if (line.startsWith("$ ")) out.push({ script: line.slice(2), expected: "" });
    else if (out.length > 0) out[out.length - 1]!.expected += `${line}\n`;
  }
  return out;
}

test("sh blocks run in a temporary workspace and print what they show", (t) => {
  const runnable = active("sh");
  t.true(runnable.length >= 1);
  for (const b of runnable) {
    const cwd = mkdtempSync(path.join(os.tmpdir(), "cody-docs-sh-"));
    const bin = path.join(cwd, ".bin");
    mkdirSync(bin);
    writeFileSync(path.join(bin, "cody"), `#!/bin/sh\nexec "${process.execPath}" "${CODY_BIN}" "$@"\n`);
    chmodSync(path.join(bin, "cody"), 0o755);
    mkdirSync(path.join(cwd, ".git")); // a project: the workspace root is found here
    try {
      for (const c of commandsOf(b.source)) {
        const r = spawnSync("sh", ["-e", "-c", c.script], {
          cwd,
          encoding: "utf8",
          env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env["PATH"] ?? ""}`, CODY_DB: "" },
        });
        t.is(r.status, 0, `${where(b)}: ${c.script}\n${r.stderr}`);
        if (c.expected !== undefined) t.is(r.stdout.trimEnd(), c.expected.trimEnd(), `${where(b)}: ${c.script}`);
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }
  t.true(existsSync(CODY_BIN));
});
