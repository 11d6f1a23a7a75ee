#!/usr/bin/env node
// Thin launcher: the CLI is written in TypeScript and built to dist/ by `npm run build`.
import("../dist/src/cli/main.js").then(async (m) => {
  await m.main(process.argv.slice(2));
  // Every command awaits what it started (runs, servers, spawned tools), so once main returns the process is done:
  // exit as soon as stdout and stderr are flushed instead of waiting for worker threads to wind down (≈ 0.1 s).
  const flushed = (stream) => new Promise((resolve) => stream.write("", () => resolve()));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit();
});
