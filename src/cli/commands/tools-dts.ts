/** `cody tools dts` — not built yet; the owning issue replaces this stub. */
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";

export function registerToolsDts(parent: Command): void {
  parent
    .command("dts")
    .description("(not implemented yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UsageError("`cody tools dts` is not implemented yet");
    });
}
