// Replace one string with another across the workspace with a single all-or-nothing patch.
const from = "colour";
const to = "color";

const hits = await tools.search({ pattern: from, literal: true, include: "**/*.md", limit: 500 });
const paths = [...new Set(hits.map((h) => h.path))];
if (paths.length === 0) return { changed: [] };

const sections: string[] = [];
for (const path of paths) {
  const file = await tools.readFile({ path });
  const oldLines = file.content.split("\n");
  const hunk: string[] = [];
  for (const line of oldLines) {
    if (line.includes(from)) hunk.push(`-${line}`, `+${line.split(from).join(to)}`);
    else hunk.push(` ${line}`);
  }
  sections.push(`*** Update File: ${path}`, "@@", ...hunk);
}

try {
  const applied = await tools.applyPatch({ patch: ["*** Begin Patch", ...sections, "*** End Patch"].join("\n") });
  return { changed: applied.modified };
} catch (error) {
  if (error instanceof ToolError) return { failed: error.code, message: error.message };
  throw error;
}
