const answer = (paths) => `Added timeoutMs to ${paths.join(" and ")}.`;
const fixed = (content) => `${JSON.stringify({ ...JSON.parse(content), timeoutMs: 5000 }, null, 2)}\n`;

export function* structured() {
  const g = yield { call: "glob", args: { pattern: "config/*.json" } };
  const missing = [];
  for (const path of [...g.value.paths].sort()) {
    const f = (yield { call: "readFile", args: { path } }).value;
    if (!("timeoutMs" in JSON.parse(f.content))) missing.push({ path, content: f.content });
  }
  for (const m of missing) yield { call: "writeFile", args: { path: m.path, content: fixed(m.content) } };
  return answer(missing.map((m) => m.path));
}

export function* script() {
  const r = yield {
    script: `const { paths } = await tools.glob({ pattern: "config/*.json" });
const fixedPaths: string[] = [];
for (const path of [...paths].sort()) {
  const config = JSON.parse((await tools.readFile({ path })).content);
  if ("timeoutMs" in config) continue;
  await tools.writeFile({ path, content: JSON.stringify({ ...config, timeoutMs: 5000 }, null, 2) + "\\n" });
  fixedPaths.push(path);
}
return fixedPaths;`,
  };
  return answer(r.value);
}
