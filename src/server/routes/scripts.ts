/** `POST /v1/scripts/check` and `POST /v1/scripts/compile`. */
import type { Hono } from "hono";
import { ScriptTypeError, publicError } from "../../errors/index.js";
import type { ScriptInput } from "../../harness.js";
import { optionalBoolean, optionalString, readJsonObject, type JsonObject } from "../body.js";
import type { AppEnv, ServerContext } from "../context.js";
import { BadRequestError } from "../errors.js";

/** Files allowed in one check request (the body size limit bounds their total size). */
const MAX_CHECK_FILES = 100;

function scriptInput(body: JsonObject, path = ""): ScriptInput {
  const source = body["source"];
  if (typeof source !== "string") {
    throw new BadRequestError(`\`${path}source\` must be a string, got (${source === null ? "null" : typeof source})`, { path: `${path}source` });
  }
  const filename = body["filename"];
  if (filename !== undefined && (typeof filename !== "string" || filename.length === 0)) {
    throw new BadRequestError(`\`${path}filename\` must be a non-empty string, got (${typeof filename})`, { path: `${path}filename` });
  }
  return filename === undefined ? { source } : { source, filename };
}

/** `by` for an approval: who reviewed the script, one line of at most 200 characters. */
function approver(body: JsonObject): string {
  const by = optionalString(body, "by") ?? "rest-api";
  if (by.trim() === "" || by.length > 200 || /[\r\n\0]/.test(by)) {
    throw new BadRequestError("`by` must be a single line of at most 200 characters", { path: "by" });
  }
  return by;
}

export function scriptRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.post("/v1/scripts/check", async (c) => {
    const body = await readJsonObject(c);
    const files = body["files"];
    if (!Array.isArray(files) || files.length === 0 || files.length > MAX_CHECK_FILES) {
      throw new BadRequestError(`\`files\` must be an array of 1 to ${MAX_CHECK_FILES} { filename, source } objects`, { path: "files" });
    }
    const inputs = files.map((f: unknown, i) => {
      if (typeof f !== "object" || f === null || Array.isArray(f)) {
        throw new BadRequestError(`\`files[${i}]\` must be an object { filename, source }`, { path: `files[${i}]` });
      }
      return scriptInput(f as JsonObject, `files[${i}].`);
    });
    const diagnostics = await ctx.harness.check(inputs);
    return c.json({ ok: !diagnostics.some((d) => d.category === "error"), diagnostics });
  });

  app.post("/v1/scripts/compile", async (c) => {
    const body = await readJsonObject(c);
    const input = scriptInput(body);
    const approve = optionalBoolean(body, "approve") === true;
    const by = approve ? approver(body) : undefined;
    const prepared = await ctx.harness.compile(input, { approveBy: by });
    if (!prepared.artifact) {
      const errors = prepared.diagnostics.filter((d) => d.category === "error");
      const first = errors[0];
      const error = new ScriptTypeError(
        first ? `${first.file}(${first.line},${first.column}): TS${first.code}: ${first.message}` : "script has errors",
        { diagnostics: errors },
      );
      return c.json({ error: publicError(error.toJSON()), hash: prepared.hash, cache: prepared.cache, diagnostics: prepared.diagnostics }, 422);
    }
    const approvedBy = prepared.artifact.approvedBy;
    return c.json({
      hash: prepared.hash,
      cache: prepared.cache,
      ...(approvedBy !== undefined ? { approvedBy } : {}),
      diagnostics: prepared.diagnostics,
    });
  });
}
