import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import test from "ava";
import { ArtifactCache } from "../../src/cache/index.js";
import { hashOf, tempDir } from "./helpers.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const hammer = path.join(here, "fixtures", "hammer.js");
const cacheIndex = pathToFileURL(path.resolve(here, "../../src/cache/index.js")).href;

interface Counts {
  puts: number;
  hits: number;
  ownMisses: number;
  sharedMisses: number;
  otherHits: number;
  otherMisses: number;
  rejected: number;
}

/** Start a child, resolve once it printed `ready`; `done` resolves with its exit code and output. */
function start(args: string[]): { child: ChildProcessWithoutNullStreams; ready: Promise<void>; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes("ready\n")) markReady();
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => {
      markReady();
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, ready, done };
}

test("two processes putting and getting hundreds of artifacts at once leave every row valid and all counts consistent", async (t) => {
  const db = path.join(tempDir(t), "shared", "cache.db");
  const count = 300;
  const procs = ["a", "b"].map((id) => start([hammer, db, id, String(count)]));
  await Promise.all(procs.map((p) => p.ready));
  for (const p of procs) p.child.stdin.end("go\n");
  const results = await Promise.all(procs.map((p) => p.done));
  const counts: Counts[] = results.map((r) => {
    t.is(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as Counts;
  });

  for (const c of counts) {
    t.is(c.puts, 2 * count);
    t.is(c.ownMisses, 0);
    t.is(c.sharedMisses, 0);
    t.is(c.rejected, 0);
    t.is(c.otherHits + c.otherMisses, count);
  }
  const cache = new ArtifactCache({ db });
  t.teardown(() => cache.close());
  const result = cache.verify({ remove: false });
  t.true(result.sqliteOk);
  t.deepEqual(result.bad, []);
  t.is(result.checked, 3 * count); // each process's own + the shared ones written by both
  const list = cache.list();
  t.is(list.length, 3 * count);
  // Every hit each process counted was written back to the shared rows.
  t.is(list.reduce((n, s) => n + s.hits, 0), counts.reduce((n, c) => n + c.hits, 0));
  for (let i = 0; i < count; i += 37) {
    t.is(cache.get(hashOf(`a:${i}`))?.artifact.filename, `a:${i}.ts`);
    t.is(cache.get(hashOf(`shared:${i}`))?.artifact.bytecode.byteLength, 512);
  }
});

test("processes creating the key file at the same moment all end up with the same key", async (t) => {
  const dir = tempDir(t);
  const keyFile = path.join(dir, "race", "cache.key");
  const script = `
    import readline from "node:readline";
    const { loadOrCreateKey } = await import(${JSON.stringify(cacheIndex)});
    process.stdout.write("ready\\n");
    await new Promise((r) => readline.createInterface({ input: process.stdin }).once("line", r));
    process.stdout.write(loadOrCreateKey(${JSON.stringify(keyFile)}).toString("hex") + "\\n");`;
  const procs = Array.from({ length: 4 }, () => start(["--input-type=module", "-e", script]));
  await Promise.all(procs.map((p) => p.ready));
  for (const p of procs) p.child.stdin.end("go\n");
  const keys = (await Promise.all(procs.map((p) => p.done))).map((r) => {
    t.is(r.code, 0, r.stderr);
    return r.stdout.trim().split("\n").at(-1);
  });
  t.regex(keys[0] ?? "", /^[0-9a-f]{64}$/);
  t.is(new Set(keys).size, 1);
});

test("an approval recorded by one process is seen by a later process", async (t) => {
  const db = path.join(tempDir(t), "cache.db");
  const hash = hashOf("approved-script");
  const script = (body: string) => `
    const { ArtifactCache } = await import(${JSON.stringify(cacheIndex)});
    const cache = new ArtifactCache({ db: ${JSON.stringify(db)} });
    ${body}
    cache.close();`;
  const put = start([
    "--input-type=module",
    "-e",
    script(`cache.put({ hash: ${JSON.stringify(hash)}, bytecode: new Uint8Array([1, 2, 3]), sourceMap: "{}", filename: "s.ts",
      dtsHash: "d", engineVersion: "e", compilerVersion: "c", sourceBytes: 3, createdAt: 1 });
      cache.approve(${JSON.stringify(hash)}, "alice"); process.stdout.write("ready\\n");`),
  ]);
  t.is((await put.done).code, 0);
  const check = start(["--input-type=module", "-e", script(`process.stdout.write("ready\\n" + JSON.stringify([cache.isApproved(${JSON.stringify(hash)}), cache.get(${JSON.stringify(hash)})?.artifact.approvedBy]));`)]);
  const r = await check.done;
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout.split("\n")[1] ?? "null"), [true, "alice"]);
});
