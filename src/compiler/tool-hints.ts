/**
 * Which tools a line of a script calls, so that a type error on that line can quote the tools' declarations (the
 * model may only have seen an index of them). Pure text matching on `tools.a.b` / `tools.mcp.s["x-y"]` chains; a
 * chain that names no known tool is ignored.
 */

const CHAIN = /\btools((?:\s*(?:\?\.|\.)\s*[A-Za-z_$][\w$]*|\s*\[\s*(?:"[^"]*"|'[^']*')\s*\])+)/g;
const SEGMENT = /[A-Za-z_$][\w$]*|"[^"]*"|'[^']*'/g;

/** Registry names of the known tools called on `line`, in order of appearance, without duplicates. */
export function toolsNamedOnLine(line: string, isTool: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const match of line.matchAll(CHAIN)) {
    let segments = [...(match[1] ?? "").matchAll(SEGMENT)].map((m) => m[0].replace(/^["']|["']$/g, ""));
    if (segments[0] === "spawn") segments = segments.slice(1);
    // The longest prefix that is a tool: `tools.mcp.s.t(...).then` names mcp.s.t.
    for (let n = segments.length; n > 0; n--) {
      const name = segments.slice(0, n).join(".");
      if (isTool(name)) {
        if (!out.includes(name)) out.push(name);
        break;
      }
    }
  }
  return out;
}
