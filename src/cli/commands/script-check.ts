/** `cody script check` — not built yet; the owning issue replaces this stub. */
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";

export function registerScriptCheck(parent: Command): void {
  parent
    .command("check")
    .description("(not implemented yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UsageError("`cody script check` is not implemented yet");
    });
}
