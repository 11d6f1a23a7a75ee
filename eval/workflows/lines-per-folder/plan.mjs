const answer = (rows) => `Lines per folder:\n${rows.map(([d, n]) => `${d}: ${n} lines`).join("\n")}`;
const folder = (p) => p.slice(0, p.lastIndexOf("/"));
const tally = (files) => {
  const per = new Map();
  for (const f of files) per.set(folder(f.path), (per.get(folder(f.path)) ?? 0) + f.lines);
  return [...per].sort((a, b) => a[0].localeCompare(b[0]));
};

export function* structured() {
  const list = yield { call: "listDir", args: { path: "src", depth: 4 } };
  const files = [];
  for (const e of list.value.entries.filter((e) => e.type === "file" && e.path.endsWith(".ts"))) {
    files.push({ path: e.path, lines: (yield { call: "readFile", args: { path: e.path, limit: 1 } }).value.totalLines });
  }
  return answer(tally(files));
}

export function* script() {
  const r = yield {
    script: `const { entries } = await tools.listDir({ path: "src", depth: 4 });
const files = entries.filter((e) => e.type === "file" && e.path.endsWith(".ts"));
const read = await Promise.all(files.map((e) => tools.readFile({ path: e.path, limit: 1 })));
const per = new Map<string, number>();
for (const f of read) {
  const dir = f.path.slice(0, f.path.lastIndexOf("/"));
  per.set(dir, (per.get(dir) ?? 0) + f.totalLines);
}
return [...per].sort((a, b) => a[0].localeCompare(b[0]));`,
  };
  return answer(r.value);
}
