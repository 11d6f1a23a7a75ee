const top5 = (hits) => {
  const counts = new Map();
  for (const h of hits) counts.set(h.path, (counts.get(h.path) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5).map(([p]) => p);
};
const summarise = (path, file) => {
  const names = [...file.content.matchAll(/export (?:class|function|const|interface) (\w+)/g)].map((m) => m[1]);
  return `${path} — ${file.totalLines} lines — exports: ${names.join(", ") || "none"}`;
};
const answer = (lines) => `The five files that mention Ledger most:\n${lines.join("\n")}`;

export function* structured() {
  const hits = yield { call: "search", args: { pattern: "Ledger", path: "src" } };
  const lines = [];
  for (const path of top5(hits.value)) lines.push(summarise(path, (yield { call: "readFile", args: { path } }).value));
  return answer(lines);
}

export function* script() {
  const r = yield {
    script: `const hits = await tools.search({ pattern: "Ledger", path: "src" });
const counts = new Map<string, number>();
for (const h of hits) counts.set(h.path, (counts.get(h.path) ?? 0) + 1);
const top = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5).map(([p]) => p);
const files = await Promise.all(top.map((path) => tools.readFile({ path })));
return files.map((f) => {
  const names = [...f.content.matchAll(/export (?:class|function|const|interface) (\\w+)/g)].map((m) => m[1]);
  return \`\${f.path} — \${f.totalLines} lines — exports: \${names.join(", ") || "none"}\`;
});`,
  };
  return answer(r.value);
}
