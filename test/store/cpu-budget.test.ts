/**
 * The CPU budgets the PostgreSQL bench puts each `cody serve` in (bench/cpu-budget.ts): a real cgroup on this box when
 * it allows one (root, cgroup v1 `cpu` or v2 `cpu.max`), removed afterwards even with a process still in it, and
 * groups left by a bench that died are removed by the next one. Where no budget can be set, creating one fails with the
 * reason the bench prints.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import test from "ava";
import { cpuBudgetUnavailable, createCpuBudget } from "../../bench/cpu-budget.js";

const unavailable = cpuBudgetUnavailable();

function sleeper(): ChildProcess {
  return spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

if (unavailable === undefined) {
  test.serial("a budget holds the process it is given at its quota, and is removed with the process still running", async (t) => {
    const budget = createCpuBudget("test", 0.25);
    const child = sleeper();
    t.teardown(() => stop(child));
    t.teardown(() => budget.remove());
    budget.add(child.pid as number);
    t.true(fs.readFileSync(path.join(budget.dir, "cgroup.procs"), "utf8").split("\n").includes(String(child.pid)));
    const quota = fs.existsSync(path.join(budget.dir, "cpu.cfs_quota_us"))
      ? fs.readFileSync(path.join(budget.dir, "cpu.cfs_quota_us"), "utf8").trim()
      : (fs.readFileSync(path.join(budget.dir, "cpu.max"), "utf8").split(" ")[0] ?? "");
    t.is(quota, "25000");
    budget.remove();
    t.false(fs.existsSync(budget.dir));
    t.is(child.exitCode, null, "the process itself is left running (moved back to the root group)");
    budget.remove();
  });

  test.serial("a group left by a bench whose process is gone is removed by the next budget", async (t) => {
    const probe = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await new Promise((r) => probe.once("exit", r));
    const mine = createCpuBudget("probe", 0.5);
    const stale = path.join(path.dirname(mine.dir), `cody-bench-${probe.pid}-left`);
    mine.remove();
    fs.mkdirSync(stale);
    t.teardown(() => {
      if (fs.existsSync(stale)) fs.rmdirSync(stale);
    });
    const next = createCpuBudget("next", 0.5);
    next.remove();
    t.false(fs.existsSync(stale));
  });
} else {
  test("without a writable cgroup cpu controller a budget is refused with the reason", (t) => {
    t.throws(() => createCpuBudget("test", 0.5), { message: new RegExp(`no CPU budget can be set: ${unavailable.replace(/[().]/g, "\\$&")}`) });
  });
}
