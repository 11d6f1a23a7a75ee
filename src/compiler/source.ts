/**
 * Input validation: every way a script file can be unusable becomes a typed error with a clear message before any
 * compiler runs. Order matters: size first (cheap, bounds the rest), then binary/UTF-8, then emptiness.
 */
import { readFile, stat } from "node:fs/promises";
import {
  ScriptEmptyError,
  ScriptEncodingError,
  ScriptReadError,
  ScriptTooLargeError,
} from "../errors/index.js";
import { formatLimitValue, normalizeLimits, type Limits } from "../limits.js";
import { normalizeSource } from "./wrap.js";

/** A validated script: text normalized (no BOM, LF line ends) and its size in bytes as given. */
export interface ScriptSource {
  filename: string;
  /** Normalized text (what is hashed, checked and compiled). */
  source: string;
  /** Size of the input in UTF-8 bytes, before normalization. */
  bytes: number;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Every ScriptSource this module returned: a layer handed one back (the harness) does not validate it again. */
const VALIDATED = new WeakSet<object>();

/** True for a ScriptSource returned by `validateScriptSource` or `readScriptFile` (it needs no second validation). */
export function isValidatedScript(input: object): input is ScriptSource {
  return VALIDATED.has(input);
}

/** ScriptTooLargeError when `size` (UTF-8 bytes) is over `maxSourceBytes`. */
export function checkScriptSize(size: number, filename: string, maxSourceBytes: number): void {
  if (size <= maxSourceBytes) return;
  throw new ScriptTooLargeError(
    `${filename}: script is ${formatLimitValue("maxSourceBytes", size)} (${size} bytes), over the ${formatLimitValue("maxSourceBytes", maxSourceBytes)} limit`,
    { file: filename, size, limit: maxSourceBytes },
  );
}

/**
 * Validate a script given as bytes or text.
 * - Larger than `limits.maxSourceBytes` (UTF-8 bytes, default 20480) → ScriptTooLargeError (details: size, limit).
 * - Contains a NUL byte (binary), is not valid UTF-8, or (given as text) holds a lone surrogate → ScriptEncodingError.
 * - Contains only whitespace and comments → ScriptEmptyError: such a script cannot do anything, which is almost always
 *   a mistake (an empty file, a truncated paste), so it is refused rather than run as a no-op.
 */
export function validateScriptSource(
  input: Uint8Array | string,
  filename: string,
  limits: Partial<Limits> = {},
): ScriptSource {
  return validate(input, filename, normalizeLimits(limits).maxSourceBytes);
}

function validate(input: Uint8Array | string, filename: string, maxSourceBytes: number): ScriptSource {
  const size = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength;
  checkScriptSize(size, filename, maxSourceBytes);
  let text: string;
  if (typeof input === "string") {
    text = input;
  } else {
    if (input.includes(0)) {
      throw new ScriptEncodingError(`${filename}: file looks binary (it contains NUL bytes); scripts must be UTF-8 text`, {
        file: filename,
        offset: input.indexOf(0),
      });
    }
    try {
      text = decoder.decode(input);
    } catch {
      throw new ScriptEncodingError(`${filename}: file is not valid UTF-8 text`, { file: filename });
    }
  }
  if (!isWellFormed(text)) {
    // A lone surrogate cannot be encoded as UTF-8: the checker's child would see U+FFFD (or crash), not this text.
    const offset = text.search(LONE_SURROGATE);
    throw new ScriptEncodingError(`${filename}: script contains a lone UTF-16 surrogate; scripts must be valid Unicode text`, {
      file: filename,
      offset,
    });
  }
  if (text.includes("\0")) {
    throw new ScriptEncodingError(`${filename}: script contains NUL characters; scripts must be text`, {
      file: filename,
      offset: text.indexOf("\0"),
    });
  }
  const source = normalizeSource(text);
  if (isBlank(source)) {
    throw new ScriptEmptyError(`${filename}: script is empty (only whitespace or comments)`, { file: filename });
  }
  const script = { filename, source, bytes: size };
  VALIDATED.add(script);
  return script;
}

/**
 * Read and validate a script file. Missing files, directories and unreadable files become ScriptReadError; the file
 * size is checked from `stat` before reading so a huge file is never loaded.
 */
export async function readScriptFile(
  path: string,
  limits: Partial<Limits> = {},
  displayName: string = path,
): Promise<ScriptSource> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String(code ?? error);
    throw new ScriptReadError(`${displayName}: cannot read script: ${why}`, { file: displayName, reason: code ?? "unknown" });
  }
  if (info.isDirectory()) {
    throw new ScriptReadError(`${displayName}: is a directory, not a script file`, { file: displayName, reason: "EISDIR" });
  }
  const { maxSourceBytes } = normalizeLimits(limits);
  // From `stat`, before reading, so a huge file is never loaded (the bytes read are measured again: the file may grow).
  checkScriptSize(info.size, displayName, maxSourceBytes);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ScriptReadError(`${displayName}: cannot read script: ${String(code ?? error)}`, {
      file: displayName,
      reason: code ?? "unknown",
    });
  }
  return validate(bytes, displayName, maxSourceBytes);
}

/** An unpaired surrogate code unit (with the `u` flag, a well-formed pair is one code point and does not match). */
const LONE_SURROGATE = /\p{Surrogate}/u;

function isWellFormed(text: string): boolean {
  // String.prototype.isWellFormed is in Node 20 but not in the ES2023 lib this project compiles against.
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(text) : !LONE_SURROGATE.test(text);
}

/** True when the text has no tokens: only whitespace, `//` line comments and `/* *\/` block comments. */
export function isBlank(text: string): boolean {
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\v" || c === "\f" || c === "\u00a0" || c === "\ufeff") {
      i++;
    } else if (c === "/" && text[i + 1] === "/") {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) return false; // unterminated comment: let the parser report it
      i = end + 2;
    } else if (/\s/u.test(c ?? "")) {
      i++;
    } else {
      return false;
    }
  }
  return true;
}
