const top5 = (entries) =>
  entries
    .filter((e) => e.type === "file")
    .sort((a, b) => b.size - a.size || a.path.localeCompare(b.path))
    .slice(0, 5)
    .map((e) => [e.path, e.size]);
const answer = (rows) => `Largest files:\n${rows.map(([p, n]) => `${p}: ${n} bytes`).join("\n")}`;

export function* structured() {
  const list = yield { call: "listDir", args: { path: ".", depth: 6 } };
  return answer(top5(list.value.entries));
}

export function* script() {
  const r = yield {
    script: `const { entries } = await tools.listDir({ path: ".", depth: 6 });
return entries.filter((e) => e.type === "file")
  .sort((a, b) => b.size - a.size || a.path.localeCompare(b.path))
  .slice(0, 5).map((e) => [e.path, e.size]);`,
  };
  return answer(r.value);
}
