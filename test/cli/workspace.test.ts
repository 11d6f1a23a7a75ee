import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import test from "ava";
import { runCody, type CliRun } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";

function cody(args: string[], cwd: string): Promise<CliRun> {
  // An empty CODY_DB means "unset": the database is the workspace's own .cody/cache.db.
  return runCody(args, { cwd, env: { ...process.env, CODY_DB: "" } });
}

const WRITE = 'await tools.writeFile({ path: "out.txt", content: "done" });\nreturn "wrote";\n';
const hashOf = (r: CliRun): string | undefined => /hash ([0-9a-f]{12})/.exec(r.stderr)?.[1];

test("run from a subdirectory finds the workspace at the nearest cody.json: same config, database, name and hash", async (t) => {
  const root = tempWorkspace(t, { "cody.json": '{ "limits": { "timeoutMs": 4321 } }\n', "w.ts": WRITE, "src/keep.txt": "" });
  const approve = await cody(["script", "compile", "--approve", "--by", "ann", "w.ts"], root);
  t.is(approve.code, 0, approve.stderr);
  // Not a TTY, so the policy is `never`: only the approval lets the write run.
  const fromSub = await cody(["script", "run", "../w.ts"], path.join(root, "src"));
  t.is(fromSub.code, 0, fromSub.stderr);
  t.regex(fromSub.stderr, /▶ w\.ts {2}hash /);
  t.regex(fromSub.stderr, /limits: 4321 ms/);
  t.false(existsSync(path.join(root, "src", ".cody")));
  t.is(readFileSync(path.join(root, "out.txt"), "utf8"), "done");
  const fromRoot = await cody(["script", "run", "w.ts"], root);
  t.is(hashOf(fromRoot), hashOf(fromSub));
});

test("a .git directory or a .cody directory marks the workspace too; without any marker the shell's directory is used", async (t) => {
  const git = tempWorkspace(t, { ".git/HEAD": "ref: refs/heads/main\n", "a/b/s.ts": "return 1;\n" });
  const r = await cody(["script", "run", "-q", "s.ts"], path.join(git, "a", "b"));
  t.is(r.code, 0, r.stderr);
  t.true(existsSync(path.join(git, ".cody", "cache.db")));
  t.false(existsSync(path.join(git, "a", "b", ".cody")));
  const ls = await cody(["script", "ls"], path.join(git, "a"));
  t.regex(ls.stdout, /a\/b\/s\.ts/);

  const bare = tempWorkspace(t, { "s.ts": "return 2;\n" });
  const plain = await cody(["script", "run", "-q", "s.ts"], bare);
  t.is(plain.code, 0, plain.stderr);
  t.true(existsSync(path.join(bare, ".cody", "cache.db")));
});

test("--cwd only sets the workspace: check, compile and run all resolve the file against the shell's directory", async (t) => {
  const ws = tempWorkspace(t, { "cody.json": "{}\n" });
  const shell = tempWorkspace(t, { "f.ts": "return 3;\n" });
  const check = await cody(["script", "check", "--cwd", ws, "f.ts"], shell);
  t.is(check.code, 0, check.stderr);
  const compile = await cody(["script", "compile", "--cwd", ws, "f.ts"], shell);
  t.is(compile.code, 0, compile.stderr);
  const run = await cody(["script", "run", "-q", "--cwd", ws, "f.ts"], shell);
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout.trim(), "3");
  t.true(existsSync(path.join(ws, ".cody", "cache.db")));
  t.false(existsSync(path.join(shell, ".cody")));
});

test("tools dts --out writes where the shell means, and says what it wrote", async (t) => {
  const root = tempWorkspace(t, { "cody.json": "{}\n", "sub/keep.txt": "" });
  const r = await cody(["tools", "dts", "--out", "tools.d.ts"], path.join(root, "sub"));
  t.is(r.code, 0, r.stderr);
  t.true(readFileSync(path.join(root, "sub", "tools.d.ts"), "utf8").includes("declare"));
  t.regex(r.stderr, /wrote .*tools\.d\.ts/);
});

test("a .cody or .git in the home directory does not make home the workspace of every folder below it", async (t) => {
  const home = tempWorkspace(t, { ".cody/cache.db": "", ".git/HEAD": "", "proj/sub/s.ts": "return 5;\n" });
  const r = await runCody(["script", "run", "-q", "s.ts"], { cwd: path.join(home, "proj", "sub"), env: { ...process.env, CODY_DB: "", HOME: home } });
  t.is(r.code, 0, r.stderr);
  t.true(existsSync(path.join(home, "proj", "sub", ".cody", "cache.db")));
});
