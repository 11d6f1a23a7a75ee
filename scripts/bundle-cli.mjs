// Bundles the CLI (dist/src/cli/main.js) and the two worker entries it starts into dist/cli/, run by `npm run build`
// after tsc. Why: a cached `cody script run` loaded ~150 ES modules plus CommonJS packages one file at a time, and
// module resolution and loading were the largest part of its main thread's CPU; one file per entry (plus shared chunks,
// and lazy chunks for commands and features not used) cut that (see README "Measured here").
//
// Then the CLI once more as one CommonJS script, dist/cli/cody.cjs, which bin/cody.js compiles with a V8 code cache
// (Node 20 has no compile cache for ES modules; compiling and linking ~35 chunks still cost a cached `script run`
// ≈ 60 ms of CPU): modules reached only through `import()` become functions run on first use, and packages stay
// `require`d from node_modules on first use, as before. The caches (`cody.cjs.run.cache`, `.check.cache`,
// `.main.cache`) are written by warm-up runs of the built CLI at the end (CODY_WRITE_CODE_CACHE=1), so they hold the
// functions those commands compile; V8 rejects a cache made by another Node version or with other V8 flags, and the
// CLI then compiles the script as if there were none.
//
// What stays as it was:
// - dist/src/ is still the library (`main`, `types`) and what tests import; the bundle is only bin/cody.js's entry.
// - every `import.meta.url` in a bundled module is rewritten to that module's original URL under dist/src/, so paths
//   computed from it (package.json, the generated validators, engine files) resolve exactly as before — except the two
//   worker entries, which point at their bundled versions.
// - packages that are native, large or used only by some commands (better-sqlite3, re2, esbuild, TypeScript, the MCP
//   SDK, hono, pino, ajv…) stay external and load from node_modules as before.
// - linked source maps: esbuild chains tsc's maps, so `node --enable-source-maps bin/cody.js` maps to src/*.ts.
import { Buffer } from "node:buffer";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const src = path.join(root, "dist/src");
const outdir = path.join(root, "dist/cli");

/** Small pure-JS packages on the run/check path: bundled. Every other package is loaded from node_modules. */
const BUNDLED = new Set(["commander", "picomatch", "ignore", "lru-cache", "quickjs-wasi", "@jridgewell/trace-mapping",
  "@jridgewell/sourcemap-codec", "@jridgewell/resolve-uri"]);

/** Worker entries: `new URL("<from>", import.meta.url)` in `<file>` is pointed at the bundled `<to>`. */
const WORKERS = [
  { file: "runtime/pool.js", from: "./worker.js", entry: "runtime/worker.js", to: "./runtime-worker.js" },
  { file: "compiler/host.js", from: "./host-worker.js", entry: "compiler/host-worker.js", to: "./compiler-host-worker.js" },
];

function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

const externalPackages = {
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:") || BUNDLED.has(packageName(args.path))) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** Rewrites `import.meta.url` as described above; `bundleUrl` is the expression for the bundle file's own URL. */
const originalUrls = (bundleUrl) => ({
  name: "original-urls",
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      let text = await fs.promises.readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      for (const w of WORKERS) {
        if (args.path !== path.join(src, w.file)) continue;
        const from = `new URL(${JSON.stringify(w.from)}, import.meta.url)`;
        if (!text.includes(from)) throw new Error(`${w.file} no longer contains ${from}: update scripts/bundle-cli.mjs`);
        text = text.replace(from, `new URL(${JSON.stringify(w.to)}, __codyBundleUrl)`);
      }
      const original = path.relative(outdir, args.path).split(path.sep).join("/");
      text = text.replaceAll("import.meta.url", `new URL(${JSON.stringify(original)}, __codyBundleUrl).href`);
      text = text.replaceAll("__codyBundleUrl", bundleUrl);
      return { contents: text, loader: "js", resolveDir: path.dirname(args.path) };
    });
  },
});

fs.rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: {
    cody: path.join(src, "cli/main.js"),
    ...Object.fromEntries(WORKERS.map((w) => [w.to.slice(2, -3), path.join(src, w.entry)])),
  },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir,
  sourcemap: "linked",
  sourcesContent: false,
  // CommonJS packages bundled into ESM call require() for Node's builtins.
  banner: { js: 'import { createRequire as __codyCreateRequire } from "node:module"; const require = __codyCreateRequire(import.meta.url);' },
  plugins: [externalPackages, originalUrls("import.meta.url")],
  logLevel: "warning",
});

const script = path.join(outdir, "cody.cjs");
await esbuild.build({
  entryPoints: [path.join(src, "cli/main.js")],
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  outfile: script,
  sourcemap: "linked",
  sourcesContent: false,
  // `import()` of a package becomes a require() on first use: in a vm.Script compiled from a code cache, Node 20 has
  // no callback for `import()` ("A dynamic import callback was not specified"). Every package used so is CommonJS.
  supported: { "dynamic-import": false },
  // bin/cody.js passes require and __filename, as Node's CommonJS loader would.
  banner: { js: 'const __codyBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [externalPackages, originalUrls("__codyBundleUrl")],
  logLevel: "warning",
});

{
  const text = fs.readFileSync(script, "utf8");
  if (/\bimport\(\s*["'`]/.test(text)) throw new Error("dist/cli/cody.cjs still contains an import()");
  // The build's id, last in the file (after the source map comment, so the map's lines stay right): bin/cody.js uses a
  // code cache only when it was made for this id (V8 itself compares only the source's length).
  const id = createHash("sha256").update(text).digest("hex");
  fs.writeFileSync(script, `${text}// cody-build ${id}\n`);
}

/**
 * TypeScript 7's synchronous API (the client, its RPC channel and vscode-jsonrpc) as one ES module, which the compiler
 * worker loads instead of the package's ~30 modules (src/compiler/typecheck.ts, falling back to the package): loading
 * those was ≈ 45 ms of a cold `cody script check`'s critical path, nearly all of it module resolution. Its files'
 * `import.meta.url` keep pointing at node_modules (the platform binary is found from there).
 */
await esbuild.build({
  stdin: {
    contents: 'export { API } from "typescript7/unstable/sync";\nexport { createVirtualFileSystem } from "typescript7/unstable/fs";\n',
    resolveDir: root,
    loader: "js",
  },
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outfile: path.join(outdir, "typescript7-api.mjs"),
  banner: { js: 'import { createRequire as __codyCreateRequire } from "node:module"; const require = __codyCreateRequire(import.meta.url);' },
  plugins: [originalUrls("import.meta.url")],
  logLevel: "warning",
});

/**
 * The prelude as QuickJS bytecode (src/runtime/prelude-bytecode.ts), beside the module that reads it. Compiled with
 * the same engine the runtime loads; a file the runtime does not accept only costs the prelude's compile.
 */
async function writePreludeBytecode() {
  const { QuickJS } = await import("quickjs-wasi");
  const { PRELUDE_FILENAME, PRELUDE_SOURCE } = await import(pathToFileURL(path.join(src, "runtime/prelude.js")).href);
  const { preludeBytecodeHeader, PRELUDE_BYTECODE_FILE } = await import(pathToFileURL(path.join(src, "runtime/prelude-bytecode.js")).href);
  const require = createRequire(import.meta.url);
  const wasm = await globalThis.WebAssembly.compile(fs.readFileSync(require.resolve("quickjs-wasi/quickjs.wasm")));
  const vm = await QuickJS.create({ wasm });
  try {
    const bytes = vm.compile(PRELUDE_SOURCE, PRELUDE_FILENAME);
    fs.writeFileSync(PRELUDE_BYTECODE_FILE, Buffer.concat([Buffer.from(preludeBytecodeHeader(vm.versions["quickjs-wasi"])), bytes]));
  } finally {
    vm.dispose();
  }
}
await writePreludeBytecode();

/**
 * Warm-up runs that write the code caches: a `script run` of a cached script (the first run fills the artifact cache),
 * a `script check`, and `--version` for every other command. A failure only means no cache (the CLI works without).
 */
function writeCodeCaches() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-code-cache-"));
  try {
    fs.mkdirSync(path.join(dir, ".cody"));
    fs.writeFileSync(path.join(dir, "hello.txt"), "hello\n");
    fs.writeFileSync(path.join(dir, "c.ts"), 'const f = await tools.readFile({ path: "hello.txt" });\nreturn f.totalLines;\n');
    const env = { ...process.env, CODY_DB: "", NODE_OPTIONS: "" };
    const cody = (args, write) => {
      const r = spawnSync(process.execPath, [path.join(root, "bin/cody.js"), ...args], {
        cwd: dir,
        env: write ? { ...env, CODY_WRITE_CODE_CACHE: "1" } : env,
        encoding: "utf8",
      });
      if (r.status !== 0) throw new Error(`cody ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    };
    cody(["script", "run", "-q", "c.ts"], false);
    cody(["script", "run", "-q", "c.ts"], true);
    cody(["script", "check", "c.ts"], true);
    cody(["--version"], true);
  } catch (error) {
    console.warn(`bundle-cli: no code cache for dist/cli/cody.cjs (${error instanceof Error ? error.message : error})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
writeCodeCaches();
