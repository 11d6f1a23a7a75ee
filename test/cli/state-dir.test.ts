/**
 * End to end through the spawned CLI: even with --dangerously-approve-all, a script cannot read, list, search, glob,
 * write, patch or run commands inside the workspace's `.cody/` state folder; the key is 0600 and git ignores the
 * whole folder.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import test from "ava";
import { runCody } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";

const PROBE = `
const attempts: Record<string, () => Promise<unknown>> = {
  readKey: () => tools.readFile({ path: ".cody/cache.key" }),
  writeKey: () => tools.writeFile({ path: ".cody/cache.key", content: "00\\n" }),
  listState: () => tools.listDir({ path: ".cody" }),
  globState: () => tools.glob({ pattern: ".cody/**" }),
  searchState: () => tools.search({ pattern: "declare", path: ".cody" }),
  patchState: () => tools.applyPatch({ patch: "*** Begin Patch\\n*** Add File: .cody/evil.txt\\n+x\\n*** End Patch" }),
  execInState: () => tools.exec({ command: ["true"], cwd: ".cody" }),
};
const refused: Record<string, string> = {};
for (const [name, attempt] of Object.entries(attempts)) {
  try {
    await attempt();
    refused[name] = "ran";
  } catch (e) {
    refused[name] = e instanceof ProtectedPathError && e instanceof ToolError ? e.code : String(e);
  }
}
const listed = (await tools.listDir({ path: ".", depth: 5 })).entries.map((e) => e.path);
const globbed = (await tools.glob({ pattern: "**/*" })).paths;
const declared = (await tools.search({ pattern: "^declare " })).map((h) => h.path);
const keyLike = (await tools.search({ pattern: "^[0-9a-f]{64}$" })).map((h) => h.path);
return { refused, listed, globbed, declared, keyLike };
`;

test("with --dangerously-approve-all a script still cannot touch .cody/, and git add -A leaves it out", async (t) => {
  const cwd = tempWorkspace(t, { "probe.ts": PROBE, "notes.md": "declare nothing here\n" });
  // The first run creates .cody/ (database, key, generated declarations); the probe then runs against it.
  const r = await runCody(["script", "run", "probe.ts", "-q", "--dangerously-approve-all"], {
    cwd,
    env: { ...process.env, CODY_DB: "" },
  });
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    refused: Record<string, string>;
    listed: string[];
    globbed: string[];
    declared: string[];
    keyLike: string[];
  };
  for (const [name, code] of Object.entries(out.refused)) t.is(code, "CODY_TOOL_PROTECTED_PATH", name);
  t.is(Object.keys(out.refused).length, 7);
  t.deepEqual(out.listed, ["notes.md", "probe.ts"]);
  t.deepEqual(out.globbed, ["notes.md", "probe.ts"]);
  t.deepEqual(out.declared, ["notes.md"]);
  t.deepEqual(out.keyLike, []);

  const state = path.join(cwd, ".cody");
  t.true(fs.existsSync(path.join(state, "cache.key")));
  t.is(fs.statSync(path.join(state, "cache.key")).mode & 0o777, 0o600);
  t.false(fs.existsSync(path.join(state, "evil.txt")));
  t.is(fs.readFileSync(path.join(state, ".gitignore"), "utf8"), "*\n");

  const git = (...args: string[]) => spawnSync("git", args, { cwd, encoding: "utf8" });
  t.is(git("init", "-q").status, 0);
  t.is(git("add", "-A").status, 0);
  t.deepEqual(git("ls-files").stdout.trim().split("\n").sort(), ["notes.md", "probe.ts"]);
});
