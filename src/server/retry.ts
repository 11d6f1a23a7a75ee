/** Seconds a client should wait before retrying a refused request (429: the pool's queue is full). */
const RETRY_AFTER_S = 1;

/** `Retry-After` for an overloaded answer (RFC 9110 §10.2.3), nothing otherwise. */
export function retryHeaders(status: number): Record<string, string> {
  return status === 429 ? { "Retry-After": String(RETRY_AFTER_S) } : {};
}
