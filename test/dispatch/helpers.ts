/** Shared parts for dispatcher tests: a real registry of small tools that touch real files in a temp workspace. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ToolRegistry, execSpec, readFileSpec, type ToolDefinition } from "../../src/tools/index.js";
import type { ToolInvocation } from "../../src/runtime/contract.js";

export interface Workspace {
  root: string;
  cleanup(): void;
}

export function tempWorkspace(prefix = "cody-dispatch-"): Workspace {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { root, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

const str = { type: "string" } as const;

/** writeNote: writes a real file (risk writes). */
export const writeNote: ToolDefinition<{ name: string; text: string }, { bytes: number }> = {
  name: "writeNote",
  description: "Write a note file.",
  risk: "writes",
  argsSchema: { type: "object", properties: { name: str, text: str }, required: ["name", "text"], additionalProperties: false },
  resultSchema: { type: "object" },
  async handler(args, ctx) {
    fs.writeFileSync(path.join(ctx.workspaceRoot, args.name), args.text);
    return { bytes: Buffer.byteLength(args.text) };
  },
};

/** readFile with the real built-in schema, reading a real file (risk read-only). */
export const readFile: ToolDefinition<{ path: string }, { content: string }> = {
  ...readFileSpec,
  async handler(args, ctx) {
    return { content: fs.readFileSync(path.join(ctx.workspaceRoot, args.path), "utf8") };
  },
};

/** exec with the real built-in schema; the handler only appends the argv to `exec.log` (no process is started). */
export const fakeExec: ToolDefinition<{ command: string[] }, { exitCode: number }> = {
  ...execSpec,
  async handler(args, ctx) {
    fs.appendFileSync(path.join(ctx.workspaceRoot, "exec.log"), `${JSON.stringify(args.command)}\n`);
    return { exitCode: 0 };
  },
};

/** A tool that throws a plain Error (not a CodyError). */
export const explode: ToolDefinition<Record<string, never>, never> = {
  name: "explode",
  description: "Always fails.",
  risk: "read-only",
  argsSchema: { type: "object", additionalProperties: false },
  resultSchema: {},
  async handler() {
    throw new Error("kaboom");
  },
};

/**
 * slowWrite: writes `<name>.started`, waits until `release()` or its signal, then writes `<name>.done`.
 * A polite handler: on abort it stops and rejects.
 */
export function slowWrite(): { tool: ToolDefinition<{ name: string }, string>; release(): void; started: Promise<void> } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let markStarted!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const tool: ToolDefinition<{ name: string }, string> = {
    name: "slowWrite",
    description: "Write a file slowly.",
    risk: "writes",
    argsSchema: { type: "object", properties: { name: str }, required: ["name"] },
    resultSchema: {},
    async handler(args, ctx) {
      fs.writeFileSync(path.join(ctx.workspaceRoot, `${args.name}.started`), "");
      markStarted();
      await new Promise<void>((resolve, reject) => {
        void gate.then(resolve);
        ctx.signal.addEventListener("abort", () => reject(new Error("stopped by signal")), { once: true });
      });
      fs.writeFileSync(path.join(ctx.workspaceRoot, `${args.name}.done`), "");
      return "done";
    },
  };
  return { tool, release, started };
}

export function registry(...tools: ToolDefinition[]): ToolRegistry {
  const r = new ToolRegistry();
  for (const t of tools) r.register(t as ToolDefinition);
  return r;
}

/** A ToolInvocation as the runtime would make it, counting pauseClock calls and resumes. */
export function invocation(
  callId: string,
  tool: string,
  args: unknown,
  signal: AbortSignal = new AbortController().signal,
): ToolInvocation & { clock: { paused: number; resumed: number } } {
  const clock = { paused: 0, resumed: 0 };
  return {
    callId,
    tool,
    args,
    detached: false,
    signal,
    clock,
    pauseClock() {
      clock.paused++;
      let done = false;
      return () => {
        if (!done) clock.resumed++;
        done = true;
      };
    },
  };
}

/** Resolve after the event loop has turned a few times (lets pending promises progress). */
export function ticks(n = 5): Promise<void> {
  return new Promise((resolve) => {
    const step = (left: number) => (left === 0 ? resolve() : setImmediate(() => step(left - 1)));
    step(n);
  });
}
