import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import BetterSqlite3 from "better-sqlite3";
import { ArtifactCache } from "../../src/cache/index.js";
import { fakeArtifact, hashOf, tempDir } from "../cache/helpers.js";

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bin/cody.js");

function cody(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...opts.env };
    if (opts.env && !("CODY_DB" in opts.env)) delete env["CODY_DB"];
    const child = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd ?? process.cwd(), env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A database with three 1000-byte artifacts, the first approved by alice. */
function seed(db: string): string[] {
  const cache = new ArtifactCache({ db });
  const names = ["one", "two", "three"];
  for (const n of names) cache.put(fakeArtifact(n, 998));
  cache.approve(hashOf("one"), "alice");
  cache.get(hashOf("two"));
  cache.close();
  return names.map(hashOf);
}

test("cache stats --json reports entries, bytes, approvals and recorded hits of the --db file", async (t) => {
  const db = path.join(tempDir(t), "c.db");
  seed(db);
  const r = await cody(["cache", "stats", "--db", db, "--json"]);
  t.is(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Record<string, unknown>;
  t.like(s, { db, exists: true, entries: 3, bytes: 3000, approved: 1, hits: 1 });
  const text = await cody(["cache", "stats", "--db", db]);
  t.regex(text.stdout, /entries\s+3 \(2\.9 KB\), 1 approved/);
});

test("CODY_DB moves the database and --cwd moves the default .cody/cache.db", async (t) => {
  const dir = tempDir(t);
  const envDb = path.join(dir, "env.db");
  seed(envDb);
  const viaEnv = await cody(["script", "ls", "--json"], { cwd: dir, env: { CODY_DB: envDb } });
  t.is(viaEnv.code, 0, viaEnv.stderr);
  t.is((JSON.parse(viaEnv.stdout) as { artifacts: unknown[] }).artifacts.length, 3);

  const project = path.join(dir, "project");
  seed(path.join(project, ".cody", "cache.db"));
  const viaCwd = await cody(["cache", "stats", "--cwd", project, "--json"], { env: {} });
  t.is(viaCwd.code, 0, viaCwd.stderr);
  t.like(JSON.parse(viaCwd.stdout), { db: path.join(project, ".cody", "cache.db"), entries: 3 });
});

test("script ls lists cached scripts and --approved only the approved ones", async (t) => {
  const db = path.join(tempDir(t), "c.db");
  const [one] = seed(db);
  const all = await cody(["script", "ls", "--db", db]);
  t.is(all.code, 0, all.stderr);
  t.regex(all.stdout, /^HASH\s+SIZE\s+HITS\s+LAST USED\s+APPROVED\s+FILE$/m);
  t.is(all.stdout.trim().split("\n").length, 4);
  t.regex(all.stdout, new RegExp(`^${one!.slice(0, 12)} .*alice\\s+one\\.ts$`, "m"));
  const approved = await cody(["script", "ls", "--approved", "--db", db, "--json"]);
  const out = JSON.parse(approved.stdout) as { artifacts: { hash: string; approvedBy: string }[] };
  t.deepEqual(out.artifacts.map((a) => [a.hash, a.approvedBy]), [[one, "alice"]]);
});

test("cache verify exits 1 and removes a tampered row, then exits 0", async (t) => {
  const db = path.join(tempDir(t), "c.db");
  const [, two] = seed(db);
  const raw = new BetterSqlite3(db);
  raw.prepare("UPDATE cache_artifacts SET bytecode = zeroblob(998) WHERE hash = ?").run(two);
  raw.close();
  const dry = await cody(["cache", "verify", "--db", db, "--dry-run", "--json"]);
  t.is(dry.code, 1, dry.stderr);
  t.like(JSON.parse(dry.stdout), { checked: 3, bad: [two], removed: 0 });
  const first = await cody(["cache", "verify", "--db", db]);
  t.is(first.code, 1, first.stderr);
  t.regex(first.stdout, new RegExp(`bad artifact\\s+${two}`));
  t.regex(first.stdout, /removed 1 bad row/);
  const second = await cody(["cache", "verify", "--db", db, "--json"]);
  t.is(second.code, 0, second.stderr);
  t.like(JSON.parse(second.stdout), { checked: 2, bad: [], sqliteOk: true });
});

test("cache verify exits 1 on a file SQLite reports as damaged", async (t) => {
  const db = path.join(tempDir(t), "c.db");
  const cache = new ArtifactCache({ db });
  for (let i = 0; i < 40; i++) cache.put(fakeArtifact(`row${i}`, 3000));
  cache.close();
  const fd = fs.openSync(db, "r+");
  fs.writeSync(fd, Buffer.alloc(4096, 0x41), 0, 4096, Math.floor(fs.statSync(db).size / 4096 / 2) * 4096);
  fs.closeSync(fd);
  const r = await cody(["cache", "verify", "--db", db, "--json"]);
  t.is(r.code, 1, r.stderr);
  t.like(JSON.parse(r.stdout), { sqliteOk: false, removed: 0 });
});

test("cache prune --max-bytes keeps approved entries unless --include-approved", async (t) => {
  const db = path.join(tempDir(t), "c.db");
  const [one] = seed(db);
  const kept = await cody(["cache", "prune", "--db", db, "--max-bytes", "1k", "--json"]);
  t.is(kept.code, 0, kept.stderr);
  t.like(JSON.parse(kept.stdout), { removed: 2, bytesFreed: 2000 });
  const ls = JSON.parse((await cody(["script", "ls", "--db", db, "--json"])).stdout) as { artifacts: { hash: string }[] };
  t.deepEqual(ls.artifacts.map((a) => a.hash), [one]);
  const all = await cody(["cache", "prune", "--db", db, "--older-than", "0ms", "--include-approved"]);
  t.is(all.code, 0, all.stderr);
  t.regex(all.stdout, /removed 1 entry/);
});

test("bad prune flags and an unopenable database exit 2", async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, "c.db");
  seed(db);
  const badUnit = await cody(["cache", "prune", "--db", db, "--older-than", "7"]);
  t.is(badUnit.code, 2, badUnit.stderr);
  t.regex(badUnit.stderr, /--older-than/);
  const noLimit = await cody(["cache", "prune", "--db", db]);
  t.is(noLimit.code, 2);
  const badSize = await cody(["cache", "prune", "--db", db, "--max-bytes", "lots"]);
  t.is(badSize.code, 2);
  const notDb = path.join(dir, "text.db");
  fs.writeFileSync(notDb, "not a database at all, definitely not SQLite format 3".repeat(40));
  const io = await cody(["cache", "stats", "--db", notDb]);
  t.is(io.code, 2);
  t.regex(io.stderr, /CacheError: .*text\.db/);
  const unknown = await cody(["cache", "stats", "--db", db, "--frobnicate"]);
  t.is(unknown.code, 2);
});

test("read-only commands on a database that does not exist report it empty and create nothing", async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, "missing", "c.db");
  const stats = await cody(["cache", "stats", "--db", db, "--json"]);
  t.is(stats.code, 0, stats.stderr);
  t.like(JSON.parse(stats.stdout), { exists: false, entries: 0 });
  const ls = await cody(["script", "ls", "--db", db]);
  t.regex(ls.stdout, /no scripts cached/);
  const verify = await cody(["cache", "verify", "--db", db]);
  t.is(verify.code, 0, verify.stderr);
  t.false(fs.existsSync(path.join(dir, "missing")));
});

test("cache prune --older-than also removes script check verdicts older than that, and keeps younger ones", async (t) => {
  const ws = tempDir(t);
  fs.writeFileSync(path.join(ws, "a.ts"), "const n: number = 1;\nreturn n;\n");
  const env = { CODY_DB: "" };
  const check = await cody(["script", "check", "a.ts", "--cwd", ws], { cwd: ws, env });
  t.is(check.code, 0, check.stderr);
  const checks = path.join(ws, ".cody", "checks");
  const [verdict] = fs.readdirSync(checks);
  t.truthy(verdict);
  const file = path.join(checks, verdict ?? "");
  // Made just now: younger than an hour, kept.
  const young = await cody(["cache", "prune", "--cwd", ws, "--older-than", "1h", "--json"], { cwd: ws, env });
  t.is(young.code, 0, young.stderr);
  t.like(JSON.parse(young.stdout), { checkVerdictsRemoved: 0 });
  t.true(fs.existsSync(file));
  // Made two hours ago: older than an hour, removed (with a temp file a killed check left beside it).
  const then = new Date(Date.now() - 2 * 3600_000);
  fs.utimesSync(file, then, then);
  fs.writeFileSync(path.join(checks, `${verdict ?? ""}.123.tmp`), "{");
  fs.utimesSync(path.join(checks, `${verdict ?? ""}.123.tmp`), then, then);
  const old = await cody(["cache", "prune", "--cwd", ws, "--older-than", "1h"], { cwd: ws, env });
  t.is(old.code, 0, old.stderr);
  t.regex(old.stdout, /removed 2 check verdicts/);
  t.deepEqual(fs.readdirSync(checks), []);
  // A later check of the same file type-checks it again and keeps a new verdict.
  const again = await cody(["script", "check", "a.ts", "--cwd", ws], { cwd: ws, env });
  t.is(again.code, 0, again.stderr);
  t.is(fs.readdirSync(checks).length, 1);
});
