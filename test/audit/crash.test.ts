/**
 * Runs left open by a process that died (`kill -9`) are closed as `crashed` by the next process that opens the log —
 * and only those: a live process sharing the database keeps its runs, and a reused pid does not pass for the owner.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import test from "ava";
import { AuditLog } from "../../src/audit/index.js";
import { createHarness } from "../../src/harness.js";
import { currentOwner, openDatabase, ownerIsGone } from "../../src/store/index.js";
import { CODY_BIN, runCody } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";
import { tempDb } from "./helpers.js";

const boot = (): string => fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
const pidns = (): string => fs.readlinkSync("/proc/self/ns/pid");

/** The owner id of a process that has already exited (a shell that prints its own /proc stat). */
function deadOwnerId(): string {
  const r = spawnSync("sh", ["-c", "cat /proc/$$/stat"], { encoding: "utf8" });
  const stat = r.stdout;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const pid = stat.slice(0, stat.indexOf(" "));
  return [os.hostname(), boot(), pidns(), pid, fields[19]].join("|");
}

test("owner identity: this process is alive; a gone pid, a reused pid, another boot are gone; another host is left alone", (t) => {
  const me = currentOwner();
  t.is(me.pid, process.pid);
  t.false(ownerIsGone(me.id));
  const [host, bootId, ns, pid, start] = me.id.split("|") as [string, string, string, string, string];
  t.is(ns, pidns());
  // The same pid, started at another time: the pid was reused by an unrelated process.
  t.true(ownerIsGone([host, bootId, ns, pid, String(Number(start) + 1)].join("|")));
  t.true(ownerIsGone(deadOwnerId()));
  t.true(ownerIsGone([host, "another-boot", ns, pid, start].join("|")));
  t.false(ownerIsGone(["some-other-host", bootId, ns, "999999", start].join("|")));
  // Another pid namespace (a container on the same kernel): its pids cannot be checked from here.
  t.false(ownerIsGone([host, bootId, "pid:[1]", "999999", start].join("|")));
  t.false(ownerIsGone("not an owner id"));
  // A live process other than this one (our parent) is alive.
  const parentStat = fs.readFileSync(`/proc/${process.ppid}/stat`, "utf8");
  const parentStart = parentStat.slice(parentStat.lastIndexOf(")") + 2).split(" ")[19];
  t.false(ownerIsGone([host, bootId, ns, process.ppid, parentStart].join("|")));
});

test("opening the log closes runs of gone owners as crashed (pending calls unknown) and leaves live and unowned ones", (t) => {
  const db = tempDb();
  t.teardown(db.cleanup);
  const raw = db.audit.db;
  const insert = raw.prepare("INSERT INTO audit_runs (run_id, started_at, owner_pid, owner_id) VALUES (?, ?, ?, ?)");
  const parentStat = fs.readFileSync(`/proc/${process.ppid}/stat`, "utf8");
  const parentStart = parentStat.slice(parentStat.lastIndexOf(")") + 2).split(" ")[19];
  const dead = deadOwnerId();
  insert.run("dead", 1, Number(dead.split("|")[3]), dead);
  insert.run("live-other", 2, process.ppid, [os.hostname(), boot(), pidns(), process.ppid, parentStart].join("|"));
  insert.run("mine", 3, process.pid, currentOwner().id);
  insert.run("legacy", 4, null, null);
  db.audit.startCall({ runId: "dead", callId: "c1", tool: "exec", source: "script", args: {}, handlerStarted: true });
  db.audit.startCall({ runId: "dead", callId: "c2", tool: "readFile", source: "script", args: {} });

  const before = Date.now();
  const reopened = new AuditLog(openDatabase(db.file));
  t.teardown(() => reopened.db.close());
  const byId = Object.fromEntries(reopened.listRuns().map((r) => [r.runId, r]));
  t.is(byId["dead"]?.outcome, "crashed");
  t.true((byId["dead"]?.crashDetectedAt ?? 0) >= before);
  t.is(byId["dead"]?.endedAt, null);
  t.regex(byId["dead"]?.errorMessage ?? "", /ended without recording an end/);
  t.deepEqual(byId["dead"]?.calls, { total: 2, ok: 0, error: 0, aborted: 0, denied: 0, pending: 0, unknown: 2 });
  for (const id of ["live-other", "mine", "legacy"]) t.is(byId[id]?.outcome, null, id);
  // Running it again changes nothing.
  t.deepEqual(reopened.closeCrashedRuns(), []);
});

test("a run's row is committed before the run is reported started", async (t) => {
  const cwd = tempWorkspace(t, {});
  const harness = await createHarness({ cwd, pool: { workers: 1, vmsPerWorker: 1 } });
  t.teardown(() => harness.close());
  // Another process's view of the file: only committed rows.
  const other = new Database(harness.db.name, { readonly: true });
  t.teardown(() => other.close());
  const seen: unknown[] = [];
  const result = await harness.run(
    { source: "return 1;", filename: "seen.ts" },
    {
      runId: "accepted-1",
      onEvent: (e) => {
        if (e.type === "start") seen.push(other.prepare("SELECT run_id, owner_pid FROM audit_runs WHERE run_id = ?").get(e.runId));
      },
    },
  );
  t.true(result.ok);
  t.deepEqual(seen, [{ run_id: "accepted-1", owner_pid: process.pid }]);
});

/** Poll (event-free by nature: another process writes the file) until `check` holds, with a generous limit. */
async function until(check: () => boolean, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("cody killed with SIGKILL mid-run: a live reader leaves its run alone; after the kill the next open closes it as crashed", async (t) => {
  const cwd = tempWorkspace(t, { "wait.ts": 'await tools.exec({ command: ["sleep", "20"] });\nreturn 1;' });
  const dbPath = path.join(cwd, ".cody", "cache.db");
  const child = spawn(process.execPath, [CODY_BIN, "script", "run", "-q", "--dangerously-approve-all", "wait.ts"], {
    cwd,
    stdio: "ignore",
  });
  const exited = new Promise((r) => child.once("exit", r));
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  // Wait until the exec call's handler has started (its row says so).
  let runId = "";
  await until(() => {
    if (!fs.existsSync(dbPath)) return false;
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare("SELECT run_id FROM audit_calls WHERE tool = 'exec' AND handler_started = 1").get() as { run_id: string } | undefined;
      runId = row?.run_id ?? "";
    } catch {
      // tables not created yet
    } finally {
      db.close();
    }
    return runId !== "";
  });

  // Another live process opening the same database must not close the running run.
  const live = new AuditLog(openDatabase(dbPath));
  t.deepEqual(live.closeCrashedRuns(), []);
  t.is(live.getRun(runId)?.run.outcome, null);
  live.db.close();
  const during = await runCody(["runs", "show", runId], { cwd });
  t.regex(during.stdout, new RegExp(`outcome  still running \\(pid ${child.pid}\\)`));

  child.kill("SIGKILL");
  await exited;
  const shown = await runCody(["runs", "show", runId], { cwd });
  t.is(shown.code, 0, shown.stderr);
  t.regex(shown.stdout, /outcome {2}crashed: the process that ran it \(pid \d+\) ended without recording an end; found at \d{4}-/);
  t.regex(shown.stdout, /never ended: its process died; found \d{4}-/);
  t.regex(shown.stdout, /exec .*UNKNOWN \(started; its process crashed before it settled\)/);
  const listed = await runCody(["runs", "ls"], { cwd });
  t.regex(listed.stdout, /crashed/);
});
