/** applyPatch tool — stub until the patch engine lands (tools issue). */
import { applyPatchSpec } from "../schemas.js";
import { ToolError } from "../../errors/index.js";
import type { ToolDefinition } from "../types.js";

export const applyPatchTool: ToolDefinition = {
  ...applyPatchSpec,
  async handler() {
    throw new ToolError("applyPatch is not implemented yet", { tool: "applyPatch" });
  },
};
