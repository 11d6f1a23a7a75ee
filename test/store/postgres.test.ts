/**
 * `--store postgres://…` end to end on a real PostgreSQL (one cluster for this file): a fleet compiles once, bad
 * states are typed errors with exit 2, and a database lost mid-run fails the run with StoreError, then recovers
 * without restarting cody.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { createHarness } from "../../src/harness.js";
import type { RunEvent } from "../../src/runtime/index.js";
import { runCody } from "../helpers/cli.js";
import { startPostgres, type PgCluster } from "../helpers/postgres.js";
import { tempWorkspace } from "../helpers/workspace.js";

const SECRET = "fleet-secret-0123456789";
let cluster: PgCluster;

test.before(async () => {
  cluster = await startPostgres();
});

test.after.always(() => {
  cluster?.destroy();
});

/** A "machine": its own workspace and home, nothing of the caller's environment but PATH. */
function machine(t: Parameters<typeof tempWorkspace>[0], files: Record<string, string>): { cwd: string; env: NodeJS.ProcessEnv } {
  const cwd = tempWorkspace(t, { ...files, "cody.json": "{}" });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cody-home-"));
  t.teardown(() => fs.rmSync(home, { recursive: true, force: true }));
  return { cwd, env: { PATH: process.env["PATH"], HOME: home, CODY_STORE_SECRET: SECRET } };
}

const SCRIPT = 'const text = await tools.readFile({ path: "note.txt" });\nconsole.log(text.content.trim());\nreturn 7;\n';

function endOf(stdout: string): { type: string; result: { ok: boolean; cache: string; value?: unknown; error?: { code: string } } } {
  const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string });
  return lines.find((e) => e.type === "end") as ReturnType<typeof endOf>;
}

test("a script compiled and approved on one machine runs from the shared store on another: a cache hit, no compile", async (t) => {
  const url = await cluster.createDatabase();
  const a = machine(t, { "job.ts": SCRIPT, "note.txt": "from A\n" });
  const b = machine(t, { "job.ts": SCRIPT, "note.txt": "from B\n" });
  const compiled = await runCody(["script", "compile", "job.ts", "--approve", "--by", "ci", "--store", url, "--json"], a);
  t.is(compiled.code, 0, compiled.stderr);
  const hash = (JSON.parse(compiled.stdout.trim().split("\n")[0] ?? "{}") as { hash: string }).hash;
  const run = await runCody(["script", "run", "job.ts", "--json", "--approval", "never"], { ...b, env: { ...b.env, CODY_STORE: url } });
  t.is(run.code, 0, run.stderr);
  const end = endOf(run.stdout);
  t.like(end.result, { ok: true, cache: "hit", value: 7 });
  // B compiled nothing: its local state holds no generated artifact, and the shared row counts B's hit.
  const ls = await runCody(["script", "ls", "--store", url, "--json"], b);
  t.is(ls.code, 0, ls.stderr);
  const [artifact] = (JSON.parse(ls.stdout) as { artifacts: { hash: string; approvedBy?: string; hits: number }[] }).artifacts;
  t.like(artifact, { hash, approvedBy: "ci", hits: 1 });
  // Both machines' runs are in one audit log.
  const runs = await runCody(["runs", "ls", "--store", url, "--json"], a);
  t.is((JSON.parse(runs.stdout) as { runs: unknown[] }).runs.length, 1);
});

test("a store config key selects PostgreSQL, and a secret that differs makes every shared row a miss (recompiled)", async (t) => {
  const url = await cluster.createDatabase();
  const a = machine(t, { "job.ts": SCRIPT, "note.txt": "x\n" });
  fs.writeFileSync(path.join(a.cwd, "cody.json"), JSON.stringify({ store: url }));
  const first = await runCody(["script", "run", "job.ts", "--json", "--approval", "never"], a);
  t.is(first.code, 0, first.stderr);
  t.is(endOf(first.stdout).result.cache, "miss");
  const again = await runCody(["script", "run", "job.ts", "--json", "--approval", "never"], a);
  t.is(endOf(again.stdout).result.cache, "hit");
  const otherSecret = await runCody(["script", "run", "job.ts", "--json", "--approval", "never"], {
    ...a,
    env: { ...a.env, CODY_STORE_SECRET: "another-secret-0123456789" },
  });
  t.is(endOf(otherSecret.stdout).result.cache, "miss");
});

test("an unreachable database at start is exit 2 with one line, as is a PostgreSQL store without a secret", async (t) => {
  const a = machine(t, { "job.ts": SCRIPT, "note.txt": "x\n" });
  const closed = `postgres://cody@127.0.0.1:${cluster.port + 1}/nowhere`;
  for (const args of [["script", "run", "job.ts"], ["runs", "ls"], ["cache", "stats"]]) {
    const r = await runCody([...args, "--store", closed], a);
    t.is(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    t.is(r.stderr.trim().split("\n").length, 1, r.stderr);
    t.regex(r.stderr, /StoreError: Database connect failed \(ECONNREFUSED\)/);
  }
  const missingDb = await runCody(["cache", "stats", "--store", cluster.url.replace(/\/postgres$/, "/no_such_db")], a);
  t.is(missingDb.code, 2, missingDb.stderr);
  t.regex(missingDb.stderr, /^cody: StoreError: Database connect failed \(3D000\): database "no_such_db" does not exist\n$/);
  const noSecret = await runCody(["script", "run", "job.ts", "--store", cluster.url], { ...a, env: { PATH: process.env["PATH"], HOME: a.env["HOME"] } });
  t.is(noSecret.code, 2);
  t.regex(noSecret.stderr, /^cody: UsageError: A PostgreSQL store needs the secret its instances share \(CODY_STORE_SECRET/);
});

test.serial("a database lost mid-run fails the run with StoreError after the events already sent; the next run recovers", async (t) => {
  const url = await cluster.createDatabase();
  const cwd = tempWorkspace(t, { "a.txt": "one\n" });
  const harness = await createHarness({ cwd, store: url, storeSecret: SECRET, policy: { dangerouslyApproveAll: true } });
  t.teardown(() => harness.close());
  const script = 'console.log("before");\nawait tools.readFile({ path: "a.txt" });\nawait tools.readFile({ path: "a.txt" });\nreturn 1;\n';
  const events: RunEvent[] = [];
  let stopped = false;
  const lost = await harness.run(
    { source: script },
    {
      onEvent: (event) => {
        events.push(event);
        // The first call's result is out: the database goes away before the second call can be recorded.
        if (event.type === "tool_result" && !stopped) {
          stopped = true;
          cluster.stop();
        }
      },
    },
  );
  t.true(stopped);
  t.false(lost.ok);
  t.is(lost.error?.code, "CODY_STORE");
  t.deepEqual(
    events.filter((e) => e.type === "console" || e.type === "tool_call").map((e) => e.type),
    ["console", "tool_call", "tool_call"],
  );
  cluster.start();
  const again = await harness.run({ source: script });
  t.true(again.ok, JSON.stringify(again.error));
  t.is(harness.audit.getRun(again.runId)?.run.calls.total, 2);
});
