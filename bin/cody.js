#!/usr/bin/env node
// Thin launcher: the CLI is written in TypeScript and built by `npm run build` to dist/src/, then bundled into
// dist/cli/ (scripts/bundle-cli.mjs says why). It runs, in order of preference:
// - dist/cli/cody.cjs, one script compiled with V8's code cache for this command (`cody.cjs.<run|check|main>.cache`,
//   made by the build): Node 20 caches no compiled code for ES modules, and compiling and linking the CLI's modules
//   was the largest part of a cached `script run`'s own CPU. A cache V8 rejects (another Node or V8 flags) is ignored.
// - dist/cli/cody.js, the same bundle as ES modules: without the script bundle, or with `--enable-source-maps` (Node 20
//   maps stacks of modules, not of a vm.Script);
// - the modules under dist/src/ (a tsc-only build).
// This file is CommonJS (bin/package.json): an ES module entry would start Node's ES module loader, which the script
// bundle does not need (≈ 4 ms of CPU, measured).
"use strict";
const { Buffer } = require("node:buffer");
const { existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const { setFlagsFromString } = require("node:v8");
const vm = require("node:vm");

const argv = process.argv.slice(2);
const script = path.join(__dirname, "../dist/cli/cody.cjs");
const bundle = path.join(__dirname, "../dist/cli/cody.js");

/** The code cache that fits this command: a `script run` compiles other functions than a `script check`. */
function cacheKind() {
  const [first, second] = argv.filter((a) => !a.startsWith("-"));
  return first === "script" && (second === "run" || second === "check") ? second : "main";
}

/**
 * Compile and run dist/cli/cody.cjs with its code cache. `CODY_WRITE_CODE_CACHE=1` (the build's warm-up runs) writes
 * the cache instead, once the command is done, so it holds the functions the command compiled on its way.
 */
function loadScript() {
  const kind = cacheKind();
  // `script run` keeps the engine on V8's baseline compiler (src/cli/prestart.ts). V8 accepts a code cache only under
  // the flags it was made with, so the flag is set before the compile here, as in the warm-up run that made it.
  if (kind === "run") setFlagsFromString("--liftoff-only");
  const cacheFile = `${script}.${kind}.cache`;
  const write = process.env.CODY_WRITE_CODE_CACHE === "1";
  const source = readFileSync(script, "utf8");
  // V8 checks a cache against the source's length only, and would run a cache's functions for other text of that
  // length: each cache starts with the build id the script ends with (scripts/bundle-cli.mjs), and one made for
  // another build is not used.
  const stamp = Buffer.from(/\/\/ cody-build ([0-9a-f]{64})\n$/.exec(source.slice(-100))?.[1] ?? "", "latin1");
  let cachedData;
  let stale = false;
  if (!write && stamp.length === 64 && existsSync(cacheFile)) {
    const data = readFileSync(cacheFile);
    if (data.subarray(0, 64).equals(stamp)) cachedData = data.subarray(64);
    else stale = true;
  }
  const compiled = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: script,
    cachedData,
  });
  // For tests: whether V8 took the cache (a rejected one costs the compile it was meant to save, silently).
  if (process.env.CODY_CODE_CACHE_REPORT === "1") {
    const verdict = stale ? "stale" : !cachedData ? "none" : compiled.cachedDataRejected ? "rejected" : "accepted";
    process.stderr.write(`code cache ${kind}: ${verdict}\n`);
  }
  const module = { exports: {} };
  compiled.runInThisContext()(module.exports, createRequire(script), module, script, path.dirname(script));
  const save = () => {
    if (stamp.length !== 64) return;
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([stamp, compiled.createCachedData()]));
    renameSync(tmp, cacheFile);
  };
  return { main: module.exports.main, done: write ? save : () => {} };
}

/**
 * `cody script check`: start the compiler worker (dist/cli/compiler-host-worker.js) and ask it to start its `tsgo`
 * child now, so the worker's isolate, TypeScript's API module and the child's libs load while this thread loads and
 * runs the CLI, instead of after it (a cold one-file check's critical path was that chain). The process's compiler
 * host adopts it (src/compiler/host.ts, with the events recorded meanwhile); if none does, main() ends it.
 */
function prestartCompilerWorker() {
  const file = path.join(__dirname, "../dist/cli/compiler-host-worker.js");
  if (cacheKind() !== "check" || argv.includes("-h") || argv.includes("--help") || !existsSync(file)) return;
  if (!checkLikelyNeedsCompiler()) return;
  const { Worker } = require("node:worker_threads");
  const stop = new SharedArrayBuffer(4);
  // Same options as the host's own workers (src/compiler/host.ts: WORKER_LIMITS).
  const worker = new Worker(file, { workerData: { stop }, resourceLimits: { maxOldGenerationSizeMb: 512 } });
  worker.unref();
  const events = [];
  const record = { message: (m) => events.push(["message", m]), error: (e) => events.push(["error", e]), exit: (c) => events.push(["exit", c]) };
  for (const [name, fn] of Object.entries(record)) worker.on(name, fn);
  const detach = () => {
    for (const [name, fn] of Object.entries(record)) worker.off(name, fn);
  };
  worker.postMessage({ type: "warm", checker: true, compiler: false });
  globalThis[Symbol.for("cody.prestartedCompilerWorker")] = { worker, stop, events, detach };
}

/**
 * A guess, from file times only, whether `cody script check` will reach the compiler: a file changed since the last
 * verdict was written (src/cli/check-verdicts.ts renames each into `<db dir>/checks/`, which moves that directory's
 * mtime), or no verdicts kept at all. When every named file is older, its verdict most likely holds and starting the
 * worker would only cost a verdict-answered check (≈ 30 ms wall, 50 ms CPU measured). A wrong guess costs time only.
 */
function checkLikelyNeedsCompiler() {
  const valued = new Set(["--format", "--cwd", "--check-timeout"]);
  const words = [];
  for (let i = argv.indexOf("check") + 1; i > 0 && i < argv.length; i++) {
    if (valued.has(argv[i])) i++;
    else if (!argv[i].startsWith("-")) words.push(argv[i]);
  }
  const cwdAt = argv.indexOf("--cwd");
  const cwd = path.resolve(cwdAt >= 0 && argv[cwdAt + 1] ? argv[cwdAt + 1] : ".");
  const db = process.env.CODY_DB || path.join(".cody", "cache.db");
  if (db === ":memory:") return true;
  try {
    const since = statSync(path.join(path.dirname(path.resolve(cwd, db)), "checks")).mtimeMs;
    for (const word of words) {
      const dir = path.dirname(word);
      const base = path.basename(word);
      if (/[*?[\]{}!]/.test(dir) || /[[\]{}!]/.test(base)) return true;
      if (!/[*?]/.test(base)) {
        if (statSync(word).mtimeMs > since) return true;
        continue;
      }
      // A one-directory pattern of `*` and `?`: the files it names in that directory.
      const pattern = new RegExp(`^${base.replace(/[.+^$()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);
      for (const name of readdirSync(dir)) {
        if (pattern.test(name) && statSync(path.join(dir, name)).mtimeMs > since) return true;
      }
    }
    return false;
  } catch {
    return true;
  }
}

async function load() {
  if (existsSync(script) && !process.sourceMapsEnabled) return loadScript();
  const m = await import(pathToFileURL(existsSync(bundle) ? bundle : path.join(__dirname, "../dist/src/cli/main.js")).href);
  return { main: m.main, done: () => {} };
}

prestartCompilerWorker();
load().then(async ({ main, done }) => {
  await main(argv);
  done();
  // Every command awaits what it started (runs, servers, spawned tools), so once main returns the process is done:
  // exit as soon as stdout and stderr are flushed instead of waiting for worker threads to wind down (≈ 0.1 s).
  const flushed = (stream) => new Promise((resolve) => stream.write("", () => resolve()));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit();
});
