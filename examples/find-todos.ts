// Find TODO comments in TypeScript sources, then read each file that has one (in parallel) to report its size.
const matches = await tools.search({ pattern: "TODO|FIXME", include: "**/*.ts", limit: 200 });

const byFile = new Map<string, SearchMatch[]>();
for (const m of matches) {
  const list = byFile.get(m.path) ?? [];
  list.push(m);
  byFile.set(m.path, list);
}

const files = await Promise.all(
  [...byFile.keys()].map(async (path) => {
    const file = await tools.readFile({ path });
    const todos = byFile.get(path) ?? [];
    return {
      path,
      lines: file.totalLines,
      todos: todos.map((t) => ({ line: t.line, text: t.text.trim() })),
    };
  }),
);

files.sort((a, b) => b.todos.length - a.todos.length);
console.log(`${matches.length} TODO/FIXME comments in ${files.length} files`);
return { total: matches.length, files };
