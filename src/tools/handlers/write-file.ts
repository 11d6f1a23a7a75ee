/**
 * writeFile: replace a file's content atomically — write a temp file in the same directory, flush it, rename it
 * over the target — so readers see the old or the new content, never a half-written file.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { lstat, mkdir, open, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { CodyError, ToolError } from "../../errors/index.js";
import { throwIfAborted } from "../abort.js";
import { writeFileSpec } from "../schemas.js";
import type { ToolDefinition } from "../types.js";
import { resolveInWorkspace } from "../workspace.js";

export interface WriteFileArgs {
  path: string;
  content: string;
  createDirs?: boolean;
}

export interface WriteFileResult {
  path: string;
  bytes: number;
}

function errnoOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

async function statOrUndefined(abs: string): Promise<import("node:fs").Stats | undefined> {
  try {
    return await stat(abs);
  } catch (error) {
    const code = errnoOf(error);
    // ENOTDIR: some parent is a file; the parent check below reports it.
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ToolError(`writeFile: cannot inspect \`${abs}\`: ${code ?? String(error)}`, { tool: "writeFile" });
  }
}

export const writeFileTool: ToolDefinition<WriteFileArgs, WriteFileResult> = {
  ...writeFileSpec,
  async handler(args, ctx) {
    const { abs, rel } = resolveInWorkspace(ctx.workspaceRoot, args.path);
    const fail = (message: string): ToolError => new ToolError(`writeFile: ${message}`, { tool: "writeFile", path: rel });
    if (rel === ".") throw fail("the workspace root is a directory, not a file");
    throwIfAborted(ctx.signal, "writeFile");

    const existing = await statOrUndefined(abs);
    if (existing && !existing.isFile()) throw fail(`\`${rel}\` exists and is not a regular file`);
    const dir = path.dirname(abs);
    const parent = await statOrUndefined(dir);
    const parentRel = path.posix.dirname(rel);
    if (!parent) {
      if (!args.createDirs) {
        throw fail(`parent directory \`${parentRel}\` does not exist (pass createDirs: true to create it)`);
      }
      try {
        await mkdir(dir, { recursive: true });
      } catch (error) {
        throw fail(`cannot create directory \`${parentRel}\`: ${errnoOf(error) ?? String(error)}`);
      }
      // mkdir may have walked through something created meanwhile; confinement is checked again.
      resolveInWorkspace(ctx.workspaceRoot, args.path);
    } else if (!parent.isDirectory()) {
      throw fail(`parent \`${parentRel}\` is not a directory`);
    }

    const data = Buffer.from(args.content, "utf8");
    const temp = path.join(dir, `.${path.basename(abs)}.cody-${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
    // O_EXCL|O_NOFOLLOW: the temp name is never an existing file or a planted symlink.
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    let created = false;
    try {
      const handle = await open(temp, flags, 0o666);
      created = true;
      try {
        // open()'s mode passes through the umask; an existing file's permissions are kept exactly.
        if (existing) await handle.chmod(existing.mode & 0o7777);
        await handle.writeFile(data);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      throwIfAborted(ctx.signal, "writeFile");
      // The target may have become a directory or symlink since the check; rename would then fail or replace
      // only the link itself, never write through it.
      const now = await lstat(abs).catch(() => undefined);
      if (now?.isDirectory()) throw fail(`\`${rel}\` exists and is not a regular file`);
      await rename(temp, abs);
      created = false;
    } catch (error) {
      if (created) await unlink(temp).catch(() => undefined);
      if (error instanceof CodyError) throw error;
      const code = errnoOf(error);
      if (code === "EACCES" || code === "EPERM") throw fail(`permission denied writing \`${rel}\``);
      if (code === "ENOSPC") throw fail("no space left on device");
      throw fail(`cannot write \`${rel}\`: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { path: rel, bytes: data.length };
  },
};
