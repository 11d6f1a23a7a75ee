/** `cody cache` — not built yet; the owning issue replaces this stub. */
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";

export function registerCache(parent: Command): void {
  parent
    .command("cache")
    .description("(not implemented yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UsageError("`cody cache` is not implemented yet");
    });
}
