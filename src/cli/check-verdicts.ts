/**
 * Verdicts of `cody script check`, kept per file beside the database (`<db dir>/checks/`), so a re-check of a file
 * whose text, declarations and compile chain did not change is answered without starting the compiler worker and its
 * `tsgo` child — most of a one-file check's time. A verdict is the file's diagnostics (none when it is clean). Scripts
 * are checked as isolated modules (moduleDetection "force"), so a file's diagnostics do not depend on the files checked
 * beside it.
 *
 * One slot per file name (the name its diagnostics carry) holds the key it was made for: a hash of the text, the
 * declarations' hash, the compile chain's versions and the compiler options. A slot whose key differs is a miss, and
 * the new verdict replaces it. Like the declarations cache beside it, a verdict is not signed: whoever can write
 * `.cody/` can edit the scripts too, and `script run` type-checks again when it compiles.
 */
import { readdirSync, statSync, unlinkSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { COMPILER_VERSION, SCRIPT_COMPILER_OPTIONS, type Diagnostic, type ScriptSource } from "../compiler/index.js";
import { sha256 } from "../hash.js";

/** Bumped when what a verdict holds, or how it is keyed, changes. */
const VERDICT_FORMAT = 1;

/** The folder of the verdicts kept for the database at `dbPath` (none for `:memory:`). */
function verdictDir(dbPath: string): string | undefined {
  return dbPath === ":memory:" ? undefined : path.join(path.dirname(path.resolve(dbPath)), "checks");
}

/**
 * `cody cache prune --older-than`: remove the verdicts made longer ago than `olderThanMs` (and temp files a killed
 * check left). A verdict is rewritten only when its file changed, so a file checked daily but unchanged loses its verdict
 * too; that costs one type-check the next time, never a wrong answer.
 */
export function pruneCheckVerdicts(dbPath: string, olderThanMs: number, now = Date.now()): { removed: number; bytesFreed: number } {
  const dir = verdictDir(dbPath);
  let removed = 0;
  let bytesFreed = 0;
  let names: string[] = [];
  try {
    if (dir !== undefined) names = readdirSync(dir);
  } catch {
    return { removed, bytesFreed }; // no verdicts kept yet
  }
  for (const name of names) {
    if (!name.endsWith(".json") && !name.endsWith(".tmp")) continue;
    const file = path.join(dir as string, name);
    try {
      const st = statSync(file);
      if (!st.isFile() || now - st.mtimeMs < olderThanMs) continue;
      unlinkSync(file);
      removed++;
      bytesFreed += st.size;
    } catch {
      // gone meanwhile (another prune, a check replacing it): nothing to remove
    }
  }
  return { removed, bytesFreed };
}

export class CheckVerdicts {
  readonly #dir: string | undefined;
  readonly #dtsHash: string;

  /** Verdicts for the database at `dbPath` (none kept for `:memory:`), against declarations of hash `dtsHash`. */
  constructor(dbPath: string, dtsHash: string) {
    this.#dir = verdictDir(dbPath);
    this.#dtsHash = dtsHash;
  }

  #key(script: ScriptSource): string {
    return sha256(JSON.stringify([VERDICT_FORMAT, COMPILER_VERSION, SCRIPT_COMPILER_OPTIONS, this.#dtsHash, script.filename, script.source]));
  }

  #slot(dir: string, script: ScriptSource): string {
    return path.join(dir, `${sha256(script.filename).slice(0, 32)}.json`);
  }

  /** The diagnostics found when this exact script was last checked, or undefined. */
  async get(script: ScriptSource): Promise<Diagnostic[] | undefined> {
    if (this.#dir === undefined) return undefined;
    try {
      const stored = JSON.parse(await readFile(this.#slot(this.#dir, script), "utf8")) as { key?: unknown; diagnostics?: unknown };
      if (stored.key === this.#key(script) && Array.isArray(stored.diagnostics)) return stored.diagnostics as Diagnostic[];
    } catch {
      // no verdict yet, or an unreadable one: checked as if there were none
    }
    return undefined;
  }

  /** Keep `diagnostics` (this script's, all of them) as its verdict. A cache that cannot be written only costs time. */
  async put(script: ScriptSource, diagnostics: readonly Diagnostic[]): Promise<void> {
    if (this.#dir === undefined) return;
    try {
      await mkdir(this.#dir, { recursive: true });
      const file = this.#slot(this.#dir, script);
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify({ key: this.#key(script), diagnostics }));
      await rename(tmp, file);
    } catch {
      // not cached
    }
  }
}
