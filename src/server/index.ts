/** Public surface of server/: the REST server over a Harness, its approval broker and its bearer token. */
export {
  createServer,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from "./app.js";
export { ApprovalBroker } from "./approvals.js";
export { bearerAuth, tokenMatches } from "./auth.js";
export {
  BadRequestError,
  ConflictError,
  ForbiddenHostError,
  ForbiddenOriginError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from "./errors.js";
export { hostGuard, hostName, isLoopback } from "./guard.js";
export { logDestination } from "./log.js";
export { statusForCode, statusForRun } from "./status.js";
export { TOKEN_ENV, checkToken, resolveServerToken } from "./token.js";
export type { CodyServer, ListeningServer, ServerOptions } from "./app.js";
export type { ApprovalListener } from "./approvals.js";
export type { AppEnv } from "./context.js";
export type { ServerToken } from "./token.js";
