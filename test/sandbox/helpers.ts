/** Helpers for sandbox tests: host processes found by a marker in their argv (PIDs inside the sandbox are namespaced). */
import fs from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

/** Host PIDs of live (non-zombie) processes whose command line contains `marker` (and starts with `program`). */
export function pidsWith(marker: string, program?: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      if (!cmdline.includes(marker) || (program !== undefined && !cmdline.startsWith(`${program} `))) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") continue;
      out.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** Poll (up to ~10 s) until `check` holds; a liveness wait, not a timing assertion. */
export async function until(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (check()) return true;
    await delay(50);
  }
  return check();
}

/** A `sleep` duration nobody else uses, so the test can find its own sleeps in /proc. */
export function uniqueSleep(): string {
  return `${900 + Math.floor(Math.random() * 99)}.${process.pid}${Math.floor(Math.random() * 1000)}`;
}
