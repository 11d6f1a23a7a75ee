// Bundles the CLI (dist/src/cli/main.js) and the two worker entries it starts into dist/cli/, run by `npm run build`
// after tsc. Why: a cached `cody script run` loaded ~150 ES modules plus CommonJS packages one file at a time, and
// module resolution and loading were the largest part of its main thread's CPU; one file per entry (plus shared chunks,
// and lazy chunks for commands and features not used) cut that (see README "Measured here").
//
// What stays as it was:
// - dist/src/ is still the library (`main`, `types`) and what tests import; the bundle is only bin/cody.js's entry.
// - every `import.meta.url` in a bundled module is rewritten to that module's original URL under dist/src/, so paths
//   computed from it (package.json, the generated validators, engine files) resolve exactly as before — except the two
//   worker entries, which point at their bundled versions.
// - packages that are native, large or used only by some commands (better-sqlite3, re2, esbuild, TypeScript, the MCP
//   SDK, hono, pino, ajv…) stay external and load from node_modules as before.
// - linked source maps: esbuild chains tsc's maps, so `node --enable-source-maps bin/cody.js` maps to src/*.ts.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
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

const originalUrls = {
  name: "original-urls",
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      let text = await fs.promises.readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      for (const w of WORKERS) {
        if (args.path !== path.join(src, w.file)) continue;
        const from = `new URL(${JSON.stringify(w.from)}, import.meta.url)`;
        if (!text.includes(from)) throw new Error(`${w.file} no longer contains ${from}: update scripts/bundle-cli.mjs`);
        text = text.replace(from, `new URL(${JSON.stringify(w.to)}, import.meta.__bundleUrl)`);
      }
      const original = path.relative(outdir, args.path).split(path.sep).join("/");
      text = text.replaceAll("import.meta.url", `new URL(${JSON.stringify(original)}, import.meta.url).href`);
      text = text.replaceAll("import.meta.__bundleUrl", "import.meta.url");
      return { contents: text, loader: "js", resolveDir: path.dirname(args.path) };
    });
  },
};

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
  plugins: [externalPackages, originalUrls],
  logLevel: "warning",
});
