/** Waiting on real processes and files without timing assertions: poll a condition, give up only far past need. */
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

/** Alive means signalable and not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * Resolve true once `pid` is gone, false if it is still alive after `maxMs` (default 10 s: ten times the exec tool's
 * 1 s SIGTERM → SIGKILL grace, so a false means it was never killed, not that the box was slow).
 */
export async function waitUntilGone(pid: number, maxMs = 10_000): Promise<boolean> {
  const until = Date.now() + maxMs;
  while (isAlive(pid)) {
    if (Date.now() > until) return false;
    await delay(25);
  }
  return true;
}

/** Resolve with the pid written in `file` once it holds one (a child writes it when it starts). */
export async function waitForPidFile(file: string): Promise<number> {
  for (;;) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      // not written yet
    }
    if (/^\d+\s*$/.test(text)) return Number(text);
    await delay(25);
  }
}

/** The state letter of a process (`R`, `S`, `Z` for a zombie…), or undefined once it no longer exists. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may contain spaces; the state follows the closing one.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}

/** Pids of the live (not zombie) children of `ppid` whose command name is `comm` (e.g. "tsc", TypeScript 7's binary). */
export function childrenNamed(ppid: number, comm: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const [state, parent] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (name === comm && Number(parent) === ppid && state !== "Z") out.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return out;
}
