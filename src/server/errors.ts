/**
 * Errors the HTTP layer itself raises (bad request bodies, unknown ids, bodies over the size limit). Each has a stable
 * code and is registered so a client can rebuild it with `deserializeError`.
 */
import { CodyError, registerErrorCode, type ErrorLocation } from "../errors/index.js";

type Opts = { location?: ErrorLocation; cause?: unknown };
const opts = (s: { location?: ErrorLocation }): Opts => (s.location ? { location: s.location } : {});

/** The request body is not valid JSON or does not have the expected shape (details: path, got). */
export class BadRequestError extends CodyError {
  static readonly code = "CODY_HTTP_BAD_REQUEST";
  constructor(message: string, details: Record<string, unknown> = {}, options: Opts = {}) {
    super("CODY_HTTP_BAD_REQUEST", message, details, options);
  }
}
registerErrorCode("CODY_HTTP_BAD_REQUEST", (s) => new BadRequestError(s.message, s.details, opts(s)));

/** No run, artifact, approval request or route with that id (details: kind, id). */
export class NotFoundError extends CodyError {
  static readonly code = "CODY_HTTP_NOT_FOUND";
  constructor(message: string, details: Record<string, unknown> = {}, options: Opts = {}) {
    super("CODY_HTTP_NOT_FOUND", message, details, options);
  }
}
registerErrorCode("CODY_HTTP_NOT_FOUND", (s) => new NotFoundError(s.message, s.details, opts(s)));

/** The request body is larger than the server accepts (details: maxBytes). */
export class PayloadTooLargeError extends CodyError {
  static readonly code = "CODY_HTTP_PAYLOAD_TOO_LARGE";
  constructor(message: string, details: Record<string, unknown> = {}, options: Opts = {}) {
    super("CODY_HTTP_PAYLOAD_TOO_LARGE", message, details, options);
  }
}
registerErrorCode("CODY_HTTP_PAYLOAD_TOO_LARGE", (s) => new PayloadTooLargeError(s.message, s.details, opts(s)));

/** The request conflicts with the server's state, e.g. a run id already in use (details: runId). */
export class ConflictError extends CodyError {
  static readonly code = "CODY_HTTP_CONFLICT";
  constructor(message: string, details: Record<string, unknown> = {}, options: Opts = {}) {
    super("CODY_HTTP_CONFLICT", message, details, options);
  }
}
registerErrorCode("CODY_HTTP_CONFLICT", (s) => new ConflictError(s.message, s.details, opts(s)));

/** A request body that is not declared as JSON (details: contentType). */
export class UnsupportedMediaTypeError extends CodyError {
  static readonly code = "CODY_HTTP_UNSUPPORTED_MEDIA_TYPE";
  constructor(message: string, details: Record<string, unknown> = {}, options: Opts = {}) {
    super("CODY_HTTP_UNSUPPORTED_MEDIA_TYPE", message, details, options);
  }
}
registerErrorCode("CODY_HTTP_UNSUPPORTED_MEDIA_TYPE", (s) => new UnsupportedMediaTypeError(s.message, s.details, opts(s)));

/** A request naming a host this loopback-bound server does not answer to (details: host). */
export class ForbiddenHostError extends CodyError {
  static readonly code = "CODY_HTTP_FORBIDDEN_HOST";
  constructor(message: string, details: Record<string, unknown> = {}, options: Opts = {}) {
    super("CODY_HTTP_FORBIDDEN_HOST", message, details, options);
  }
}
registerErrorCode("CODY_HTTP_FORBIDDEN_HOST", (s) => new ForbiddenHostError(s.message, s.details, opts(s)));

/** A request without the server's bearer token, or with another one (details: reason). Answered with 401. */
export class UnauthorizedError extends CodyError {
  static readonly code = "CODY_HTTP_UNAUTHORIZED";
  constructor(message: string, details: Record<string, unknown> = {}, options: Opts = {}) {
    super("CODY_HTTP_UNAUTHORIZED", message, details, options);
  }
}
registerErrorCode("CODY_HTTP_UNAUTHORIZED", (s) => new UnauthorizedError(s.message, s.details, opts(s)));

/** A browser request from a page whose origin is not in the server's CORS list (details: origin). */
export class ForbiddenOriginError extends CodyError {
  static readonly code = "CODY_HTTP_FORBIDDEN_ORIGIN";
  constructor(message: string, details: Record<string, unknown> = {}, options: Opts = {}) {
    super("CODY_HTTP_FORBIDDEN_ORIGIN", message, details, options);
  }
}
registerErrorCode("CODY_HTTP_FORBIDDEN_ORIGIN", (s) => new ForbiddenOriginError(s.message, s.details, opts(s)));
