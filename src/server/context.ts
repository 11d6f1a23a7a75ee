/** What every route module gets: the harness and the server's own state. */
import type { Logger } from "pino";
import type { Harness } from "../harness.js";
import type { ActiveRuns } from "./active-runs.js";
import type { ApprovalBroker } from "./approvals.js";
import type { ConversationTurns } from "./conversations.js";
import type { Fleet } from "./fleet.js";
import type { ServerMetrics } from "./metrics.js";

export interface ServerContext {
  harness: Harness;
  runs: ActiveRuns;
  /** Present when approval requests are answered over HTTP. */
  approvals: ApprovalBroker | undefined;
  metrics: ServerMetrics;
  logger: Logger | undefined;
  /** Conversation settings and running turns. */
  conversations: ConversationTurns;
  /** Instances sharing a PostgreSQL store (set once the server listens): follow-ups of runs executing elsewhere. */
  fleet?: Fleet | undefined;
}

/** A finished run's fields on a log line. */
export interface RunLogFields {
  ok: boolean;
  code: string | undefined;
  /** The run's own duration (the request's is `ms`). */
  runMs: number;
  cache: "hit" | "miss";
}

/** Hono environment: the client connection's signal, captured before any middleware replaces the request. */
export interface AppEnv {
  Variables: {
    /** Set under `app.fetch` only (incoming.ts `clientSignal` makes one over Node when asked). */
    clientSignal?: AbortSignal | undefined;
    /** Set by run routes so the request log names the run. */
    runId: string | undefined;
    /** Set when a JSON run ends: its outcome goes on the request's log line. */
    runLog?: RunLogFields | undefined;
    /** The JSON body once read and checked by the contract's validation (src/server/validate.ts), so it is parsed once. */
    jsonBody?: Record<string, unknown> | undefined;
    /** Request bodies past this many bytes are refused (413). */
    maxBodyBytes: number;
  };
}
