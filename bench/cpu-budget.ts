/**
 * A fixed CPU budget for a process and everything it starts, through a Linux cgroup: how the PostgreSQL bench models
 * "one `cody serve` per machine" on one small box (each instance gets its own slice of a core; PostgreSQL and the load
 * client stay outside the budgets). cgroup v1's `cpu` controller (`cpu.cfs_period_us` / `cpu.cfs_quota_us`) where it
 * is mounted, else cgroup v2's `cpu.max`. Needs root (or a delegated cgroup); without one the caller skips its figures.
 *
 * Groups are named `cody-bench-<bench pid>-<name>`: the bench removes its own on the way out (also on failure, and on
 * `exit`), and removes those of benches that died before they could (their pid is gone).
 */
import fs from "node:fs";
import path from "node:path";

const V1_ROOT = "/sys/fs/cgroup/cpu";
const V2_ROOT = "/sys/fs/cgroup";
const PERIOD_US = 100_000;
const PREFIX = "cody-bench-";

export interface CpuBudget {
  /** The cgroup's directory. */
  readonly dir: string;
  /** Cores this group may use (0.5 = half of one core per period). */
  readonly cores: number;
  /** Move a process (all its threads; children it starts later inherit the group) into the budget. */
  add(pid: number): void;
  /** Move what is left in the group back to the root and remove it. Idempotent; best effort. */
  remove(): void;
}

type Flavour = { version: 1; root: string } | { version: 2; root: string };

function writable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function flavour(): Flavour | string {
  if (fs.existsSync(path.join(V1_ROOT, "cpu.cfs_quota_us")) || fs.existsSync(path.join(V1_ROOT, "cgroup.procs"))) {
    return writable(path.join(V1_ROOT, "cgroup.procs")) ? { version: 1, root: V1_ROOT } : `${V1_ROOT} is not writable (run as root)`;
  }
  let controllers = "";
  try {
    controllers = fs.readFileSync(path.join(V2_ROOT, "cgroup.subtree_control"), "utf8");
  } catch {
    return "no cgroup cpu controller is mounted (neither v1 cpu nor v2)";
  }
  if (!controllers.split(/\s+/).includes("cpu")) return `cgroup v2 has no cpu controller enabled for its children (${V2_ROOT}/cgroup.subtree_control)`;
  return writable(path.join(V2_ROOT, "cgroup.procs")) ? { version: 2, root: V2_ROOT } : `${V2_ROOT} is not writable (run as root)`;
}

/** Why no budget can be set here (shown in the bench's note), or undefined when one can. */
export function cpuBudgetUnavailable(): string | undefined {
  const f = flavour();
  return typeof f === "string" ? f : undefined;
}

const live = new Set<CpuBudget>();
process.on("exit", () => {
  for (const b of live) b.remove();
});

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function removeGroup(root: string, dir: string): void {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      for (const pid of fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n").filter((l) => l !== "")) {
        try {
          fs.writeFileSync(path.join(root, "cgroup.procs"), pid);
        } catch {
          // exited meanwhile
        }
      }
      fs.rmdirSync(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      // EBUSY while a process that was in it is still exiting
      sleepMs(20);
    }
  }
}

/** Groups left by benches whose process is gone (killed before their cleanup ran). */
function removeStale(root: string): void {
  for (const name of fs.readdirSync(root)) {
    const owner = Number(/^cody-bench-(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) removeGroup(root, path.join(root, name));
  }
}

/**
 * Create a budget of `cores` (e.g. 0.5: 50 ms of CPU per 100 ms period, whatever the number of threads).
 * @throws Error when the box allows none (see cpuBudgetUnavailable).
 */
export function createCpuBudget(name: string, cores: number): CpuBudget {
  const f = flavour();
  if (typeof f === "string") throw new Error(`no CPU budget can be set: ${f}`);
  removeStale(f.root);
  const dir = path.join(f.root, `${PREFIX}${process.pid}-${name}`);
  fs.mkdirSync(dir);
  const quota = String(Math.round(cores * PERIOD_US));
  let removed = false;
  const budget: CpuBudget = {
    dir,
    cores,
    add(pid) {
      fs.writeFileSync(path.join(dir, "cgroup.procs"), String(pid));
    },
    remove() {
      if (removed) return;
      removed = true;
      live.delete(budget);
      removeGroup(f.root, dir);
    },
  };
  live.add(budget);
  try {
    // The quota caps the group; the weight (10× the default) lets it have its quota while other work on the box
    // (other groups' builds) competes for the cores, as an instance on a machine of its own would.
    if (f.version === 1) {
      fs.writeFileSync(path.join(dir, "cpu.cfs_period_us"), String(PERIOD_US));
      fs.writeFileSync(path.join(dir, "cpu.cfs_quota_us"), quota);
      fs.writeFileSync(path.join(dir, "cpu.shares"), "10240");
    } else {
      fs.writeFileSync(path.join(dir, "cpu.max"), `${quota} ${PERIOD_US}`);
      fs.writeFileSync(path.join(dir, "cpu.weight"), "1000");
    }
  } catch (error) {
    budget.remove();
    throw error;
  }
  return budget;
}
