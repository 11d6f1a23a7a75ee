/** `GET /v1/approvals` and `POST /v1/approvals/:id`: pending approval requests and their answers. */
import type { Hono } from "hono";
import { readJsonObject } from "../body.js";
import type { AppEnv, ServerContext } from "../context.js";
import { BadRequestError, NotFoundError } from "../errors.js";

export function approvalRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const broker = ctx.approvals;
  app.get("/v1/approvals", async (c) => {
    const runId = c.req.query("runId");
    const local = broker?.list(runId) ?? [];
    // With a fleet, requests parked on other instances are listed too (each once).
    const remote = (await ctx.fleet?.pendingApprovals(runId)) ?? [];
    const seen = new Set(local.map((r) => r.id));
    return c.json({ approvals: [...local, ...remote.filter((r) => !seen.has(r.id))] });
  });

  app.post("/v1/approvals/:id", async (c) => {
    const id = c.req.param("id");
    const body = await readJsonObject(c);
    // The decision itself is checked where it is applied (the broker names the valid ones); a field beside it is
    // refused here, as every request body's unknown fields are (schemas/misc.ts ApprovalAnswerBodySchema is strict).
    const unknown = Object.keys(body).filter((k) => k !== "decision");
    if (unknown.length > 0) {
      throw new BadRequestError(`Unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `\`${k}\``).join(", ")}`, { path: "" });
    }
    if (!broker) {
      throw new NotFoundError(`No pending approval request \`${id}\` (this server does not ask for approvals)`, { kind: "approval", id });
    }
    const decision = body["decision"];
    // A request parked on another instance of the fleet is answered there, through the database.
    const request = broker.has(id) || !ctx.fleet ? broker.answer(id, decision) : await ctx.fleet.answerRemote(id, decision, broker);
    return c.json({ id, runId: request.runId, tool: request.tool, decision });
  });
}
