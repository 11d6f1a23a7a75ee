/**
 * The filesystem operations a patch commit performs, behind one interface so tests can inject a failure midway and
 * prove the rollback (the default is plain node:fs). Writes are atomic: a temp file in the same directory, fsync,
 * then rename over the target, so a reader never sees a half-written file.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm, rmdir, symlink, unlink, utimes } from "node:fs/promises";
import path from "node:path";

export interface PatchIo {
  /** Write `data` to `abs` atomically; `mode` (permission bits) when replacing an existing file. */
  writeFileAtomic(abs: string, data: Uint8Array, mode?: number): Promise<void>;
  unlink(abs: string): Promise<void>;
  /** `mkdir -p`; returns the first directory it created, if any. */
  mkdirp(dir: string): Promise<string | undefined>;
  rmdir(dir: string): Promise<void>;
  symlink(target: string, abs: string): Promise<void>;
  utimes(abs: string, atimeMs: number, mtimeMs: number): Promise<void>;
}

async function writeFileAtomic(abs: string, data: Uint8Array, mode?: number): Promise<void> {
  // A short fixed-length name: a long target name must not push the temp name past NAME_MAX.
  const tmp = path.join(path.dirname(abs), `.cody-patch-${randomBytes(8).toString("hex")}.tmp`);
  const handle = await open(tmp, "wx", mode ?? 0o666);
  try {
    try {
      await handle.writeFile(data);
      if (mode !== undefined) await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, abs);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** The real filesystem. */
export const nodePatchIo: PatchIo = {
  writeFileAtomic,
  unlink: (abs) => unlink(abs),
  mkdirp: (dir) => mkdir(dir, { recursive: true }),
  rmdir: (dir) => rmdir(dir),
  symlink: (target, abs) => symlink(target, abs),
  utimes: (abs, atimeMs, mtimeMs) => utimes(abs, atimeMs / 1000, mtimeMs / 1000),
};
