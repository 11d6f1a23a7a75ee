/**
 * `describe_tools`: the declarations of a few tools, cut out of the generated `.d.ts` (the text the checker enforces),
 * so a client whose `run_script` description carries only the index can read the types of the tools it will use.
 */

/** One tool as the `.d.ts` declares it: its JSDoc and method signature, and the names of the types it uses. */
export interface DeclaredTool {
  name: string;
  /** The tool's JSDoc, without the comment markers (empty when it has none). */
  description: string;
  /** E.g. `tools.readFile(args: ReadFileArgs): Promise<ReadFileResult>`. */
  signature: string;
}

/** A top-level declaration (`interface X`, `type X`, `declare class X`, `declare const X`) with its JSDoc. */
interface Block {
  name: string;
  text: string;
}

const KEY = String.raw`("(?:[^"\\]|\\.)*"|[A-Za-z_$][\w$]*)`;
const NAMESPACE = new RegExp(String.raw`^\s*(?:readonly\s+)?${KEY}\??:\s*\{\s*$`);
const METHOD = new RegExp(String.raw`^\s*${KEY}?\((.*)\):\s*(.*);\s*$`);

function blocks(dts: string): Block[] {
  const out: Block[] = [];
  for (const text of dts.split(/\n\s*\n/)) {
    const m = /^(?:declare\s+)?(?:interface|type|class|const)\s+([A-Za-z_$][\w$]*)/m.exec(text);
    if (m?.[1]) out.push({ name: m[1], text: text.trim() });
  }
  return out;
}

/** Every tool method in the `.d.ts`'s `declare const tools` (not the `tools.spawn` copies), in order. */
export function declaredTools(dts: string): DeclaredTool[] {
  const tools = blocks(dts).find((b) => b.name === "tools" && b.text.includes("declare const tools"));
  if (!tools) return [];
  const found: DeclaredTool[] = [];
  const path: string[] = [];
  let doc: string[] = [];
  let inDoc = false;
  for (const line of tools.text.split("\n").slice(1)) {
    const trimmed = line.trim();
    if (trimmed.startsWith("/**")) inDoc = true;
    if (inDoc) {
      const text = trimmed.replace(/^\/\*\*|\*\/$/g, "").replace(/^\*\s?/, "").trim();
      if (text !== "" || doc.length > 0) doc.push(text);
      if (trimmed.endsWith("*/")) inDoc = false;
      continue;
    }
    const ns = NAMESPACE.exec(line);
    const method = ns ? undefined : METHOD.exec(line);
    if (ns?.[1]) {
      path.push(unquote(ns[1]));
    } else if (method) {
      const segments = [...path, ...(method[1] ? [unquote(method[1])] : [])];
      if (path[0] !== "spawn") {
        const access = segments.map((s) => (/^[A-Za-z_$][\w$]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join("");
        found.push({ name: segments.join("."), description: doc.join("\n").trim(), signature: `tools${access}(${method[2] ?? ""}): ${method[3] ?? ""}` });
      }
    } else if (/^\s*\};?\s*$/.test(line)) {
      path.pop();
    }
    doc = [];
  }
  return found;
}

function unquote(key: string): string {
  return key.startsWith('"') ? (JSON.parse(key) as string) : key;
}

/**
 * The declarations for `names`: each tool's JSDoc and signature, then every type they refer to (transitively), as
 * TypeScript text. Names not declared are returned in `unknown`.
 */
export function describeTools(dts: string, names: readonly string[]): { text: string; unknown: string[] } {
  const all = declaredTools(dts);
  const byName = new Map(all.map((t) => [t.name, t]));
  const types = new Map(blocks(dts).filter((b) => b.name !== "tools").map((b) => [b.name, b]));
  const unknown = names.filter((n) => !byName.has(n));
  const picked = names.flatMap((n) => byName.get(n) ?? []);
  const parts: string[] = [];
  const included = new Set<string>();
  const queue: string[] = [];
  const refer = (text: string): void => {
    for (const m of text.matchAll(/\b[A-Za-z_$][\w$]*\b/g)) {
      if (types.has(m[0]) && !included.has(m[0])) {
        included.add(m[0]);
        queue.push(m[0]);
      }
    }
  };
  for (const tool of picked) {
    const doc = tool.description === "" ? "" : `/**\n${tool.description.split("\n").map((l) => ` * ${l}`.trimEnd()).join("\n")}\n */\n`;
    parts.push(`${doc}${tool.signature};`);
    refer(tool.signature);
  }
  while (queue.length > 0) {
    const block = types.get(queue.shift() as string) as Block;
    parts.push(block.text);
    refer(block.text.replace(/\/\*\*[\s\S]*?\*\//g, ""));
  }
  return { text: parts.join("\n\n"), unknown };
}

/** One line per tool: its name and the first sentence of its JSDoc (the index used when the `.d.ts` is large). */
export function toolIndex(dts: string): string {
  return declaredTools(dts)
    .map((t) => {
      const first = t.description.split(/\n\s*\n/)[0]?.replace(/\s+/g, " ").trim() ?? "";
      return `- ${t.name}${first ? `: ${first}` : ""}`;
    })
    .join("\n");
}
