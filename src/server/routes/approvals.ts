/** `GET /v1/approvals` and `POST /v1/approvals/:id`: pending approval requests and their answers. */
import type { Hono } from "hono";
import { readJsonObject } from "../body.js";
import type { AppEnv, ServerContext } from "../context.js";
import { NotFoundError } from "../errors.js";

export function approvalRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const broker = ctx.approvals;
  app.get("/v1/approvals", (c) => c.json({ approvals: broker?.list(c.req.query("runId")) ?? [] }));

  app.post("/v1/approvals/:id", async (c) => {
    const id = c.req.param("id");
    const body = await readJsonObject(c);
    if (!broker) {
      throw new NotFoundError(`No pending approval request \`${id}\` (this server does not ask for approvals)`, { kind: "approval", id });
    }
    const request = broker.answer(id, body["decision"]);
    return c.json({ id, runId: request.runId, tool: request.tool, decision: body["decision"] });
  });
}
