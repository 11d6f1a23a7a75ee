/**
 * Terminal approvals through a real pseudo-terminal: util-linux `script` runs the spawned `cody script run` on a pty
 * (stdin and stderr are terminals, so the TTY approver asks), and what this test writes is typed at that terminal.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import test from "ava";
import { CODY_BIN } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";

interface Session {
  /** Everything the terminal showed so far. */
  text(): string;
  type(keys: string): void;
  /** Resolves when the output contains `needle` `times` times (generous limit: another process is starting). */
  until(needle: string | RegExp, times?: number): Promise<void>;
  exit: Promise<number | null>;
}

function onTerminal(t: Parameters<typeof tempWorkspace>[0], cwd: string, args: string[]): Session {
  const command = [process.execPath, CODY_BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const child = spawn("script", ["-qefc", command, "/dev/null"], { cwd, env: { ...process.env, TERM: "dumb" } });
  let text = "";
  const waiters = new Set<() => void>();
  child.stdout.on("data", (d: Buffer) => {
    text += d.toString();
    for (const w of [...waiters]) w();
  });
  child.stderr.on("data", (d: Buffer) => (text += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const count = (needle: string | RegExp): number =>
    typeof needle === "string" ? text.split(needle).length - 1 : (text.match(new RegExp(needle.source, "g")) ?? []).length;
  return {
    text: () => text,
    type: (keys) => void child.stdin.write(keys),
    exit,
    until: (needle, times = 1) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`never saw ${String(needle)} ×${times} in:\n${text}`)), 60_000);
        const check = (): void => {
          if (count(needle) < times) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
  };
}

const RUN = ["script", "run", "-q", "--approval", "on-request"];

test("a `y` typed ahead, before any question is shown, does not answer the question", async (t) => {
  const cwd = tempWorkspace(t, {
    "two.ts": 'await tools.writeFile({ path: "a.txt", content: "a" });\nawait tools.writeFile({ path: "b.txt", content: "b" });\nreturn "done";',
  });
  const s = onTerminal(t, cwd, [...RUN, "two.ts"]);
  s.type("y\n"); // typed while cody is still starting
  await s.until("Allow?");
  await s.until(/call {4}c1 {2}writeFile/);
  // The question is on screen and unanswered: the type-ahead was dropped, nothing was written.
  t.false(fs.existsSync(path.join(cwd, "a.txt")));
  s.type("n\n");
  const code = await s.exit;
  t.is(code, 1, s.text());
  t.false(fs.existsSync(path.join(cwd, "a.txt")));
  t.false(fs.existsSync(path.join(cwd, "b.txt")));
  t.regex(s.text(), /c1 writeFile not run/);
});

test("`a` settles the questions already queued for that tool; the waiting count is shown", async (t) => {
  const cwd = tempWorkspace(t, {
    "both.ts":
      'await Promise.all([tools.writeFile({ path: "a.txt", content: "a" }), tools.writeFile({ path: "b.txt", content: "b" })]);\nreturn "done";',
  });
  const s = onTerminal(t, cwd, [...RUN, "both.ts"]);
  await s.until("Allow?");
  t.regex(s.text(), /\(1 more waiting\)/);
  s.type("a\n");
  const code = await s.exit;
  t.is(code, 0, s.text());
  // One question shown (its prompt line may be reprinted when the waiting count changes, so count the headers).
  t.is(s.text().split("approval needed").length - 1, 1, s.text());
  t.is(fs.readFileSync(path.join(cwd, "a.txt"), "utf8"), "a");
  t.is(fs.readFileSync(path.join(cwd, "b.txt"), "utf8"), "b");
});

test("after `q` the queued question is withdrawn unseen and the summary says `not run`, not `cut off`", async (t) => {
  const cwd = tempWorkspace(t, {
    "both.ts":
      'await Promise.all([tools.writeFile({ path: "a.txt", content: "a" }), tools.writeFile({ path: "b.txt", content: "b" })]);\nreturn "done";',
  });
  const s = onTerminal(t, cwd, [...RUN, "both.ts"]);
  await s.until("Allow?");
  s.type("q\n");
  const code = await s.exit;
  t.is(code, 130, s.text());
  // One question shown (its prompt line may be reprinted when the waiting count changes, so count the headers).
  t.is(s.text().split("approval needed").length - 1, 1, s.text());
  t.false(/call {4}c2/.test(s.text()), s.text());
  t.false(/no longer waiting/.test(s.text()), s.text());
  t.regex(s.text(), /c1 writeFile not run/);
  t.regex(s.text(), /c2 writeFile not run/);
  t.false(/cut off/i.test(s.text()), s.text());
  t.false(fs.existsSync(path.join(cwd, "a.txt")));
});
