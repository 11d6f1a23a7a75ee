/**
 * Where `cody serve` gets its bearer token: `--token-file`, else `CODY_SERVER_TOKEN`, else the workspace's state
 * folder (`<cwd>/.cody/server.token`), created with a random token (mode 0600) on first start and reused after. The
 * state folder is where the workspace's other secrets live (the cache key), one server per workspace, so a client
 * working in that workspace finds the token beside the database it talks to.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../errors/index.js";

export const TOKEN_ENV = "CODY_SERVER_TOKEN";
/** Shorter tokens can be guessed; a created one has 43 characters (32 random bytes). */
const MIN_TOKEN_LENGTH = 16;
/** The token file inside the workspace's state folder. */
const TOKEN_FILE_RELATIVE = path.join(".cody", "server.token");

export interface ServerToken {
  token: string;
  /** `flag` (--token-file), `env` (CODY_SERVER_TOKEN), `state` (an existing state-folder file), `created` (just written). */
  source: "flag" | "env" | "state" | "created";
  /** The file it was read from or written to (absent for `env`). */
  file?: string;
  /** Set when the file can be read by other users. */
  warning?: string;
}

/**
 * Check a token's form: printable ASCII without spaces (what an `Authorization: Bearer` header can carry), at least
 * MIN_TOKEN_LENGTH characters.
 * @throws UsageError naming where the token came from.
 */
export function checkToken(token: string, from: string): string {
  if (!/^[\x21-\x7e]+$/.test(token)) throw new UsageError(`The server token from ${from} must be printable ASCII without spaces`, { from });
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new UsageError(`The server token from ${from} is ${token.length} characters; use at least ${MIN_TOKEN_LENGTH}`, { from });
  }
  return token;
}

function readToken(file: string, from: string): { token: string; warning?: string } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`Cannot read the server token from ${from}: ${(error as Error).message}`, { file });
  }
  const token = checkToken(text.trim(), from);
  const mode = statSync(file).mode & 0o777;
  return mode & 0o077 ? { token, warning: `${file} is readable by other users (mode ${mode.toString(8)}); chmod 600 it` } : { token };
}

/** Resolve the token as described above. */
export function resolveServerToken(opts: { cwd: string; tokenFile?: string | undefined; env?: NodeJS.ProcessEnv }): ServerToken {
  if (opts.tokenFile !== undefined) {
    const file = path.resolve(opts.cwd, opts.tokenFile);
    return { source: "flag", file, ...readToken(file, `--token-file ${file}`) };
  }
  const fromEnv = (opts.env ?? process.env)[TOKEN_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return { source: "env", token: checkToken(fromEnv, TOKEN_ENV) };
  const file = path.join(opts.cwd, TOKEN_FILE_RELATIVE);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString("base64url");
  try {
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: "wx" });
    return { source: "created", file, token };
  } catch (error) {
    // Already there (from an earlier start, or a server starting at the same moment): use it.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
      throw new UsageError(`Cannot create the server token file ${file}: ${(error as Error).message}`, { file });
    }
    return { source: "state", file, ...readToken(file, file) };
  }
}
