/**
 * The types JSON examples in the docs are checked against (a ```` ```json <Name> ```` block must be assignable to
 * `<Name>`, excess properties included). Each is the type the code that produces that JSON declares, not a copy.
 */
import type { ConversationItem } from "../../src/agent/contract.js";
import type { ApprovalRequest } from "../../src/approval/index.js";
import type { CallRow, RunRow } from "../../src/audit/index.js";
import type { Diagnostic } from "../../src/compiler/index.js";
import type { SerializedError } from "../../src/errors/index.js";
import type { RunEvent, RunResult } from "../../src/runtime/index.js";
import type { HealthBody } from "../../src/server/health.js";

export type { ConversationItem, RunEvent, RunResult, SerializedError, HealthBody };

/** Every REST error body (src/server/app.ts's error handler). */
export interface ErrorBody {
  error: SerializedError;
}

/** `POST /v1/scripts/check` (src/server/routes/scripts.ts). */
export interface CheckResponse {
  ok: boolean;
  diagnostics: Diagnostic[];
}

/** `GET /v1/runs/:id` (src/server/routes/runs.ts: the audit record plus `active`). */
export interface AuditRunResponse {
  run: RunRow;
  calls: CallRow[];
  active: boolean;
}

/** `GET /v1/approvals` (src/server/routes/approvals.ts). */
export interface ApprovalsResponse {
  approvals: ApprovalRequest[];
}
