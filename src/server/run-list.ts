/**
 * `GET /v1/runs`: a page of the audit log's runs, newest first, with `?cursor=&limit=` and filters by outcome
 * (`?outcome=error,timeout`; `running` for runs without an outcome yet) and start time (`?since=&until=`, ISO 8601
 * or epoch milliseconds).
 */
import type { RunOutcome, RunRow } from "../audit/index.js";
import type { Harness } from "../harness.js";
import { BadRequestError } from "./errors.js";
import { decodeCursor, encodeCursor, pageLimit } from "./page.js";

/** Runs per page: default and most. */
export const RUN_PAGE = { fallback: 20, max: 1000 } as const;

const OUTCOMES: readonly string[] = ["ok", "error", "aborted", "timeout", "denied", "crashed", "running"];

export interface RunListQuery {
  limit?: string | undefined;
  cursor?: string | undefined;
  outcome?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

function outcomes(raw: string | undefined): (RunOutcome | null)[] | undefined {
  if (raw === undefined || raw === "") return undefined;
  const names = raw.split(",").map((s) => s.trim());
  const unknown = names.filter((n) => !OUTCOMES.includes(n));
  if (unknown.length > 0) {
    throw new BadRequestError(`\`?outcome\` must be one or more of ${OUTCOMES.join(", ")} (comma-separated), got \`${unknown.join(",").slice(0, 80)}\``, {
      path: "outcome",
      got: raw.slice(0, 80),
    });
  }
  return names.map((n) => (n === "running" ? null : (n as RunOutcome)));
}

/** Epoch milliseconds from an ISO 8601 time or a number of milliseconds. */
function time(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const ms = /^[0-9]+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) {
    throw new BadRequestError(`\`?${name}\` must be an ISO 8601 time or epoch milliseconds, got \`${raw.slice(0, 80)}\``, { path: name, got: raw.slice(0, 80) });
  }
  return ms;
}

export function listRuns(harness: Harness, query: RunListQuery, active: string[]): { runs: RunRow[]; active: string[]; nextCursor: string | null } {
  const limit = pageLimit(query.limit, RUN_PAGE.fallback, RUN_PAGE.max);
  const after = decodeCursor(query.cursor, ["n", "n"]) as [number, number] | undefined;
  const page = harness.audit.pageRuns({
    limit,
    after,
    outcomes: outcomes(query.outcome),
    since: time(query.since, "since"),
    until: time(query.until, "until"),
  });
  return { runs: page.runs, active, nextCursor: page.next ? encodeCursor(page.next) : null };
}
