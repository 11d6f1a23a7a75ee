/** `GET /v1/tools`, `GET /v1/tools/dts`, `POST /v1/tools/:name/call`. */
import type { Hono } from "hono";
import { readJsonObject } from "../body.js";
import type { AppEnv, ServerContext } from "../context.js";
import { clientSignal } from "../incoming.js";

export function toolRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.get("/v1/tools", (c) =>
    c.json({
      tools: ctx.harness.registry.list().map((t) => ({ name: t.name, description: t.description, risk: t.risk, argsSchema: t.argsSchema })),
    }),
  );

  app.get("/v1/tools/dts", async (c) => {
    const dts = await ctx.harness.toolsDts();
    c.header("ETag", `"${dts.hash}"`);
    return c.text(dts.text, 200, { "Content-Type": "text/plain; charset=utf-8" });
  });

  // The same path as a model's native function call: validation, approval policy, audit.
  app.post("/v1/tools/:name/call", async (c) => {
    // An unknown name is left to the dispatcher, so the error is the one a script would get.
    const name = c.req.param("name");
    const body = await readJsonObject(c, true);
    const result = await ctx.harness.callTool({ tool: name, args: body["args"] ?? {} }, clientSignal(c));
    return c.json({ result: result === undefined ? null : result });
  });
}
