import fs from "node:fs";
import path from "node:path";
import test from "ava";
import BetterSqlite3 from "better-sqlite3";
import { ArtifactCache, loadOrCreateKey } from "../../src/cache/index.js";
import { CacheError } from "../../src/errors/index.js";
import { openDatabase } from "../../src/store/index.js";
import { fakeArtifact, hashOf, manualClock, tempDir } from "./helpers.js";

function open(t: { teardown: (fn: () => void) => void }, db: string, opts: Partial<ConstructorParameters<typeof ArtifactCache>[0]> = {}): ArtifactCache {
  const cache = new ArtifactCache({ db, ...opts });
  t.teardown(() => cache.close());
  return cache;
}

test("a put artifact is a hit from the LRU in the same instance, with identical bytes and metadata", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const cache = open(t, db);
  const a = fakeArtifact("one");
  cache.put(a);
  const hit = cache.get(a.hash);
  t.is(hit?.level, "lru");
  t.deepEqual(hit?.artifact, a);
  t.true(cache.has(a.hash));
});

test("a second cache on the same file first hits SQLite, then its own LRU", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const a = fakeArtifact("shared");
  open(t, db).put(a);
  const second = open(t, db);
  const first = second.get(a.hash);
  t.is(first?.level, "sqlite");
  t.deepEqual(first?.artifact, a);
  t.true(first?.artifact.bytecode instanceof Uint8Array);
  t.is(second.get(a.hash)?.level, "lru");
  const s = second.stats();
  t.deepEqual([s.lru.hits, s.lru.misses, s.sqlite.hits, s.sqlite.misses], [1, 1, 1, 0]);
  t.is(s.sqlite.entries, 1);
  t.is(s.sqlite.bytes, 1002);
});

test("an unknown hash is a miss at both levels", (t) => {
  const cache = open(t, path.join(tempDir(t), "cache.db"));
  t.is(cache.get(hashOf("nothing")), undefined);
  t.false(cache.has(hashOf("nothing")));
  t.is(cache.get("not a hash!"), undefined);
  const s = cache.stats();
  t.is(s.lru.misses, 2);
  t.is(s.sqlite.misses, 2);
  t.is(s.sqlite.rejected, 0);
});

test("the same script checked against a different .d.ts has a different hash, which misses", (t) => {
  const cache = open(t, path.join(tempDir(t), "cache.db"));
  const a = fakeArtifact("script", 100, { dtsHash: hashOf("tools-v1") });
  cache.put(a);
  // The compiler folds dtsHash into the hash; the cache only ever sees the resulting key.
  const otherHash = hashOf(`script|${hashOf("tools-v2")}`);
  t.is(cache.get(otherHash), undefined);
  t.is(cache.get(a.hash)?.artifact.dtsHash, hashOf("tools-v1"));
});

test("put copies the bytecode, so the caller reusing its buffer does not change the cache", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const cache = open(t, db);
  const a = fakeArtifact("copy", 10);
  const original = new Uint8Array(a.bytecode);
  cache.put(a);
  a.bytecode.fill(0);
  t.deepEqual(cache.get(a.hash)?.artifact.bytecode, original);
  t.deepEqual(open(t, db).get(a.hash)?.artifact.bytecode, original);
});

function tamper(db: string, sql: string, ...params: unknown[]): void {
  const raw = new BetterSqlite3(db);
  raw.prepare(sql).run(...params);
  raw.close();
}

test("one flipped bytecode byte in the database makes the row a miss, and a recompiled put replaces it", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const a = fakeArtifact("victim", 500);
  open(t, db).put(a);
  const flipped = Buffer.from(a.bytecode);
  flipped[250] = (flipped[250] ?? 0) ^ 0x01;
  tamper(db, "UPDATE cache_artifacts SET bytecode = ? WHERE hash = ?", flipped, a.hash);

  const cache = open(t, db);
  t.is(cache.get(a.hash), undefined);
  t.false(cache.has(a.hash));
  const s = cache.stats();
  t.is(s.sqlite.rejected, 1);
  t.is(s.sqlite.misses, 1);

  cache.put(a); // what the compiler does after the miss
  t.deepEqual(open(t, db).get(a.hash)?.artifact.bytecode, a.bytecode);
});

test("tampered metadata (filename, source map, created time) also makes the row a miss", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const a = fakeArtifact("a");
  const b = fakeArtifact("b");
  const c = fakeArtifact("c");
  const writer = open(t, db);
  for (const x of [a, b, c]) writer.put(x);
  tamper(db, "UPDATE cache_artifacts SET filename = 'evil.ts' WHERE hash = ?", a.hash);
  tamper(db, "UPDATE cache_artifacts SET source_map = '{\"v\":3}' WHERE hash = ?", b.hash);
  tamper(db, "UPDATE cache_artifacts SET created_at = created_at + 1 WHERE hash = ?", c.hash);
  const reader = open(t, db);
  t.is(reader.get(a.hash), undefined);
  t.is(reader.get(b.hash), undefined);
  t.is(reader.get(c.hash), undefined);
  t.is(reader.stats().sqlite.rejected, 3);
});

test("a row whose MAC was copied from another row is a miss (the MAC covers the hash)", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const a = fakeArtifact("a", 50);
  const b = fakeArtifact("b", 50);
  const writer = open(t, db);
  writer.put(a);
  writer.put(b);
  // Swap a's content under b's key, MAC and all: the classic substitution attack.
  tamper(db, "UPDATE cache_artifacts SET (bytecode, mac) = (SELECT bytecode, mac FROM cache_artifacts WHERE hash = ?) WHERE hash = ?", a.hash, b.hash);
  t.is(open(t, db).get(b.hash), undefined);
});

test("a cache opened with a different key file misses every row, and verify removes them", (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, "cache.db");
  const a = fakeArtifact("keyed");
  open(t, db).put(a);
  t.true(fs.existsSync(path.join(dir, "cache.key")));

  const other = open(t, db, { keyFile: path.join(dir, "other.key") });
  t.is(other.get(a.hash), undefined);
  t.is(other.stats().sqlite.rejected, 1);
  t.deepEqual(other.verify({ remove: false }).bad, [a.hash]);
  t.is(other.stats().sqlite.entries, 1);
  const result = other.verify();
  t.deepEqual(result.bad, [a.hash]);
  t.is(result.removed, 1);
  t.true(result.sqliteOk);
  t.is(other.stats().sqlite.entries, 0);
});

test("the key file is created with mode 0600 and holds 32 random bytes as hex", (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "nested", "k.key");
  const key = loadOrCreateKey(file);
  t.is(key.byteLength, 32);
  t.is(fs.statSync(file).mode & 0o777, 0o600);
  t.regex(fs.readFileSync(file, "utf8"), /^[0-9a-f]{64}\n$/);
  t.deepEqual(loadOrCreateKey(file), key);
  t.deepEqual(fs.readdirSync(path.dirname(file)), ["k.key"]);
});

test("a malformed key file is a CacheError naming it, not a silently new key", (t) => {
  const dir = tempDir(t);
  const keyFile = path.join(dir, "bad.key");
  fs.writeFileSync(keyFile, "abc\n");
  const error = t.throws(() => new ArtifactCache({ db: path.join(dir, "c.db"), keyFile }), { instanceOf: CacheError });
  t.is(error?.details["path"], keyFile);
  t.is(fs.readFileSync(keyFile, "utf8"), "abc\n");
});

test("an in-memory database works with a throwaway key", (t) => {
  const cache = open(t, ":memory:");
  const a = fakeArtifact("mem");
  cache.put(a);
  t.is(cache.get(a.hash)?.level, "lru");
  t.is(cache.stats().sqlite.entries, 1);
});

test("a cache over a caller's open database leaves it open on close", (t) => {
  const db = openDatabase(path.join(tempDir(t), "c.db"));
  t.teardown(() => db.close());
  const cache = new ArtifactCache({ db });
  cache.put(fakeArtifact("x"));
  cache.close();
  t.true(db.open);
  t.is((db.prepare("SELECT count(*) AS n FROM cache_artifacts").get() as { n: number }).n, 1);
  t.throws(() => cache.get(hashOf("x")), { instanceOf: CacheError, message: /closed/ });
});

test("the LRU holds at most lruMaxBytes: an entry of exactly the budget fits, one byte more goes to SQLite only", (t) => {
  const cache = open(t, path.join(tempDir(t), "cache.db"), { lruMaxBytes: 1000 });
  const exact = fakeArtifact("exact", 998); // 998 + 2 bytes of source map = 1000
  cache.put(exact);
  t.is(cache.stats().lru.bytes, 1000);
  t.is(cache.get(exact.hash)?.level, "lru");
  const over = fakeArtifact("over", 999);
  cache.put(over);
  t.is(cache.get(over.hash)?.level, "sqlite");
  t.true(cache.stats().lru.bytes <= 1000);
});

test("the LRU evicts the least recently used entry when the byte budget is exceeded", (t) => {
  const cache = open(t, path.join(tempDir(t), "cache.db"), { lruMaxBytes: 3000 });
  const [a, b, c, d] = ["a", "b", "c", "d"].map((n) => fakeArtifact(n, 998));
  for (const x of [a, b, c]) cache.put(x!);
  t.is(cache.get(a!.hash)?.level, "lru"); // a is now most recent; b is least
  cache.put(d!);
  const s = cache.stats();
  t.is(s.lru.entries, 3);
  t.is(s.lru.bytes, 3000);
  t.is(cache.get(b!.hash)?.level, "sqlite");
  t.is(cache.get(d!.hash)?.level, "lru");
});

test("lruMaxBytes 0 disables the LRU and a negative or fractional budget is refused", (t) => {
  const dir = tempDir(t);
  const cache = open(t, path.join(dir, "cache.db"), { lruMaxBytes: 0 });
  const a = fakeArtifact("nolru");
  cache.put(a);
  t.is(cache.get(a.hash)?.level, "sqlite");
  t.is(cache.get(a.hash)?.level, "sqlite");
  t.is(cache.stats().lru.entries, 0);
  t.throws(() => new ArtifactCache({ db: path.join(dir, "x.db"), lruMaxBytes: -1 }), { instanceOf: CacheError });
  t.throws(() => new ArtifactCache({ db: path.join(dir, "y.db"), lruMaxBytes: 1.5 }), { instanceOf: CacheError });
});

test("an approval is stored per hash and survives reopening the database", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const clock = manualClock();
  const a = fakeArtifact("approved");
  const first = new ArtifactCache({ db, clock: clock.now });
  first.put(a);
  t.false(first.isApproved(a.hash));
  const approved = first.approve(a.hash, "alice");
  t.is(approved.approvedBy, "alice");
  t.is(approved.approvedAt, clock.now());
  first.close();

  const second = open(t, db);
  t.true(second.isApproved(a.hash));
  const hit = second.get(a.hash);
  t.is(hit?.artifact.approvedBy, "alice");
  t.is(hit?.artifact.approvedAt, clock.now());
  t.false(second.isApproved(hashOf("other")));
});

test("an approval made by another instance is visible on an LRU hit", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const a = fakeArtifact("seen");
  const one = open(t, db);
  one.put(a);
  t.is(one.get(a.hash)?.artifact.approvedBy, undefined);
  open(t, db).approve(a.hash, "bob");
  const hit = one.get(a.hash);
  t.is(hit?.level, "lru");
  t.is(hit?.artifact.approvedBy, "bob");
});

test("approving an unknown hash or with a blank approver is a CacheError", (t) => {
  const cache = open(t, path.join(tempDir(t), "cache.db"));
  t.throws(() => cache.approve(hashOf("ghost"), "alice"), { instanceOf: CacheError, message: /No cached artifact/ });
  const a = fakeArtifact("x");
  cache.put(a);
  t.throws(() => cache.approve(a.hash, " "), { instanceOf: CacheError });
  t.throws(() => cache.approve(a.hash, "two\nlines"), { instanceOf: CacheError });
  t.notThrows(() => cache.approve(a.hash, "x".repeat(200)));
  t.throws(() => cache.approve(a.hash, "x".repeat(201)), { instanceOf: CacheError });
});

test("approval fields on a put artifact are ignored: only approve() records an approval", (t) => {
  const cache = open(t, path.join(tempDir(t), "cache.db"));
  const a = fakeArtifact("sneaky", 10, { approvedBy: "mallory", approvedAt: 1 });
  cache.put(a);
  t.false(cache.isApproved(a.hash));
  t.is(cache.get(a.hash)?.artifact.approvedBy, undefined);
});

test("a forged approval row (no valid MAC) does not count as approved", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const a = fakeArtifact("forged");
  const b = fakeArtifact("real");
  const cache = open(t, db);
  cache.put(a);
  cache.put(b);
  cache.approve(b.hash, "alice");
  tamper(db, "INSERT INTO cache_approvals (hash, approved_by, approved_at, mac) VALUES (?, 'mallory', 1, zeroblob(32))", a.hash);
  tamper(db, "UPDATE cache_approvals SET approved_by = 'mallory' WHERE hash = ?", b.hash);
  t.false(cache.isApproved(a.hash));
  t.false(cache.isApproved(b.hash));
  t.is(cache.list({ approvedOnly: true }).length, 0);
  const result = cache.verify();
  t.deepEqual(result.badApprovals.sort(), [a.hash, b.hash].sort());
  t.deepEqual(result.bad, []);
});

test("list shows every artifact most recently used first, with hits written back across instances", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const clock = manualClock();
  const a = fakeArtifact("a", 100);
  const b = fakeArtifact("b", 200);
  const one = new ArtifactCache({ db, clock: clock.now });
  one.put(a);
  clock.advance(10);
  one.put(b);
  clock.advance(10);
  one.get(a.hash);
  one.get(a.hash);
  one.approve(a.hash, "carol");
  one.close();
  const list = open(t, db).list();
  t.deepEqual(
    list.map((s) => [s.filename, s.bytes, s.hits, s.approvedBy]),
    [
      ["a.ts", 102, 2, "carol"],
      ["b.ts", 202, 0, undefined],
    ],
  );
  t.is(list[0]?.lastUsedAt, clock.now());
  t.deepEqual(open(t, db).list({ approvedOnly: true }).map((s) => s.hash), [a.hash]);
});

test("prune by age removes entries unused for longer than the limit but keeps approved ones", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const clock = manualClock();
  const cache = open(t, db, { clock: clock.now });
  const [old, oldApproved, edge, fresh] = ["old", "oldApproved", "edge", "fresh"].map((n) => fakeArtifact(n, 100));
  cache.put(old!);
  cache.put(oldApproved!);
  cache.approve(oldApproved!.hash, "alice");
  clock.advance(1000);
  cache.put(edge!); // used exactly olderThanMs ago at prune time: kept (strictly older is removed)
  clock.advance(1);
  cache.put(fresh!);
  clock.advance(999);
  const result = cache.prune({ olderThanMs: 1000 });
  t.deepEqual(result, { removed: 1, bytesFreed: 102 });
  t.is(cache.get(old!.hash), undefined);
  t.not(cache.get(oldApproved!.hash), undefined);
  t.not(cache.get(edge!.hash), undefined);
  t.not(cache.get(fresh!.hash), undefined);
});

test("a hit counts as use, so prune by age keeps a recently read entry", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const clock = manualClock();
  const cache = open(t, db, { clock: clock.now });
  const a = fakeArtifact("read", 10);
  cache.put(a);
  clock.advance(5000);
  cache.get(a.hash);
  clock.advance(10);
  t.is(cache.prune({ olderThanMs: 1000 }).removed, 0);
});

test("prune by bytes removes least recently used unapproved entries down to the budget, exactly at the edge", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const clock = manualClock();
  const cache = open(t, db, { clock: clock.now });
  const [a, b, c, d] = ["a", "b", "c", "d"].map((n) => fakeArtifact(n, 98)); // 100 bytes each
  for (const x of [a, b, c, d]) {
    cache.put(x!);
    clock.advance(1);
  }
  cache.approve(a!.hash, "alice"); // oldest, but approved
  t.deepEqual(cache.prune({ maxBytes: 400 }), { removed: 0, bytesFreed: 0 });
  t.deepEqual(cache.prune({ maxBytes: 399 }), { removed: 1, bytesFreed: 100 });
  t.false(cache.has(b!.hash));
  t.deepEqual(cache.prune({ maxBytes: 0 }), { removed: 2, bytesFreed: 200 });
  t.deepEqual(cache.list().map((s) => s.hash), [a!.hash]);
});

test("prune with keepApproved false removes approved entries and their approvals", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const cache = open(t, db);
  const a = fakeArtifact("gone", 10);
  cache.put(a);
  cache.approve(a.hash, "alice");
  t.deepEqual(cache.prune({ maxBytes: 0, keepApproved: false }), { removed: 1, bytesFreed: 12 });
  t.false(cache.isApproved(a.hash));
  t.is(cache.get(a.hash), undefined);
});

test("prune rejects negative or non-integer limits and does nothing without any", (t) => {
  const cache = open(t, path.join(tempDir(t), "cache.db"));
  cache.put(fakeArtifact("stay"));
  t.throws(() => cache.prune({ olderThanMs: -1 }), { instanceOf: CacheError });
  t.throws(() => cache.prune({ maxBytes: 1.5 }), { instanceOf: CacheError });
  t.deepEqual(cache.prune({}), { removed: 0, bytesFreed: 0 });
  t.is(cache.stats().sqlite.entries, 1);
});

test("put rejects a malformed artifact naming the bad field", (t) => {
  const cache = open(t, path.join(tempDir(t), "cache.db"));
  const bad = { ...fakeArtifact("bad"), bytecode: "not bytes" } as unknown as Parameters<ArtifactCache["put"]>[0];
  const error = t.throws(() => cache.put(bad), { instanceOf: CacheError });
  t.is(error?.details["path"], "artifact.bytecode");
  t.throws(() => cache.put({ ...fakeArtifact("x"), hash: "" }), { instanceOf: CacheError, message: /hash/ });
  t.throws(() => cache.put({ ...fakeArtifact("x"), sourceBytes: -1 }), { instanceOf: CacheError, message: /sourceBytes/ });
  t.is(cache.stats().sqlite.entries, 0);
});

test("verify on a healthy cache reports every row checked and nothing bad", (t) => {
  const cache = open(t, path.join(tempDir(t), "cache.db"));
  for (let i = 0; i < 5; i++) cache.put(fakeArtifact(`v${i}`, 64));
  cache.approve(hashOf("v0"), "alice");
  t.deepEqual(cache.verify(), { checked: 5, bad: [], badApprovals: [], removed: 0, sqliteOk: true });
});

test("the cache's migrations leave other namespaces in the same file alone", (t) => {
  const file = path.join(tempDir(t), "cache.db");
  const db = openDatabase(file);
  t.teardown(() => db.close());
  db.exec("CREATE TABLE schema_migrations (namespace TEXT PRIMARY KEY, version INTEGER NOT NULL)");
  db.prepare("INSERT INTO schema_migrations VALUES ('audit', 7)").run();
  const cache = new ArtifactCache({ db });
  cache.close();
  const again = new ArtifactCache({ db });
  again.close();
  t.deepEqual(db.prepare("SELECT namespace, version FROM schema_migrations ORDER BY namespace").all(), [
    { namespace: "audit", version: 7 },
    { namespace: "cache", version: 1 },
  ]);
});

test("verify reports a damaged database file as sqliteOk false without throwing or deleting anything", (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const writer = new ArtifactCache({ db });
  for (let i = 0; i < 40; i++) writer.put(fakeArtifact(`row${i}`, 3000)); // about one row per 4 KB page
  writer.close();
  const size = fs.statSync(db).size;
  const fd = fs.openSync(db, "r+");
  const page = Math.floor(size / 4096 / 2); // a data page in the middle of the artifacts table
  fs.writeSync(fd, Buffer.alloc(4096, 0x41), 0, 4096, page * 4096);
  fs.closeSync(fd);
  const cache = open(t, db);
  const result = cache.verify();
  t.false(result.sqliteOk);
  t.is(result.removed, 0);
});

test("hits while another connection holds the write lock are kept and written back later, and busy_timeout is restored", (t) => {
  const file = path.join(tempDir(t), "cache.db");
  const db = openDatabase(file);
  t.teardown(() => db.close());
  const clock = manualClock();
  const cache = new ArtifactCache({ db, clock: clock.now });
  const a = fakeArtifact("locked", 10);
  cache.put(a);
  const holder = new BetterSqlite3(file);
  holder.exec("BEGIN IMMEDIATE");
  for (let i = 0; i < 3; i++) {
    clock.advance(5_000); // past the write-back interval: each hit attempts a write-back, which must not wait
    t.is(cache.get(a.hash)?.level, "lru");
  }
  t.is(db.pragma("busy_timeout", { simple: true }), 5000);
  holder.exec("ROLLBACK");
  holder.close();
  t.is(cache.list()[0]?.hits, 3);
  cache.close();
});
