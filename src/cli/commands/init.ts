/**
 * `cody init [--scripts DIR]` — make the current directory (or `--cwd DIR`) a Cody workspace: a commented cody.json,
 * `.cody/.gitignore`, and an editor setup for scripts (`DIR/tsconfig.json` over `.cody/tools.d.ts`). Files that exist
 * are kept (`--force` rewrites them). Exit codes: 0 done, 2 usage or I/O error.
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";
import { toolsDtsText } from "../tools-dts-text.js";
import { CODY_GITIGNORE, EDITOR_DTS, codyJsonTemplate, scriptsTsconfig } from "../init-files.js";

interface InitFlags {
  cwd?: string;
  scripts?: string;
  force?: boolean;
}

export function registerInit(parent: Command): void {
  parent
    .command("init")
    .description("Make this directory a workspace: cody.json, .cody/.gitignore and a tsconfig.json for scripts in editors.")
    .option("--cwd <dir>", "directory to initialize (default: the current directory)")
    .option("--scripts <dir>", "folder that holds the scripts, gets the editor tsconfig.json (default: <workspace>/scripts)")
    .option("--force", "rewrite files that already exist")
    .action(async (flags: InitFlags) => {
      await init(flags);
    });
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function init(flags: InitFlags): Promise<void> {
  // Like `git init`, this creates a workspace where it is told to; it never walks up to an enclosing one.
  const root = path.resolve(flags.cwd ?? process.cwd());
  const scriptsDir = flags.scripts === undefined ? path.join(root, "scripts") : path.resolve(process.cwd(), flags.scripts);
  if (!(await stat(root).then((s) => s.isDirectory(), () => false))) {
    throw new UsageError(`--cwd \`${flags.cwd ?? root}\` is not a directory`, { cwd: root });
  }
  const show = (file: string): string => path.relative(process.cwd(), file) || ".";
  const put = async (file: string, text: () => Promise<string> | string): Promise<void> => {
    if (!flags.force && (await exists(file))) {
      process.stderr.write(`kept    ${show(file)} (exists; --force rewrites it)\n`);
      return;
    }
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, await text());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unknown";
      throw new UsageError(`cannot write ${show(file)}: ${code}`, { file, reason: code });
    }
    process.stderr.write(`wrote   ${show(file)}\n`);
  };
  await put(path.join(root, "cody.json"), codyJsonTemplate);
  await put(path.join(root, ".cody", ".gitignore"), () => CODY_GITIGNORE);
  const dts = path.join(root, EDITOR_DTS);
  // The declarations always follow the current configuration: they are generated, never edited.
  await mkdir(path.dirname(dts), { recursive: true });
  // Nothing is stored for a workspace being created: no database, no declarations cache.
  await writeFile(dts, await toolsDtsText(root, ":memory:"));
  process.stderr.write(`wrote   ${show(dts)} (regenerate after changing mcpServers: cody tools dts --out ${EDITOR_DTS})\n`);
  const fromScripts = path.relative(scriptsDir, dts).split(path.sep).join("/");
  await put(path.join(scriptsDir, "tsconfig.json"), () => scriptsTsconfig(fromScripts));
  process.stderr.write(
    `\nnext: put a script in ${show(scriptsDir)}/, then \`cody script check ${show(scriptsDir)}/*.ts\` and ` +
      `\`cody script run ${show(scriptsDir)}/NAME.ts\`\n`,
  );
}
