/** Facts about real processes from /proc (Linux), for tests that must prove a child is gone. */
import { readdirSync, readFileSync } from "node:fs";

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
