/**
 * Browser-facing guards for a server without authentication on loopback. A web page the user visits can send
 * requests to 127.0.0.1: a "simple" cross-origin POST (text/plain, no preflight) or, after DNS rebinding, any
 * request under its own host name. So bodies must be declared JSON (a cross-origin JSON POST needs a CORS preflight,
 * which this server never grants), and while bound to loopback only loopback host names are answered.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context.js";
import { ForbiddenHostError, UnsupportedMediaTypeError } from "./errors.js";

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || host.startsWith("127.");
}

/** Host name of a Host header (`localhost:7077` → `localhost`, `[::1]:7077` → `[::1]`). */
function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}

/**
 * @param loopbackOnly returns true while the server is bound to a loopback address (then Host is checked).
 */
export function browserGuard(loopbackOnly: () => boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (loopbackOnly()) {
      const host = c.req.header("host");
      if (host !== undefined && !isLoopback(hostName(host))) {
        throw new ForbiddenHostError(`This server answers only to loopback host names, got Host \`${host.slice(0, 100)}\``, { host: host.slice(0, 100) });
      }
    }
    if (c.req.method === "POST") {
      const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      if (type !== "application/json") {
        throw new UnsupportedMediaTypeError(`Request bodies must be sent as Content-Type: application/json, got \`${type || "none"}\``, {
          contentType: type,
        });
      }
    }
    await next();
  };
}
