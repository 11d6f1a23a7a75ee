/** Public surface of server/: the REST server over a Harness and its approval broker. */
export { createServer, DEFAULT_MAX_BODY_BYTES } from "./app.js";
export { ApprovalBroker } from "./approvals.js";
export {
  BadRequestError,
  ConflictError,
  ForbiddenHostError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from "./errors.js";
export { isLoopback } from "./guard.js";
export { statusForCode, statusForRun } from "./status.js";
export type { CodyServer, ListeningServer, ServerOptions } from "./app.js";
export type { ApprovalListener } from "./approvals.js";
