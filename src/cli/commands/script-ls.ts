/** `cody script ls` — not built yet; the owning issue replaces this stub. */
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";

export function registerScriptLs(parent: Command): void {
  parent
    .command("ls")
    .description("(not implemented yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UsageError("`cody script ls` is not implemented yet");
    });
}
