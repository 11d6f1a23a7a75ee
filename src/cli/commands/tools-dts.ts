/** `cody tools dts [--out FILE]` — print (or write) the TypeScript declarations scripts are checked against. */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";
import { toolsDtsText } from "../tools-dts-text.js";
import { resolveFileArg, resolveWorkspace } from "../workspace.js";

interface DtsOptions {
  out?: string;
  cwd?: string;
}

export function registerToolsDts(parent: Command): void {
  parent
    .command("dts")
    .description("Print the TypeScript declarations (`tools`, `console`, ToolError…) that scripts are checked against.")
    .option("--out <file>", "write to this file instead of standard output")
    .option("--cwd <dir>", "workspace whose tool configuration to use (default: found from the current directory)")
    .action(async (opts: DtsOptions) => {
      const text = await toolsDtsText(resolveWorkspace(opts.cwd));
      if (opts.out === undefined) {
        process.stdout.write(text);
        return;
      }
      const out = resolveFileArg(opts.out);
      try {
        await mkdir(path.dirname(out), { recursive: true });
        await writeFile(out, text);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "unknown";
        throw new UsageError(`cannot write ${opts.out}: ${code}`, { file: opts.out, reason: code });
      }
      process.stderr.write(`wrote ${out} (${Buffer.byteLength(text)} bytes)\n`);
    });
}
