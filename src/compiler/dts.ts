/**
 * Generate the `.d.ts` scripts are checked against, from the tool registry's JSON schemas. Output depends only on
 * the specs (names, descriptions, schemas) and their order, so the same registry always yields the same text and
 * hash; the hash is part of every artifact key.
 */
import { sha256 } from "../hash.js";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { JsonSchema, ToolSpec } from "../tools/index.js";
import { scriptLibDts } from "./lib-dts.js";
import { COMPILER_VERSION } from "./versions.js";

/** Options for generateToolsDts. */
export interface ToolsDtsOptions {
  /**
   * Keep generated declarations in this directory, keyed by the specs and the compiler version, so a later process
   * gets the text (and hash) without loading json-schema-to-typescript (~0.3 s). Unreadable or unwritable: ignored.
   */
  cacheDir?: string;
}

/** The generated declarations and their sha256 (hex). */
export interface ToolsDts {
  text: string;
  hash: string;
}

/** The spec facts that influence the output (risk does not). */
type DtsInput = Pick<ToolSpec, "name" | "description" | "argsSchema" | "resultSchema">;

/**
 * The `ToolError` subclasses a failed call rejects with, chosen by the error's code (the runtime's prelude installs
 * the same classes and keeps the same mapping). `ToolError` and `ApprovalDeniedError` come from the script library;
 * these complete the set so a script can branch with `instanceof`.
 */
const toolErrorSubclassesDts = `/** The arguments did not match the tool's schema, or were not JSON (code \`CODY_TOOL_INVALID_ARGS\`). */
declare class ToolArgumentError extends ToolError {}

/** A path argument resolved outside the workspace, through \`..\` or a symlink (code \`CODY_PATH_OUTSIDE_WORKSPACE\`). */
declare class PathOutsideWorkspaceError extends ToolError {}

/**
 * The OS sandbox blocked a command, or cannot be used here (code \`CODY_TOOL_SANDBOX\`). \`details.rule\` says which rule
 * (\`filesystem\`, \`protected-path\`, \`network\`, \`unavailable\`), \`details.mode\` the sandbox mode; for a command that ran,
 * \`details.exitCode\`, \`details.stdout\` and \`details.stderr\` hold its result. The message says what would allow the call.
 */
declare class SandboxError extends ToolError {}

/** A path argument lies inside the workspace's state folder \`.cody/\`, which tools never touch (code \`CODY_TOOL_PROTECTED_PATH\`). */
declare class ProtectedPathError extends ToolError {}
`;

/**
 * Bumped whenever the text around the tool declarations changes, so declarations cached on disk by an older build
 * (keyed by the specs and COMPILER_VERSION only) are not reused.
 */
const DTS_FORMAT = "4";

const memo = new Map<string, Promise<ToolsDts>>();
const MEMO_MAX = 16;

/**
 * Build the declarations for `specs`: one `tools.<name>(args): Promise<Result>` method per tool (dotted names such as
 * `mcp.<server>.<tool>` become nested objects, with quoted keys where a segment is not an identifier), the same tree
 * under `tools.spawn` returning `SpawnHandle<Result>`, plus the ambient script library (`console`, `ToolError` and its
 * subclasses `ToolArgumentError`, `ApprovalDeniedError`, `PathOutsideWorkspaceError`, `SandboxError`, …).
 * Memoized by the specs' JSON.
 */
export function generateToolsDts(specs: readonly ToolSpec[], opts: ToolsDtsOptions = {}): Promise<ToolsDts> {
  const input: DtsInput[] = specs.map((s) => ({
    name: s.name,
    description: s.description,
    argsSchema: s.argsSchema,
    resultSchema: s.resultSchema,
  }));
  const key = JSON.stringify(input);
  let pending = memo.get(key);
  if (!pending) {
    pending = opts.cacheDir === undefined ? build(input) : buildCached(input, key, opts.cacheDir);
    pending.catch(() => memo.delete(key));
    if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value as string);
    memo.set(key, pending);
  }
  return pending;
}

interface ToolTypes {
  spec: DtsInput;
  argsType: string;
  resultType: string;
  argsOptional: boolean;
}

/** The same as generateToolsDts without the memo (tests use it to prove the output itself is deterministic). */
export function renderToolsDts(specs: readonly ToolSpec[]): Promise<ToolsDts> {
  return build(specs.map((s) => ({ name: s.name, description: s.description, argsSchema: s.argsSchema, resultSchema: s.resultSchema })));
}

async function buildCached(input: DtsInput[], key: string, cacheDir: string): Promise<ToolsDts> {
  const file = path.join(cacheDir, `tools-${sha256(COMPILER_VERSION + "\n" + DTS_FORMAT + "\n" + key).slice(0, 32)}.d.ts`);
  try {
    const text = await readFile(file, "utf8");
    return { text, hash: sha256(text) };
  } catch {
    // not cached yet
  }
  const out = await build(input);
  try {
    await mkdir(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, out.text);
    await rename(tmp, file);
  } catch {
    // a cache we cannot write only costs time
  }
  return out;
}

/**
 * The declarations of `specs` alone: their argument and result types and a `tools` object holding only them, without
 * `tools.spawn` or the script library (what `tools.describe` returns and what a type error about a tool quotes).
 * Type names are those of the full `.d.ts` as long as no two tools' names differ only in punctuation.
 */
export async function renderToolDeclarations(specs: readonly ToolSpec[]): Promise<string> {
  const { declarations, tools } = await declareAll(
    specs.map((s) => ({ name: s.name, description: s.description, argsSchema: s.argsSchema, resultSchema: s.resultSchema })),
  );
  return [...[...declarations.values()].map((d) => d + "\n"), "declare const tools: {", ...renderTree(buildTree(tools), 1, "call"), "};", ""].join("\n");
}

async function declareAll(specs: DtsInput[]): Promise<{ declarations: Map<string, string>; tools: ToolTypes[] }> {
  const declarations = new Map<string, string>();
  const usedRootNames = new Set<string>();
  const tools: ToolTypes[] = [];
  for (const spec of specs) {
    const base = uniqueName(pascal(spec.name.split(".")), usedRootNames);
    const argsType = await declare(`${base}Args`, spec.argsSchema, declarations);
    const resultType = await declare(`${base}Result`, spec.resultSchema, declarations);
    tools.push({ spec, argsType, resultType, argsOptional: !hasRequired(spec.argsSchema) });
  }
  return { declarations, tools };
}

async function build(specs: DtsInput[]): Promise<ToolsDts> {
  const { declarations, tools } = await declareAll(specs);
  const tree = buildTree(tools);
  const text = [
    "// Generated by cody from the tool registry's JSON schemas. Do not edit.",
    "",
    ...[...declarations.values()].map((d) => d + "\n"),
    "/** The workspace tools. Every call returns a promise; failures reject with a ToolError. */",
    "declare const tools: {",
    ...renderTree(tree, 1, "call"),
    "  /** Start a tool without waiting: the call keeps running after the script returns, until the turn ends. */",
    "  readonly spawn: {",
    ...renderTree(tree, 2, "spawn"),
    "  };",
    "};",
    "",
    scriptLibDts,
    toolErrorSubclassesDts,
  ].join("\n");
  return { text, hash: sha256(text) };
}

/** Compile one schema into declarations (merged into `out`); returns the root type's name. */
async function declare(name: string, schema: JsonSchema, out: Map<string, string>): Promise<string> {
  if (isUntyped(schema)) {
    out.set(name, `/** Not described by the tool (no schema). */\ntype ${name} = unknown;`);
    return name;
  }
  for (const stripNested of [false, true]) {
    const root = { ...(stripNested ? stripTitles(schema, true) : schema), title: name } as JsonSchema;
    // Loaded on first use: it takes ~0.3 s to import and a cached .d.ts never needs it.
    const { compile } = await import("json-schema-to-typescript");
    const ts = await compile(root as never, name, {
      bannerComment: "",
      format: false,
      additionalProperties: false,
      declareExternallyReferenced: true,
      strictIndexSignatures: false,
      unknownAny: true,
      $refOptions: { resolve: { external: false } } as never,
    });
    const blocks = splitDeclarations(ts);
    // Nested titled schemas become shared interfaces; if two tools define the same name differently, inline them.
    const clash = blocks.some((b) => b.name !== name && out.has(b.name) && out.get(b.name) !== b.text);
    if (clash && !stripNested) continue;
    for (const b of blocks) if (!out.has(b.name) || b.name === name) out.set(b.name, b.text);
    return blocks.find((b) => b.name === name)?.name ?? blocks[0]?.name ?? name;
  }
  return name;
}

/** Split json-schema-to-typescript output into top-level declarations, re-indented and without `export`. */
function splitDeclarations(ts: string): { name: string; text: string }[] {
  const blocks: { name: string; text: string }[] = [];
  let current: string[] = [];
  let depth = 0;
  let inComment = false;
  let sawCode = false;
  const flush = (): void => {
    const text = current.join("\n").trim();
    const m = /^(?:export )?(?:interface|type) ([A-Za-z_$][\w$]*)/m.exec(text);
    if (m?.[1]) blocks.push({ name: m[1], text: text.replace(/^export /gm, "") });
    current = [];
    sawCode = false;
  };
  for (const raw of ts.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    const startsComment = line.startsWith("/**") || line.startsWith("/*");
    if (depth === 0 && !inComment && sawCode && (startsComment || line.startsWith("export "))) flush();
    if (inComment || startsComment) {
      const body = startsComment ? line : line.startsWith("*") ? " " + line : line;
      current.push("  ".repeat(depth) + body);
      inComment = !line.endsWith("*/");
      continue;
    }
    sawCode = true;
    const opens = count(line, "{") + count(line, "[") + count(line, "(");
    const closes = count(line, "}") + count(line, "]") + count(line, ")");
    const leadingClose = /^[}\])]/.test(line) ? 1 : 0;
    current.push("  ".repeat(Math.max(0, depth - leadingClose)) + line);
    depth = Math.max(0, depth + opens - closes);
  }
  if (current.length > 0) flush();
  return blocks;
}

function count(line: string, ch: string): number {
  let n = 0;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ch) n++;
  }
  return n;
}

interface TreeNode {
  tool?: ToolTypes;
  children: Map<string, TreeNode>;
}

function buildTree(tools: ToolTypes[]): TreeNode {
  const root: TreeNode = { children: new Map() };
  for (const t of tools) {
    let node = root;
    for (const segment of t.spec.name.split(".")) {
      let child = node.children.get(segment);
      if (!child) {
        child = { children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.tool = t;
  }
  return root;
}

function renderTree(node: TreeNode, depth: number, mode: "call" | "spawn"): string[] {
  const pad = "  ".repeat(depth);
  const lines: string[] = [];
  for (const [segment, child] of node.children) {
    if (mode === "call" && depth === 1 && segment === "spawn") continue; // `tools.spawn` is reserved
    const key = propertyKey(segment);
    if (child.tool) lines.push(...jsDoc(child.tool.spec.description, pad));
    if (child.tool && child.children.size === 0) {
      lines.push(`${pad}${key}(${signature(child.tool, mode)};`);
    } else {
      lines.push(`${pad}readonly ${key}: {`);
      if (child.tool) lines.push(`${pad}  (${signature(child.tool, mode)};`);
      lines.push(...renderTree(child, depth + 1, mode), `${pad}};`);
    }
  }
  return lines;
}

function signature(t: ToolTypes, mode: "call" | "spawn"): string {
  const result = mode === "call" ? `Promise<${t.resultType}>` : `SpawnHandle<${t.resultType}>`;
  return `args${t.argsOptional ? "?" : ""}: ${t.argsType}): ${result}`;
}

function jsDoc(description: string, pad: string): string[] {
  const text = description.trim().replace(/\*\//g, "*\\/");
  if (!text) return [];
  return [`${pad}/**`, ...text.split("\n").map((l) => `${pad} * ${l}`.trimEnd()), `${pad} */`];
}

/** A property key: bare when it is an identifier, otherwise a quoted string (MCP names often contain `-`). */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

function pascal(segments: string[]): string {
  const out = segments
    .flatMap((s) => s.split(/[^A-Za-z0-9]+/))
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join("");
  return /^[0-9]/.test(out) || out === "" ? `T${out}` : out;
}

function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  for (let i = 2; used.has(candidate); i++) candidate = `${name}${i}`;
  used.add(candidate);
  return candidate;
}

function hasRequired(schema: JsonSchema): boolean {
  const required = schema["required"];
  return Array.isArray(required) && required.length > 0;
}

function isUntyped(schema: JsonSchema): boolean {
  const meaningful = Object.keys(schema).filter((k) => !["title", "description", "$schema", "$id"].includes(k));
  return meaningful.length === 0;
}

const SCHEMA_KEYS_OBJECT = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
const SCHEMA_KEYS_ONE = ["items", "additionalProperties", "additionalItems", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems"];
const SCHEMA_KEYS_LIST = ["anyOf", "oneOf", "allOf", "prefixItems", "items"];

/** Deep copy of a schema with `title` removed from every nested schema (so nothing becomes a shared interface). */
function stripTitles(schema: JsonSchema, isRoot: boolean): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (!isRoot) delete out["title"];
  for (const k of SCHEMA_KEYS_OBJECT) {
    const v = out[k];
    if (v && typeof v === "object" && !Array.isArray(v)) {
      out[k] = Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([name, s]) => [name, isSchema(s) ? stripTitles(s, false) : s]),
      );
    }
  }
  for (const k of SCHEMA_KEYS_ONE) if (isSchema(out[k])) out[k] = stripTitles(out[k] as JsonSchema, false);
  for (const k of SCHEMA_KEYS_LIST) {
    const v = out[k];
    if (Array.isArray(v)) out[k] = v.map((s) => (isSchema(s) ? stripTitles(s, false) : s));
  }
  return out;
}

function isSchema(v: unknown): v is JsonSchema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
