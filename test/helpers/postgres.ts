/**
 * A throwaway PostgreSQL cluster for tests: `initdb` into a temp dir, `pg_ctl start` on a free port on 127.0.0.1,
 * `pg_ctl stop` + removal afterwards. Never a mock. One cluster per test file (start it in `test.before`, stop it in
 * `test.after.always`); each test takes its own database with `createDatabase`.
 *
 * initdb refuses to run as root: as root the cluster is made and run by an unprivileged user (`postgres` when it
 * exists, else `nobody`) through `runuser`, and the data dir is handed to that user. Binaries are found on PATH, else
 * under /usr/lib/postgresql/<version>/bin (Debian's layout).
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface PgCluster {
  /** `postgres://cody@127.0.0.1:PORT/postgres` (trust auth on 127.0.0.1 only). */
  url: string;
  port: number;
  dataDir: string;
  /** A fresh empty database; returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** `pg_ctl stop -m fast` (the cluster can be started again with `start`). */
  stop(): void;
  start(): void;
  /** Stop and remove the data dir. Idempotent. */
  destroy(): void;
}

let counter = 0;

function findBin(name: string): string | undefined {
  const onPath = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  if (onPath.status === 0 && onPath.stdout.trim() !== "") return onPath.stdout.trim();
  const root = "/usr/lib/postgresql";
  let versions: string[] = [];
  try {
    versions = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a));
  } catch {
    return undefined;
  }
  for (const v of versions) {
    const candidate = path.join(root, v, "bin", name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Why no cluster can be started here, or undefined when the binaries are present. */
export function postgresUnavailable(): string | undefined {
  for (const bin of ["initdb", "pg_ctl"]) if (findBin(bin) === undefined) return `${bin} not found (install postgresql)`;
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function runAsUser(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const hasPostgres = spawnSync("id", ["-u", "postgres"]).status === 0;
  return hasPostgres ? "postgres" : "nobody";
}

export interface StartPostgresOptions {
  /**
   * Keep PostgreSQL's durable defaults (`fsync`, `synchronous_commit`, `full_page_writes` on), as a real deployment
   * runs: benchmarks measure with them. Tests turn them off (faster, and nothing there must survive a power cut).
   * @default false
   */
  durable?: boolean;
}

/** Start a cluster. Throws with the tool's output when it cannot. */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PgCluster> {
  const initdb = findBin("initdb");
  const pgCtl = findBin("pg_ctl");
  if (initdb === undefined || pgCtl === undefined) throw new Error(postgresUnavailable());
  const user = runAsUser();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "cody-pg-"));
  const dataDir = path.join(base, "data");
  const logFile = path.join(base, "log");
  if (user !== undefined) execFileSync("chown", [user, base]);
  const run = (bin: string, args: string[]): void => {
    const [cmd, argv] = user === undefined ? [bin, args] : ["runuser", ["-u", user, "--", bin, ...args]];
    const out = spawnSync(cmd, argv, { encoding: "utf8", cwd: base });
    if (out.status !== 0) throw new Error(`${path.basename(bin)} failed (${out.status}): ${out.stderr}${out.stdout}`);
  };
  run(initdb, ["-D", dataDir, "-U", "cody", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    "-c unix_socket_directories=''",
    ...(opts.durable === true ? [] : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]),
    "-c max_connections=200",
  ].join(" ");
  let running = false;
  const start = (): void => {
    run(pgCtl, ["-D", dataDir, "-l", logFile, "-o", options, "-w", "-t", "60", "start"]);
    running = true;
  };
  const stop = (): void => {
    if (!running) return;
    running = false;
    run(pgCtl, ["-D", dataDir, "-m", "fast", "-w", "-t", "60", "stop"]);
  };
  start();
  const url = `postgres://cody@127.0.0.1:${port}/postgres`;
  let destroyed = false;
  return {
    url,
    port,
    dataDir,
    start,
    stop,
    async createDatabase(name?: string): Promise<string> {
      const db = name ?? `t${process.pid}_${++counter}`;
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${db}"`);
      } finally {
        await client.end();
      }
      return `postgres://cody@127.0.0.1:${port}/${db}`;
    },
    destroy(): void {
      if (destroyed) return;
      destroyed = true;
      try {
        stop();
      } finally {
        fs.rmSync(base, { recursive: true, force: true });
      }
    },
  };
}
