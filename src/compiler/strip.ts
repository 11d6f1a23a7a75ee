/**
 * Strip types with esbuild. The body is wrapped as `(async () => {\n<body>\n})`: evaluated as a global script, its
 * completion value is the async function the runtime calls (the contract in src/runtime/contract.ts).
 */
import type { Message, TransformFailure } from "esbuild";
import { ScriptSyntaxError } from "../errors/index.js";
import type { Diagnostic } from "./diagnostic.js";
import { shiftSourceMap } from "./sourcemap.js";
import { EMIT_PREFIX, EMIT_SUFFIX, WRAPPER_LINE_OFFSET, normalizeSource } from "./wrap.js";

/** JavaScript ready for QuickJS plus a v3 source map pointing at the user's file. */
export interface StrippedScript {
  code: string;
  sourceMap: string;
}

/** Code for syntax errors found by esbuild (TypeScript's own syntax errors keep their TS codes). */
export const SYNTAX_ERROR_CODE = 9001;

/**
 * Type-strip a script body. Throws ScriptSyntaxError (location in the user's file, details.diagnostics) when the body
 * does not parse.
 */
export async function stripTypes(source: string, filename: string): Promise<StrippedScript> {
  const body = normalizeSource(source);
  // Loaded on the first strip: a run of a cached script never needs esbuild.
  const { transform } = await import("esbuild");
  let result;
  try {
    result = await transform(EMIT_PREFIX + body + EMIT_SUFFIX, {
      loader: "ts",
      target: "es2023",
      sourcemap: "external",
      sourcefile: filename,
      sourcesContent: false,
      legalComments: "none",
      logLevel: "silent",
      tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } },
    });
  } catch (error) {
    const errors = (error as Partial<TransformFailure>).errors;
    if (!Array.isArray(errors)) throw error;
    const diagnostics = errors.map((m) => messageToDiagnostic(m, filename, body));
    const first = diagnostics[0];
    throw new ScriptSyntaxError(
      first ? `${filename}(${first.line},${first.column}): ${first.message}` : `${filename}: syntax error`,
      { diagnostics },
      first ? { location: { file: filename, line: first.line, column: first.column } } : {},
    );
  }
  return { code: result.code, sourceMap: shiftSourceMap(result.map, WRAPPER_LINE_OFFSET, filename, body) };
}

/** esbuild reports 1-based lines and 0-based UTF-8 byte columns in the wrapped text; convert to the user's file. */
function messageToDiagnostic(m: Message, filename: string, body: string): Diagnostic {
  const loc = m.location;
  const lineCount = body.split("\n").length;
  let line = loc ? loc.line - WRAPPER_LINE_OFFSET : 1;
  let column = 1;
  if (loc) {
    column = Buffer.from(loc.lineText, "utf8").subarray(0, loc.column).toString("utf8").length + 1;
    if (line < 1) [line, column] = [1, 1];
    if (line > lineCount) {
      // An error in the closing wrapper (e.g. an unclosed brace) belongs at the end of the user's file.
      line = lineCount;
      column = (body.split("\n")[lineCount - 1] ?? "").length + 1;
    }
  }
  return { file: filename, line, column, code: SYNTAX_ERROR_CODE, category: "error", message: m.text };
}
