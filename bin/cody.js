#!/usr/bin/env node
// Thin launcher: the CLI is written in TypeScript and built to dist/ by `npm run build`.
import("../dist/src/cli/main.js").then((m) => m.main(process.argv.slice(2)));
