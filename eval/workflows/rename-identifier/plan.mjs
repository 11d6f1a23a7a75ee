const rename = (text) => text.replace(/\bformatAmount\b/g, "formatMoney");
const answer = (paths) => `Renamed formatAmount to formatMoney in ${paths.length} files: ${paths.join(", ")}.`;

export function* structured() {
  const hits = yield { call: "search", args: { pattern: "\\bformatAmount\\b", path: "src" } };
  const paths = [...new Set(hits.value.map((h) => h.path))].sort();
  const texts = [];
  for (const path of paths) texts.push((yield { call: "readFile", args: { path } }).value.content);
  for (let i = 0; i < paths.length; i++) yield { call: "writeFile", args: { path: paths[i], content: rename(texts[i]) } };
  return answer(paths);
}

export function* script() {
  const r = yield {
    script: `const hits = await tools.search({ pattern: "\\\\bformatAmount\\\\b", path: "src" });
const paths = [...new Set(hits.map((h) => h.path))].sort();
await Promise.all(paths.map(async (path) => {
  const file = await tools.readFile({ path });
  await tools.writeFile({ path, content: file.content.replace(/\\bformatAmount\\b/g, "formatMoney") });
}));
return paths;`,
  };
  return answer(r.value);
}
