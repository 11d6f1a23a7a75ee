/**
 * One error base for the whole harness. Every error has a stable `code` and JSON `details`, so it can cross a worker
 * or HTTP boundary as plain data and be rebuilt on the other side by `deserializeError`.
 */

/** Where in the user's script (or a file) an error points. Lines and columns are 1-based. */
export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
}

/** The wire form of any CodyError. */
export interface SerializedError {
  name: string;
  code: string;
  message: string;
  details: Record<string, unknown>;
  location?: ErrorLocation;
  stack?: string;
}

export class CodyError extends Error {
  /** Stable machine-readable code, e.g. `CODY_LIMIT_TIMEOUT`. */
  readonly code: string;
  /** JSON-compatible facts about the failure (limit values, tool name, …). */
  readonly details: Record<string, unknown>;
  readonly location: ErrorLocation | undefined;

  constructor(
    code: string,
    message: string,
    details: Record<string, unknown> = {},
    options: { location?: ErrorLocation; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = details;
    this.location = options.location;
  }

  toJSON(): SerializedError {
    const out: SerializedError = { name: this.name, code: this.code, message: this.message, details: this.details };
    if (this.location) out.location = this.location;
    if (this.stack !== undefined) out.stack = this.stack;
    return out;
  }
}

type ErrorFactory = (s: SerializedError) => CodyError;
const factories = new Map<string, ErrorFactory>();

/** Make `deserializeError` rebuild errors carrying `code` as instances of the registering class. */
export function registerErrorCode(code: string, factory: ErrorFactory): void {
  factories.set(code, factory);
}

/** All codes with a registered class (used by the round-trip test). */
export function registeredErrorCodes(): string[] {
  return [...factories.keys()].sort();
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof CodyError) return error.toJSON();
  if (error instanceof Error) {
    const out: SerializedError = { name: error.name, code: "CODY_INTERNAL", message: error.message, details: {} };
    if (error.stack !== undefined) out.stack = error.stack;
    return out;
  }
  return { name: "Error", code: "CODY_INTERNAL", message: String(error), details: {} };
}

/**
 * The form of an error that may leave the process (REST bodies, SSE and `--json` events, model output): without the
 * host stack, which names server paths and framework frames. Only a script error's own stack — the guest's, already
 * mapped to the user's TypeScript — is kept (`details.stack` of `CODY_SCRIPT_RUNTIME`). Logs keep the full error.
 */
export function publicError(error: SerializedError): SerializedError {
  const { stack: _stack, ...out } = error;
  // `details` is typed as present, but errors rebuilt from data may lack it; stripping must never throw.
  const details: unknown = error.details;
  if (error.code !== "CODY_SCRIPT_RUNTIME" && typeof details === "object" && details !== null && Object.hasOwn(details, "stack")) {
    const { stack: _hostStack, ...rest } = error.details;
    out.details = rest;
  }
  return out;
}

export function deserializeError(s: SerializedError): CodyError {
  const factory = factories.get(s.code);
  const error = factory
    ? factory(s)
    : new CodyError(s.code, s.message, s.details, s.location ? { location: s.location } : {});
  if (s.stack !== undefined) error.stack = s.stack;
  return error;
}

/**
 * True for errors that mean a run limit was exceeded (CLI exit code 3): every `CODY_LIMIT_*` code, an oversized
 * source, and a full pool queue.
 */
export function isLimitError(error: Pick<SerializedError, "code"> | undefined): boolean {
  if (!error) return false;
  return (
    error.code.startsWith("CODY_LIMIT_") || error.code === "CODY_SCRIPT_TOO_LARGE" || error.code === "CODY_POOL_QUEUE_FULL"
  );
}
