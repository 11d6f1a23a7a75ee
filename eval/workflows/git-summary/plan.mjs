const KIND = { M: "modified", D: "deleted", "??": "untracked", A: "added" };
const parse = (porcelain) =>
  porcelain
    .split("\n")
    .filter((l) => l.length > 3)
    .map((l) => `${KIND[l.slice(0, 2).trim()] ?? l.slice(0, 2).trim()}: ${l.slice(3)}`)
    .sort();
const summaryLine = (stat) => stat.trim().split("\n").pop().trim();
const answer = (lines, stat) => `Uncommitted changes:\n${lines.join("\n")}\n${stat}`;

export function* structured() {
  const status = yield { call: "exec", args: { command: ["git", "status", "--porcelain"] } };
  const diff = yield { call: "exec", args: { command: ["git", "diff", "--stat"] } };
  return answer(parse(status.value.stdout), summaryLine(diff.value.stdout));
}

export function* script() {
  const r = yield {
    script: `const kinds: Record<string, string> = { M: "modified", D: "deleted", "??": "untracked", A: "added" };
const [status, diff] = await Promise.all([
  tools.exec({ command: ["git", "status", "--porcelain"] }),
  tools.exec({ command: ["git", "diff", "--stat"] }),
]);
const lines = status.stdout.split("\\n").filter((l) => l.length > 3)
  .map((l) => \`\${kinds[l.slice(0, 2).trim()] ?? l.slice(0, 2).trim()}: \${l.slice(3)}\`).sort();
return { lines, stat: diff.stdout.trim().split("\\n").pop()?.trim() ?? "" };`,
  };
  return answer(r.value.lines, r.value.stat);
}
