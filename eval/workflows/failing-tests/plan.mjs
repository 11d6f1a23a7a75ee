const COMMAND = ["node", "--test", "--test-reporter=tap", "test/"];

/** Failing tests from TAP: `not ok N - name` followed by a `location: '…/test/X.test.mjs:…'` line. */
function failing(tap) {
  const out = [];
  const lines = tap.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*not ok \d+ - (.*)$/.exec(lines[i]);
    if (!m) continue;
    const loc = lines.slice(i, i + 12).map((l) => /location: '.*\/test\/(\w+)\.test\.mjs/.exec(l)).find(Boolean);
    if (loc && !out.some((f) => f.name === m[1])) out.push({ name: m[1], source: `lib/${loc[1]}.mjs` });
  }
  return out;
}
const wrongLine = (text) => text.split("\n").find((l) => l.includes("// bug")).trim();
const answer = (rows) => `Failing tests:\n${rows.map((r) => `- ${r.name} (${r.source}): \`${r.line}\``).join("\n")}`;

export function* structured() {
  const run = yield { call: "exec", args: { command: COMMAND } };
  const rows = failing(run.value.stdout);
  for (const row of rows) row.line = wrongLine((yield { call: "readFile", args: { path: row.source } }).value.content);
  return answer(rows);
}

export function* script() {
  const r = yield {
    script: `const run = await tools.exec({ command: ${JSON.stringify(COMMAND)} });
const lines = run.stdout.split("\\n");
const rows: { name: string; source: string }[] = [];
lines.forEach((line, i) => {
  const m = /^\\s*not ok \\d+ - (.*)$/.exec(line);
  if (!m) return;
  const loc = lines.slice(i, i + 12).map((l) => /location: '.*\\/test\\/(\\w+)\\.test\\.mjs/.exec(l)).find(Boolean);
  if (loc && !rows.some((r) => r.name === m[1])) rows.push({ name: m[1] ?? "", source: \`lib/\${loc[1]}.mjs\` });
});
const files = await Promise.all(rows.map((r) => tools.readFile({ path: r.source })));
return rows.map((r, i) => ({ ...r, line: (files[i]?.content.split("\\n").find((l) => l.includes("// bug")) ?? "").trim() }));`,
  };
  return answer(r.value);
}
