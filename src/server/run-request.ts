/**
 * `POST /v1/runs` bodies: a script (`source`) or a precompiled artifact (`hash`), optional limits and sandbox that
 * may only tighten the server's own, an optional allow-list of tools, and an optional client-chosen run id (so a
 * client waiting for a JSON result can still `DELETE` the run).
 */
import type { Harness, ScriptInput } from "../harness.js";
import { tightenLimits, type Limits } from "../limits.js";
import { tightenSandbox, type SandboxMode, type SandboxSettings } from "../sandbox/index.js";
import { optionalObject, optionalString, optionalStringArray, requireString, type JsonObject } from "./body.js";
import { BadRequestError } from "./errors.js";

export interface RunRequest {
  /** The script to run, or undefined when running by `hash`. */
  input?: ScriptInput;
  hash?: string;
  limits?: Limits;
  allowedTools?: string[];
  runId?: string;
  sandbox?: { mode?: SandboxMode; network?: boolean };
}

const RUN_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** The cache's key alphabet (content hashes are 64 hex digits). */
const HASH = /^[A-Za-z0-9:_.+-]{1,256}$/;

/** A request's limits, resolved once over the server's (known keys, valid values, none above the server's own). */
export function parseRequestLimits(raw: JsonObject | undefined, server: Limits): Limits | undefined {
  return raw === undefined ? undefined : tightenLimits(server, raw as Partial<Limits>);
}

/**
 * `sandbox` from a request: a mode (`"read-only"`) or `{ "mode"?, "network"? }`, which may only tighten the server's
 * sandbox (checked here so a looser one is a 400 before anything runs).
 */
function parseRequestSandbox(raw: unknown, server: SandboxSettings): { mode?: SandboxMode; network?: boolean } | undefined {
  if (raw === undefined) return undefined;
  let request: { mode?: SandboxMode; network?: boolean };
  if (typeof raw === "string") request = { mode: raw as SandboxMode };
  else if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const extra = Object.keys(raw).filter((k) => k !== "mode" && k !== "network");
    if (extra.length > 0) throw new BadRequestError(`\`sandbox\` has unknown fields: ${extra.join(", ")} (known: mode, network)`, { path: "sandbox" });
    request = raw as { mode?: SandboxMode; network?: boolean };
  } else {
    throw new BadRequestError("`sandbox` must be a mode or an object { mode, network }", { path: "sandbox" });
  }
  tightenSandbox(server, request);
  return request;
}

export function parseRunRequest(body: JsonObject, harness: Harness): RunRequest {
  const hasSource = body["source"] !== undefined;
  const hasHash = body["hash"] !== undefined;
  if (hasSource === hasHash) {
    throw new BadRequestError("Give exactly one of `source` (a script) or `hash` (a compiled artifact)", {
      path: hasSource ? "hash" : "source",
    });
  }
  const out: RunRequest = {};
  if (hasSource) {
    const filename = optionalString(body, "filename");
    out.input = { source: requireString(body, "source"), ...(filename !== undefined ? { filename } : {}) };
  } else {
    const hash = requireString(body, "hash");
    if (!HASH.test(hash)) throw new BadRequestError(`\`hash\` must be 64 lowercase hex digits, got \`${hash.slice(0, 80)}\``, { path: "hash" });
    out.hash = hash;
  }
  const limits = parseRequestLimits(optionalObject(body, "limits"), harness.limits);
  if (limits) out.limits = limits;
  const allowedTools = optionalStringArray(body, "allowedTools");
  if (allowedTools) {
    const known = new Set(harness.toolNames());
    const unknown = allowedTools.filter((t) => !known.has(t));
    if (unknown.length > 0) {
      throw new BadRequestError(`\`allowedTools\` names unknown tools: ${unknown.join(", ")}`, { path: "allowedTools", unknown });
    }
    out.allowedTools = allowedTools;
  }
  const sandbox = parseRequestSandbox(body["sandbox"], harness.sandbox);
  if (sandbox) out.sandbox = sandbox;
  const runId = optionalString(body, "runId");
  if (runId !== undefined) {
    if (!RUN_ID.test(runId)) {
      throw new BadRequestError(`\`runId\` must be 1-128 characters of A-Z a-z 0-9 . _ : -, got \`${runId.slice(0, 80)}\``, { path: "runId" });
    }
    out.runId = runId;
  }
  return out;
}
