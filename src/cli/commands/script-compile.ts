/** `cody script compile` — not built yet; the owning issue replaces this stub. */
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";

export function registerScriptCompile(parent: Command): void {
  parent
    .command("compile")
    .description("(not implemented yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UsageError("`cody script compile` is not implemented yet");
    });
}
