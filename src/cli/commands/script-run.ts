/** `cody script run` — not built yet; the owning issue replaces this stub. */
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";

export function registerScriptRun(parent: Command): void {
  parent
    .command("run")
    .description("(not implemented yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UsageError("`cody script run` is not implemented yet");
    });
}
