// Deterministic planners for todo-report (see eval/README in docs/report.md, "Workflow folders").
const answer = (rows) => `Files with the most TODO/FIXME comments:\n${rows.map(([p, n]) => `${p}: ${n}`).join("\n")}`;

export function* structured() {
  const r = yield { call: "search", args: { pattern: "TODO|FIXME", path: "src" } };
  const counts = new Map();
  for (const m of r.value) counts.set(m.path, (counts.get(m.path) ?? 0) + 1);
  return answer([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 3));
}

export function* script() {
  const r = yield {
    script: `const matches = await tools.search({ pattern: "TODO|FIXME", path: "src" });
const counts = new Map<string, number>();
for (const m of matches) counts.set(m.path, (counts.get(m.path) ?? 0) + 1);
return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 3);`,
  };
  return answer(r.value);
}
