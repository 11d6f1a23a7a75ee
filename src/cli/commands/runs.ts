/** `cody runs` — not built yet; the owning issue replaces this stub. */
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";

export function registerRuns(parent: Command): void {
  parent
    .command("runs")
    .description("(not implemented yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UsageError("`cody runs` is not implemented yet");
    });
}
