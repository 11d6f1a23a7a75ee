/**
 * Browser-facing guards. A web page the user visits can send requests to the server: a "simple" cross-origin POST
 * (text/plain, no preflight) or, after DNS rebinding, any request under its own host name. The bearer token
 * (auth.ts) is the main defence; these keep a browser from getting that far:
 * - `Host` must name this server: exactly a loopback name (`localhost`, `127.0.0.1`, `[::1]`, any port) or a name the
 *   operator allowed. Checked while bound to loopback, or whenever names were allowed.
 * - A request carrying `Origin` (browsers send it on every cross-origin request and on POSTs) is refused unless that
 *   origin was allowed with `--cors-origin`.
 * - `POST` bodies must be declared JSON (a cross-origin JSON POST needs a preflight, granted only to allowed origins).
 */
import { isIPv4 } from "node:net";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context.js";
import { ForbiddenHostError, ForbiddenOriginError, UnsupportedMediaTypeError } from "./errors.js";
import { header as requestHeader } from "./incoming.js";

/** Host names (as they appear in a Host header, without the port) that always mean this machine. */
const LOOPBACK_HOST_NAMES: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/** True for bind addresses only this machine can reach (`localhost`, `::1`, an IPv4 address in 127.0.0.0/8). */
export function isLoopback(address: string): boolean {
  const a = address.trim().toLowerCase();
  if (a === "localhost" || a === "::1" || a === "[::1]") return true;
  const v4 = a.startsWith("::ffff:") ? a.slice("::ffff:".length) : a;
  return isIPv4(v4) && v4.startsWith("127.");
}

/**
 * The host name of a Host header, lower-cased, without the port (`localhost:7077` → `localhost`, `[::1]:7077` →
 * `[::1]`); undefined when the header is not a well-formed `name[:port]`, so nothing after the name can slip through.
 */
export function hostName(header: string): string | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::\d{1,5})?$/.exec(header.trim().toLowerCase());
  return m?.[1];
}

/** The form a bind address takes in a Host header (`::1` → `[::1]`). */
function asHostName(address: string): string {
  const a = address.trim().toLowerCase();
  return a.includes(":") && !a.startsWith("[") ? `[${a}]` : a;
}

/** An origin as browsers send it: `scheme://host[:port]`, lower-case, no path or trailing slash. */
export function normalizeOrigin(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, "");
}

export interface GuardOptions {
  /** Extra host names (without port) the server answers to, e.g. `cody.internal`. */
  allowedHosts: readonly string[];
  /** Origins browsers may call from (`scheme://host[:port]`); every other Origin is refused with 403. */
  corsOrigins: readonly string[];
}

/**
 * The check behind `hostGuard`: the error a request with these `Host` and `Origin` headers is refused with, or
 * undefined when it may pass. Also used by the `POST /v1/runs` fast path (fast-run.ts), so both judge alike.
 * @param boundTo returns the address the server is bound to (undefined before `listen`, e.g. `app.fetch` in tests).
 */
export function hostChecker(
  boundTo: () => string | undefined,
  opts: GuardOptions,
): (host: string | undefined, origin: string | undefined) => ForbiddenHostError | ForbiddenOriginError | undefined {
  // A name given with a port (`cody.internal:8080`) means the name: Host is compared without its port.
  const extra = opts.allowedHosts.map((h) => hostName(h) ?? h.trim().toLowerCase());
  const origins = new Set(opts.corsOrigins.map(normalizeOrigin));
  // The allowed names depend only on the bound address: built once per address, not per request.
  let allowedFor: { bound: string | undefined; loopback: boolean; names: Set<string> } | undefined;
  // A client sends the same Host on every request: the last one seen and its name, so it is parsed once.
  let lastHost: { header: string; name: string | undefined } | undefined;
  return (header, origin) => {
    const bound = boundTo();
    if (allowedFor?.bound !== bound || allowedFor === undefined) {
      const loopback = bound === undefined || isLoopback(bound);
      const names = new Set([...LOOPBACK_HOST_NAMES, ...extra, ...(bound !== undefined && loopback ? [asHostName(bound)] : [])]);
      allowedFor = { bound, loopback, names };
    }
    if (allowedFor.loopback || extra.length > 0) {
      const allowed = allowedFor.names;
      if (header !== undefined && lastHost?.header !== header) lastHost = { header, name: hostName(header) };
      const name = header === undefined ? undefined : lastHost?.name;
      if (header !== undefined && (name === undefined || !allowed.has(name))) {
        const shown = header.slice(0, 100);
        return new ForbiddenHostError(`This server answers only to ${[...allowed].join(", ")}, got Host \`${shown}\``, { host: shown });
      }
    }
    if (origin !== undefined && !origins.has(normalizeOrigin(origin))) {
      const shown = origin.slice(0, 100);
      return new ForbiddenOriginError(
        `Browser requests from \`${shown}\` are refused (allow an origin with \`cody serve --cors-origin\`)`,
        { origin: shown },
      );
    }
    return undefined;
  };
}

/**
 * Refuse requests naming another host, and browser requests from origins not allowed.
 * @param boundTo returns the address the server is bound to (undefined before `listen`, e.g. `app.fetch` in tests).
 */
export function hostGuard(boundTo: () => string | undefined, opts: GuardOptions): MiddlewareHandler<AppEnv> {
  return guardWith(hostChecker(boundTo, opts));
}

/** `hostGuard` over a checker made once (the app and its fast path share one). */
export function guardWith(check: ReturnType<typeof hostChecker>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const refused = check(requestHeader(c, "host"), requestHeader(c, "origin"));
    if (refused !== undefined) throw refused;
    await next();
  };
}

/** `POST` bodies must say `Content-Type: application/json` (415 otherwise), even when empty. */
export function jsonOnly(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === "POST") {
      const given = requestHeader(c, "content-type");
      // The usual header, exactly: nothing to split or fold.
      if (given === "application/json") return next();
      const type = (given ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      if (type !== "application/json") {
        throw new UnsupportedMediaTypeError(`Request bodies must be sent as Content-Type: application/json, got \`${type || "none"}\``, {
          contentType: type,
        });
      }
    }
    await next();
  };
}
