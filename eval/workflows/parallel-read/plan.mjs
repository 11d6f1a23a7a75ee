const FILES = ["src/core/account.ts", "src/core/entry.ts", "src/core/errors.ts", "src/io/csv.ts", "src/io/json.ts", "src/io/reader.ts", "src/io/writer.ts", "src/cli/args.ts", "src/cli/main.ts", "src/version.ts"];
const answer = (rows) => `First lines:\n${rows.map(([p, l]) => `${p}: ${l}`).join("\n")}`;

export function* structured() {
  const rows = [];
  for (const path of FILES) rows.push([path, (yield { call: "readFile", args: { path } }).value.content.split("\n")[0]]);
  return answer(rows);
}

export function* script() {
  const r = yield {
    script: `const files = ${JSON.stringify(FILES)};
const read = await Promise.all(files.map((path) => tools.readFile({ path, limit: 1 })));
return read.map((f) => [f.path, f.content.split("\\n")[0]]);`,
  };
  return answer(r.value);
}
