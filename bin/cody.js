#!/usr/bin/env node
// Thin launcher: the CLI is written in TypeScript and built by `npm run build` to dist/src/, then bundled to dist/cli/
// (fewer files to load at start; scripts/bundle-cli.mjs says why). Without the bundle (a tsc-only build) the modules
// under dist/src/ are loaded directly.
import { existsSync } from "node:fs";
import { URL } from "node:url";

const bundle = new URL("../dist/cli/cody.js", import.meta.url);
import(existsSync(bundle) ? bundle.href : "../dist/src/cli/main.js").then(async (m) => {
  await m.main(process.argv.slice(2));
  // Every command awaits what it started (runs, servers, spawned tools), so once main returns the process is done:
  // exit as soon as stdout and stderr are flushed instead of waiting for worker threads to wind down (≈ 0.1 s).
  const flushed = (stream) => new Promise((resolve) => stream.write("", () => resolve()));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit();
});
