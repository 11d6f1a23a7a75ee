/** `cody exec` — not built yet; the owning issue replaces this stub. */
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";

export function registerExec(parent: Command): void {
  parent
    .command("exec")
    .description("(not implemented yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UsageError("`cody exec` is not implemented yet");
    });
}
