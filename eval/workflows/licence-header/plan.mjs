const HEADER = "// SPDX-License-Identifier: MIT\n";
const answer = (paths) => `Added the header to ${paths.length} files: ${paths.join(", ")}.`;

export function* structured() {
  const g = yield { call: "glob", args: { pattern: "src/util/*.ts" } };
  const paths = [...g.value.paths].sort();
  const missing = [];
  for (const path of paths) {
    const f = (yield { call: "readFile", args: { path } }).value;
    if (!f.content.startsWith(HEADER)) missing.push({ path, content: f.content });
  }
  for (const m of missing) yield { call: "writeFile", args: { path: m.path, content: HEADER + m.content } };
  return answer(missing.map((m) => m.path));
}

export function* script() {
  const r = yield {
    script: `const header = ${JSON.stringify(HEADER)};
const { paths } = await tools.glob({ pattern: "src/util/*.ts" });
const changed: string[] = [];
for (const path of [...paths].sort()) {
  const f = await tools.readFile({ path });
  if (f.content.startsWith(header)) continue;
  await tools.writeFile({ path, content: header + f.content });
  changed.push(path);
}
return changed;`,
  };
  return answer(r.value);
}
