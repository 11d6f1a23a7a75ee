/** Shared fixtures for compiler tests: specs with MCP-style names and a temp-dir helper. */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ToolSpec } from "../../src/tools/index.js";
import { BUILTIN_SPECS } from "../../src/tools/index.js";

/** Built-ins plus two MCP tools whose server and tool names contain `-` (quoted keys in the `.d.ts`). */
export const SPECS_WITH_MCP: ToolSpec[] = [
  ...BUILTIN_SPECS,
  {
    name: "mcp.my-server.echo-text",
    description: "Echo the text back.",
    risk: "read-only",
    argsSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
    resultSchema: { type: "object", properties: { echoed: { type: "string" } }, required: ["echoed"] },
  },
  {
    name: "mcp.everything.add",
    description: "Add two numbers.",
    risk: "read-only",
    argsSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
    resultSchema: {},
  },
];

/** A fresh temp directory, removed when the test ends. */
export function tempDir(t: { teardown(fn: () => void): void }, prefix = "cody-compiler-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A valid script body of roughly `bytes` bytes (comment padding keeps it type-correct). */
export function scriptOfSize(bytes: number, seed = 0): string {
  const head = `const r = await tools.readFile({ path: "f${seed}.txt" });\nconst n: number = r.totalLines + ${seed};\n`;
  const tail = "return { n };\n";
  let body = head;
  let i = 0;
  while (body.length + tail.length < bytes - 40) body += `const v${i} = n * ${i++}; // padding line\n`;
  return body + tail;
}
