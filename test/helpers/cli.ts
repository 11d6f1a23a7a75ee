/** Spawn the real `cody` CLI (`node bin/cody.js …`) the way a user would, collecting its output and exit code. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** bin/cody.js, from this file's place in dist/test/helpers/. */
export const CODY_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bin/cody.js");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  /** Written to stdin (text as UTF-8, bytes as given), which is then closed (stdin is closed at once without it). */
  input?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
  /** Called with all stdout so far after each chunk (e.g. to send a signal once something was printed). */
  onStdout?: (text: string, child: ChildProcess) => void;
}

export function runCody(args: readonly string[], opts: CliOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CODY_BIN, ...args], { cwd: opts.cwd, env: opts.env ?? process.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      opts.onStdout?.(stdout, child);
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? "");
  });
}
