/**
 * Which process owns a row, in a form that survives pid reuse: host name, boot id, pid namespace, pid and the
 * process's start time (clock ticks since boot, field 22 of `/proc/<pid>/stat`). A pid alone is not enough: after a `kill -9` the pid may
 * be reused by an unrelated process, which must not keep a dead run "running" — and a live process sharing the
 * database must never be mistaken for a dead one.
 */
import fs from "node:fs";
import os from "node:os";

export interface ProcessOwner {
  pid: number;
  /** `host|boot|pidns|pid|start` — compared whole; the parts other than host and pid are `?` without /proc. */
  id: string;
}

function bootId(): string {
  try {
    return fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || "?";
  } catch {
    return "?";
  }
}

/** Start time and state of `pid` from /proc, or undefined when it has no entry (gone) — or null without /proc. */
function procStat(pid: number): { start: string; state: string } | undefined | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ESRCH") {
      return fs.existsSync("/proc/self/stat") ? undefined : null;
    }
    return null;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or parentheses: split after the last.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const start = fields[19];
  return state === undefined || start === undefined ? null : { state, start };
}

/** Containers on one kernel share the boot id but not pids: a pid is only meaningful within its namespace. */
function pidNamespace(): string {
  try {
    return fs.readlinkSync("/proc/self/ns/pid");
  } catch {
    return "?";
  }
}

let mine: ProcessOwner | undefined;

/** This process. */
export function currentOwner(): ProcessOwner {
  if (mine === undefined) {
    const stat = procStat(process.pid);
    const start = stat ? stat.start : "?";
    mine = { pid: process.pid, id: [os.hostname(), bootId(), pidNamespace(), process.pid, start].join("|") };
  }
  return mine;
}

/** The pid recorded in an owner id (undefined when malformed). */
export function ownerPid(id: string): number | undefined {
  const pid = Number(id.split("|")[3]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * True only when the owner recorded as `id` is certainly gone: on this host, and either the machine rebooted since,
 * or (in this pid namespace) its pid has no process, or a zombie, or a process that started at another time (the pid
 * was reused). Anything unclear (another host or container, a malformed id, no /proc and a pid that answers) counts
 * as alive.
 */
export function ownerIsGone(id: string): boolean {
  const parts = id.split("|");
  if (parts.length !== 5) return false;
  const [host, boot, pidns, , start] = parts as [string, string, string, string, string];
  if (host !== os.hostname()) return false;
  const pid = ownerPid(id);
  if (pid === undefined) return false;
  const now = currentOwner();
  if (id === now.id) return false;
  const [, myBoot, myPidns] = now.id.split("|");
  if (boot !== "?" && myBoot !== "?" && boot !== myBoot) return true;
  if (pidns !== myPidns) return false;
  const stat = procStat(pid);
  if (stat === undefined) return true;
  if (stat === null) return !pidAnswers(pid);
  if (stat.state === "Z" || stat.state === "X") return true;
  return start !== "?" && stat.start !== start;
}

function pidAnswers(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
