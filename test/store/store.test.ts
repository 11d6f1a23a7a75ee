import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import test from "ava";
import { CacheError, UsageError } from "../../src/errors/index.js";
import { migrate, openDatabase, resolveDatabasePath, schemaVersion } from "../../src/store/index.js";

const storeIndex = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/store/index.js")).href;

function tempDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-store-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("openDatabase creates missing parent directories and sets WAL, busy timeout, foreign keys and NORMAL sync", (t) => {
  const dir = tempDir(t);
  const db = openDatabase(path.join(dir, "a", "b", "cache.db"));
  t.teardown(() => db.close());
  t.true(fs.existsSync(path.join(dir, "a", "b", "cache.db")));
  t.is(db.pragma("journal_mode", { simple: true }), "wal");
  t.is(db.pragma("busy_timeout", { simple: true }), 5000);
  t.is(db.pragma("foreign_keys", { simple: true }), 1);
  t.is(db.pragma("synchronous", { simple: true }), 1);
});

test("openDatabase wraps a file that is not a database in a CacheError naming the path", (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "junk.db");
  fs.writeFileSync(file, "this is not sqlite, just text that is long enough to have a header........".repeat(20));
  const error = t.throws(() => openDatabase(file), { instanceOf: CacheError });
  t.is(error?.details["path"], file);
  t.regex(error?.message ?? "", /junk\.db/);
});

test("openDatabase wraps an uncreatable parent directory in a CacheError", (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, "file"), "x");
  const error = t.throws(() => openDatabase(path.join(dir, "file", "sub", "c.db")), { instanceOf: CacheError });
  t.is(error?.code, "CODY_CACHE");
});

test("migrate applies each step once and running it again changes nothing", (t) => {
  const db = openDatabase(":memory:");
  t.teardown(() => db.close());
  const steps = ["CREATE TABLE t (a INTEGER)", "INSERT INTO t VALUES (1)"];
  migrate(db, "demo", steps);
  migrate(db, "demo", steps);
  t.is(schemaVersion(db, "demo"), 2);
  t.is((db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, 1);
});

test("schemaVersion of a fresh database is 0 and reading it creates no table", (t) => {
  const db = openDatabase(":memory:");
  t.teardown(() => db.close());
  t.is(schemaVersion(db, "anything"), 0);
  t.is((db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number }).n, 0);
});

test("migrate applies only the steps appended since the last run", (t) => {
  const db = openDatabase(":memory:");
  t.teardown(() => db.close());
  migrate(db, "demo", ["CREATE TABLE t (a INTEGER)"]);
  migrate(db, "demo", ["CREATE TABLE t (a INTEGER)", "ALTER TABLE t ADD COLUMN b TEXT", "INSERT INTO t VALUES (1, 'x')"]);
  t.is(schemaVersion(db, "demo"), 3);
  t.deepEqual(db.prepare("SELECT a, b FROM t").all(), [{ a: 1, b: "x" }]);
});

test("two namespaces in one file keep independent versions", (t) => {
  const db = openDatabase(":memory:");
  t.teardown(() => db.close());
  migrate(db, "audit", ["CREATE TABLE audit_log (x)"]);
  migrate(db, "conversations", ["CREATE TABLE conv (x)", "CREATE TABLE conv_msg (x)"]);
  migrate(db, "audit", ["CREATE TABLE audit_log (x)"]);
  t.is(schemaVersion(db, "audit"), 1);
  t.is(schemaVersion(db, "conversations"), 2);
  t.is(schemaVersion(db, "never"), 0);
});

test("a failing step is rolled back, earlier steps stay, and the error names namespace and step", (t) => {
  const db = openDatabase(":memory:");
  t.teardown(() => db.close());
  const error = t.throws(() => migrate(db, "demo", ["CREATE TABLE ok (a)", "CREATE TABLE half (a); SELEC nonsense"]), {
    instanceOf: CacheError,
  });
  t.is(error?.details["namespace"], "demo");
  t.is(error?.details["step"], 2);
  t.is(schemaVersion(db, "demo"), 1);
  t.is(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get(), undefined);
});

test("a database at a newer version than the known steps is refused", (t) => {
  const db = openDatabase(":memory:");
  t.teardown(() => db.close());
  migrate(db, "demo", ["CREATE TABLE a (x)", "CREATE TABLE b (x)"]);
  const error = t.throws(() => migrate(db, "demo", ["CREATE TABLE a (x)"]), { instanceOf: CacheError });
  t.is(error?.details["version"], 2);
  t.is(error?.details["known"], 1);
});

test("migrate rejects a malformed namespace or an empty step", (t) => {
  const db = openDatabase(":memory:");
  t.teardown(() => db.close());
  t.throws(() => migrate(db, "", ["CREATE TABLE a (x)"]), { instanceOf: CacheError });
  t.throws(() => migrate(db, "Bad Name", ["CREATE TABLE a (x)"]), { instanceOf: CacheError });
  t.throws(() => migrate(db, "ok", ["  "]), { instanceOf: CacheError });
});

test("two processes migrating the same file at once apply every step exactly once", async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "race.db");
  // Many namespaces whose steps are NOT idempotent (plain CREATE TABLE + INSERT): a double apply would fail or add rows.
  const script = `
    const { migrate, openDatabase } = await import(${JSON.stringify(storeIndex)});
    const db = openDatabase(${JSON.stringify(file)});
    for (let i = 0; i < 40; i++) {
      migrate(db, "ns" + i, ["CREATE TABLE t" + i + " (p INTEGER)", "INSERT INTO t" + i + " VALUES (" + process.pid + ")", "CREATE TABLE u" + i + " (x)"]);
    }
    db.close();`;
  const run = () =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (code) => resolve({ code, stderr }));
    });
  const results = await Promise.all([run(), run(), run()]);
  for (const r of results) t.is(r.code, 0, r.stderr);
  const db = openDatabase(file);
  t.teardown(() => db.close());
  for (let i = 0; i < 40; i++) {
    t.is(schemaVersion(db, `ns${i}`), 3);
    t.is((db.prepare(`SELECT count(*) AS n FROM t${i}`).get() as { n: number }).n, 1);
  }
});

test("resolveDatabasePath prefers the flag, then CODY_DB, then <cwd>/.cody/cache.db", (t) => {
  const cwd = path.join(os.tmpdir(), "proj");
  t.is(resolveDatabasePath({ cwd, flag: "x.db", env: { CODY_DB: "/abs/env.db" } }), path.join(cwd, "x.db"));
  t.is(resolveDatabasePath({ cwd, env: { CODY_DB: "/abs/env.db" } }), "/abs/env.db");
  t.is(resolveDatabasePath({ cwd, env: { CODY_DB: "rel/env.db" } }), path.join(cwd, "rel", "env.db"));
  t.is(resolveDatabasePath({ cwd, env: {} }), path.join(cwd, ".cody", "cache.db"));
  t.is(resolveDatabasePath({ cwd, flag: undefined, env: { CODY_DB: "" } }), path.join(cwd, ".cody", "cache.db"));
  t.is(resolveDatabasePath({ cwd, flag: ":memory:", env: {} }), ":memory:");
  t.throws(() => resolveDatabasePath({ cwd, flag: "", env: {} }), { instanceOf: UsageError });
});
