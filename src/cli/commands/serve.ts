/** `cody serve` — not built yet; the owning issue replaces this stub. */
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";

export function registerServe(parent: Command): void {
  parent
    .command("serve")
    .description("(not implemented yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UsageError("`cody serve` is not implemented yet");
    });
}
