/**
 * The audit tables, in the shared database under the `audit` migration namespace. Steps only ever get appended.
 * Times are milliseconds since the epoch (`started_at`, `ended_at`) and durations milliseconds (fractional).
 */
export const AUDIT_NAMESPACE = "audit";

export const AUDIT_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE audit_runs (
    run_id        TEXT PRIMARY KEY,
    script_hash   TEXT,
    script_name   TEXT,
    started_at    INTEGER NOT NULL,
    ended_at      INTEGER,
    outcome       TEXT,            -- NULL while running; ok | error | aborted | timeout | denied (set by recordRunEnd)
    error_code    TEXT,
    error_message TEXT
  );
  CREATE INDEX audit_runs_started ON audit_runs (started_at DESC);
  CREATE TABLE audit_calls (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id           TEXT NOT NULL,
    script_hash      TEXT,
    call_id          TEXT NOT NULL,
    tool             TEXT NOT NULL,
    source           TEXT NOT NULL,      -- script | structured
    detached         INTEGER NOT NULL DEFAULT 0,
    args_digest      TEXT NOT NULL,      -- sha256 of the canonical JSON of the arguments as received
    args_preview     TEXT NOT NULL,      -- redacted, cut JSON
    decision         TEXT,               -- skip | ask | forbid (NULL: failed before the policy ran)
    decided_by       TEXT,               -- policy | user | allow-rule | approved-script | remembered | approve-all | ...
    decision_reason  TEXT,
    approval         TEXT,               -- the person's answer: approve | deny | always | abort | timeout
    approval_wait_ms REAL,
    handler_started  INTEGER NOT NULL DEFAULT 0,  -- 1 once the tool's handler was invoked (side effects possible)
    started_at       INTEGER NOT NULL,
    duration_ms      REAL,
    outcome          TEXT NOT NULL DEFAULT 'pending', -- ok | error | aborted | denied | pending
    error_code       TEXT,
    error_message    TEXT,
    note             TEXT
  );
  CREATE INDEX audit_calls_run ON audit_calls (run_id, id);
  `,
  // The OS sandbox mode a confined call (exec) ran under: read-only | workspace-write | danger-full-access; NULL for
  // tools that run no commands.
  `ALTER TABLE audit_calls ADD COLUMN sandbox TEXT;`,
];
