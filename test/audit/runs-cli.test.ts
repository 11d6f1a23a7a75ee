import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { CallbackApprover } from "../../src/approval/index.js";
import { AuditLog } from "../../src/audit/index.js";
import { readFile, registry, slowWrite, writeNote } from "../dispatch/helpers.js";
import { auditHarness, tempDb } from "./helpers.js";

/** Repo root: this file runs as dist/test/audit/runs-cli.test.js. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Run the real CLI; `stderr` also says how the process ended when it was killed by a signal. */
function cody(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [path.join(ROOT, "bin/cody.js"), ...args], { cwd: ROOT, env: { ...process.env, CODY_DB: "", ...env } }, (_error, stdout, stderr) => {
      resolve({ code: child.exitCode, stdout, stderr: child.signalCode ? `${stderr}[killed by ${child.signalCode}]` : stderr });
    });
  });
}

/**
 * A database holding one real timed-out run, made through the harness: a completed write, a write cut off by the
 * time limit, a denied write. Plus one run row with no end (what a killed process leaves), for the listing.
 */
async function prepareOnce() {
  const db = tempDb();
  db.audit.db.close();
  const slow = slowWrite();
  const harness = await auditHarness(db.dir, {
    registry: registry(readFile, writeNote, slow.tool),
    policy: { policy: "on-request", allowTools: ["slowWrite"] },
    approver: new CallbackApprover((req) => (req.callId === "c1" ? "approve" : "deny")),
  });
  try {
    const source = [
      'await tools.writeNote({ name: "CHANGELOG", text: "v1" });',
      'const upload = tools.slowWrite({ name: "upload" });',
      'try { await tools.writeNote({ name: "tag", text: "v1" }); } catch {}',
      "await upload;",
    ].join("\n");
    // The run ends by its time limit while slowWrite waits for a release that never comes. The two writes before it
    // take milliseconds, but seconds were seen on this box under load: the limit leaves ten times that.
    const result = await harness.run({ source, filename: "release.ts" }, { runId: "run-7f3a", limits: { timeoutMs: 10_000 } });
    if (result.error?.code !== "CODY_LIMIT_TIMEOUT") throw new Error(`expected a timeout, got ${JSON.stringify(result.error)}`);
    const audit = new AuditLog(harness.db);
    audit.recordRunStart({ runId: "run-0001", scriptName: "other.ts", startedAt: 1 });
    return { ...db, hash: result.hash };
  } finally {
    await harness.close();
  }
}

// One real run (it waits out its time limit) shared by the read-only CLI tests below.
let prepared: ReturnType<typeof prepareOnce> | undefined;
const prepare = (): ReturnType<typeof prepareOnce> => (prepared ??= prepareOnce());
test.after.always(async () => (await prepared)?.cleanup());

test("cody runs show prints each call and marks which side effects completed and which were cut off", async (t) => {
  const db = await prepare();
  const r = await cody(["runs", "show", "run-7f3a", "--db", db.file]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /run {6}run-7f3a/);
  t.regex(r.stdout, new RegExp(`script {3}release\\.ts {2}hash ${db.hash}`));
  t.regex(r.stdout, /outcome {2}timeout {2}CODY_LIMIT_TIMEOUT: Script exceeded its time limit of 10000 ms/);
  t.regex(r.stdout, /effects {2}1 completed, 1 cut off, 0 failed, 0 unsettled, 1 not run/);
  t.regex(r.stdout, /c1 +writeNote +ask → approve \(user\) +ok .*completed/);
  t.regex(r.stdout, /c2 +slowWrite +skip \(allow-rule\) +aborted .*CUT OFF \(started, did not finish\)/);
  t.regex(r.stdout, /c3 +writeNote +ask → deny \(user\) +denied .*not run/);
  t.regex(r.stdout, /error {2}CODY_ABORTED: slowWrite \(c2\) cut off while running/);
});

test("cody runs show --json gives the run and calls with their side effect", async (t) => {
  const db = await prepare();
  const r = await cody(["runs", "show", "run-7f", "--db", db.file, "--json"]);
  t.is(r.code, 0, r.stderr);
  const parsed = JSON.parse(r.stdout) as { run: { runId: string; outcome: string }; calls: { callId: string; outcome: string; sideEffect: string }[] };
  t.is(parsed.run.runId, "run-7f3a");
  t.is(parsed.run.outcome, "timeout");
  t.deepEqual(parsed.calls.map((c) => [c.callId, c.outcome, c.sideEffect]), [
    ["c1", "ok", "completed"],
    ["c2", "aborted", "cut-off"],
    ["c3", "denied", "not-run"],
  ]);
});

test("cody runs ls lists runs newest first, as text and JSON, honouring CODY_DB", async (t) => {
  const db = await prepare();
  const r = await cody(["runs", "ls"], { CODY_DB: db.file });
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  t.regex(lines[0] ?? "", /^RUN +STARTED +OUTCOME +CALLS +SCRIPT$/);
  t.regex(lines[1] ?? "", new RegExp(`^run-7f3a +\\S+ +timeout +3 \\(1 ok, 1 aborted, 1 denied\\) +release\\.ts ${db.hash.slice(0, 12)}$`));
  t.regex(lines[2] ?? "", /^run-0001 +1970-01-01T00:00:00\.001Z +unended +0 +other\.ts$/);
  const json = await cody(["runs", "ls", "--db", db.file, "--json", "--limit", "1"]);
  t.is(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { runs: { runId: string }[] };
  t.deepEqual(parsed.runs.map((x) => x.runId), ["run-7f3a"]);
});

test("cody runs show fails with exit 2 for an unknown or ambiguous id and a missing database", async (t) => {
  const db = await prepare();
  const unknown = await cody(["runs", "show", "zzz", "--db", db.file]);
  t.is(unknown.code, 2, unknown.stderr);
  t.regex(unknown.stderr, /No run `zzz`/);
  const ambiguous = await cody(["runs", "show", "run-", "--db", db.file]);
  t.is(ambiguous.code, 2, ambiguous.stderr);
  t.regex(ambiguous.stderr, /ambiguous: run-0001, run-7f3a/);
  const missing = await cody(["runs", "show", "x", "--db", path.join(db.dir, "none.db")]);
  t.is(missing.code, 2, missing.stderr);
  t.regex(missing.stderr, /does not exist/);
});
