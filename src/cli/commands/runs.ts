/**
 * `cody runs ls` and `cody runs show <id>` — read the audit log. `show` prints the run and each tool call with its
 * decision and outcome, and says plainly which side effects completed, which were cut off and which never ran.
 * Exit codes: 0 ok, 2 usage or I/O error (unknown or ambiguous run id, unopenable database).
 */
import fs from "node:fs";
import type { Command } from "commander";
import { AuditLog, describeSideEffect, PgAuditRows, sideEffectOf, type CallRow, type RunRow } from "../../audit/index.js";
import { CacheError, UsageError } from "../../errors/index.js";
import { openDatabase, PgConnection, type Database } from "../../store/index.js";
import { EXIT } from "../exit-codes.js";
import { storeTargetFrom, targetName, withDbOptions, type DbCliOptions } from "./cache.js";

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Open the audit log, or call `fn` with undefined when the database does not exist (reading must not create it). */
async function withAudit(opts: DbCliOptions, fn: (audit: AuditLog | undefined, db: string) => void): Promise<void> {
  const target = await storeTargetFrom(opts);
  let audit: AuditLog | undefined;
  let db: Database | undefined;
  let pg: PgConnection | undefined;
  try {
    if (target.kind === "postgres") {
      pg = new PgConnection(target.url, { max: 1 });
      audit = new AuditLog(new PgAuditRows(pg));
    } else if (target.path === ":memory:" || fs.existsSync(target.path)) {
      db = openDatabase(target.path);
      audit = new AuditLog(db);
    }
    fn(audit, targetName(target));
  } catch (error) {
    if (!(error instanceof CacheError)) throw error;
    process.stderr.write(`cody: ${error.name}: ${error.message}\n`);
    process.exitCode = EXIT.usage;
  } finally {
    db?.close();
    pg?.close();
  }
}

const iso = (ms: number | null): string => (ms === null ? "-" : new Date(ms).toISOString());
const pad = (s: string, n: number): string => (s.length >= n ? `${s} ` : s.padEnd(n));

function callSummary(run: RunRow): string {
  const c = run.calls;
  const parts = (["ok", "error", "aborted", "denied", "pending", "unknown"] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k}`);
  return `${c.total}${parts.length ? ` (${parts.join(", ")})` : ""}`;
}

async function ls(opts: DbCliOptions & { limit?: string }): Promise<void> {
  const limit = opts.limit === undefined ? 20 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError(`--limit must be a positive integer, got \`${String(opts.limit)}\``, { path: "--limit", value: String(opts.limit) });
  }
  await withAudit(opts, (audit, db) => {
    const runs = audit?.listRuns(limit) ?? [];
    if (opts.json) return out(JSON.stringify({ db, runs }));
    if (runs.length === 0) return out(`no runs recorded in ${db}${audit ? "" : " (does not exist yet)"}`);
    // Columns as wide as their widest cell (run ids are 36 characters; a conversation turn's id is longer).
    const rows = runs.map((run) => [
      run.runId,
      iso(run.startedAt),
      run.outcome ?? "unended",
      callSummary(run),
      [run.scriptName, run.scriptHash?.slice(0, 12)].filter((s) => s).join(" ") || "-",
    ]);
    const header = ["RUN", "STARTED", "OUTCOME", "CALLS", "SCRIPT"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    for (const r of [header, ...rows]) out(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 2))).join(""));
  });
}

function decisionText(call: CallRow): string {
  if (call.decision === null) return "-";
  if (call.decision === "ask") return `ask → ${call.approval ?? "?"} (${call.decidedBy ?? "?"})`;
  return `${call.decision} (${call.decidedBy ?? "?"})`;
}

async function show(id: string, opts: DbCliOptions): Promise<void> {
  await withAudit(opts, (audit, db) => {
    if (audit === undefined) throw new UsageError(`No run \`${id}\`: database ${db} does not exist`, { runId: id, db });
    let found = audit.getRun(id);
    if (found === undefined) {
      const matches = audit.findRunIds(id);
      if (matches.length > 1) {
        throw new UsageError(`Run id \`${id}\` is ambiguous: ${matches.join(", ")}`, { runId: id, matches });
      }
      if (matches[0] !== undefined) found = audit.getRun(matches[0]);
    }
    if (found === undefined) throw new UsageError(`No run \`${id}\` in ${db}`, { runId: id, db });
    const { run, calls } = found;
    if (opts.json) {
      return out(JSON.stringify({ run, calls: calls.map((c) => ({ ...c, sideEffect: sideEffectOf(c) })) }));
    }
    const effects = calls.map(sideEffectOf);
    const count = (e: string) => effects.filter((x) => x === e).length;
    out(`run      ${run.runId}`);
    out(`script   ${run.scriptName ?? "-"}${run.scriptHash ? `  hash ${run.scriptHash}` : ""}`);
    const took = run.endedAt !== null ? `  (${run.endedAt - run.startedAt} ms)` : "";
    const end =
      run.endedAt !== null
        ? iso(run.endedAt)
        : run.crashDetectedAt !== null
          ? `(never ended: its process died; found ${iso(run.crashDetectedAt)})`
          : "(no end recorded)";
    out(`time     ${iso(run.startedAt)} → ${end}${took}`);
    const error = run.errorCode ? `  ${run.errorCode}${run.errorMessage ? `: ${run.errorMessage}` : ""}` : "";
    if (run.outcome === "crashed") {
      out(`outcome  crashed: ${run.errorMessage ?? "its process ended without recording an end"}`);
    } else {
      const open = run.ownerPid !== null ? `still running (pid ${run.ownerPid})` : "no end recorded (still running, or the process died)";
      out(`outcome  ${run.outcome ?? open}${error}`);
    }
    out(
      `effects  ${count("completed")} completed, ${count("cut-off")} cut off, ${count("failed")} failed, ` +
        `${count("running")} unsettled, ${count("unknown") > 0 ? `${count("unknown")} unknown, ` : ""}${count("not-run")} not run`,
    );
    if (calls.length === 0) return out("calls    none");
    out("");
    out(`${pad("CALL", 6)}${pad("TOOL", 18)}${pad("DECISION", 30)}${pad("OUTCOME", 9)}${pad("MS", 9)}SIDE EFFECT`);
    for (const call of calls) {
      const ms = call.durationMs === null ? "-" : call.durationMs.toFixed(1);
      out(`${pad(call.callId, 6)}${pad(call.tool, 18)}${pad(decisionText(call), 30)}${pad(call.outcome, 9)}${pad(ms, 9)}${describeSideEffect(call)}`);
      out(`      args   ${call.argsPreview.length > 160 ? `${call.argsPreview.slice(0, 160)}…` : call.argsPreview}`);
      if (call.sandbox !== null) out(`      sandbox ${call.sandbox}`);
      if (call.errorCode) out(`      error  ${call.errorCode}: ${call.errorMessage ?? ""}`);
      if (call.note?.startsWith("blocked by the sandbox") === true) out(`      note   ${call.note}`);
    }
  });
}

export function registerRuns(parent: Command): void {
  const runs = parent.command("runs").description("Inspect the audit log of script runs and tool calls.");
  withDbOptions(runs.command("ls").description("List recent runs, newest first."))
    .option("--limit <n>", "how many runs to list", "20")
    .action((opts: DbCliOptions & { limit?: string }) => ls(opts));
  withDbOptions(
    runs
      .command("show")
      .description("Show one run and every tool call: decision, outcome, and which side effects completed or were cut off.")
      .argument("<id>", "run id (or a unique prefix)"),
  ).action((id: string, opts: DbCliOptions) => show(id, opts));
}
