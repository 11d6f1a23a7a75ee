// Run `git status --porcelain` and group the changed paths by state.
const result = await tools.exec({ command: ["git", "status", "--porcelain=v1"], timeoutMs: 10_000 });
if (result.exitCode !== 0) {
  throw new Error(`git status failed (${result.exitCode}): ${result.stderr.trim()}`);
}

type State = "modified" | "added" | "deleted" | "renamed" | "untracked" | "other";
const groups: Record<State, string[]> = { modified: [], added: [], deleted: [], renamed: [], untracked: [], other: [] };

for (const line of result.stdout.split("\n")) {
  if (line.length < 4) continue;
  const code = line.slice(0, 2);
  const path = line.slice(3);
  const state: State = code === "??"
    ? "untracked"
    : code.includes("R")
      ? "renamed"
      : code.includes("A")
        ? "added"
        : code.includes("D")
          ? "deleted"
          : code.includes("M")
            ? "modified"
            : "other";
  groups[state].push(path);
}

const changed = Object.values(groups).reduce((n, list) => n + list.length, 0);
return { clean: changed === 0, changed, groups };
