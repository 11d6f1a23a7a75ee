/** applyPatch tool: apply a Codex apply_patch envelope inside the workspace, all or nothing. */
import { applyPatchSpec } from "../schemas.js";
import { ToolArgumentError } from "../../errors/index.js";
import { applyPatch, type ApplyPatchResult } from "../patch/index.js";
import type { ToolDefinition } from "../types.js";

export interface ApplyPatchArgs {
  patch: string;
}

export const applyPatchTool: ToolDefinition<ApplyPatchArgs, ApplyPatchResult> = {
  ...applyPatchSpec,
  async handler(args, ctx) {
    if (typeof args?.patch !== "string") {
      throw new ToolArgumentError("applyPatch needs `patch` (a string)", { tool: "applyPatch", path: "patch" });
    }
    return applyPatch(ctx.workspaceRoot, args.patch, { signal: ctx.signal });
  },
};
