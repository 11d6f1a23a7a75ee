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
  // Step 2: which process owns a run (see store/owner.ts), so runs left by a process that died (kill -9, power loss)
  // are closed as `crashed` (their pending calls as `unknown`) by the next process that opens the log, and never
  // those of a live one.
  `
  ALTER TABLE audit_runs ADD COLUMN owner_pid INTEGER;
  ALTER TABLE audit_runs ADD COLUMN owner_id TEXT;          -- host|boot id|pid namespace|pid|process start time
  ALTER TABLE audit_runs ADD COLUMN crash_detected_at INTEGER; -- set with outcome 'crashed'; ended_at stays NULL
  CREATE INDEX audit_runs_unended ON audit_runs (owner_id) WHERE outcome IS NULL;
  `,
  // Step 3: the OS sandbox mode a confined call (exec) ran under: read-only | workspace-write | danger-full-access; NULL for
  // tools that run no commands.
  `ALTER TABLE audit_calls ADD COLUMN sandbox TEXT;`,
];
