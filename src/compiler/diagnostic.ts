/** The one diagnostic shape every stage (type-check, syntax, CLI formatters) speaks. */

/**
 * A problem found in a user's script. Positions are 1-based and always point into the user's own file, never into
 * the wrapper the compiler adds around the script body. Columns count UTF-16 code units, like tsc and editors.
 */
export interface Diagnostic {
  /** The user's file name, as given to the checker. */
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  /** TypeScript diagnostic code (e.g. 2345), or a Cody code in the 9000 range for the checks we add ourselves. */
  code: number;
  category: "error" | "warning";
  /** The message; chained TypeScript messages are joined with newlines and indented like tsc. */
  message: string;
}

/** True when any diagnostic is an error (warnings alone do not block compilation). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.category === "error");
}

/** Stable order: by file, then position, then code — so output never depends on checker internals. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column || a.code - b.code,
  );
}

/** `TS2345` for TypeScript's codes, `CODY9001` for the checks Cody adds (9000 and up). */
export function diagnosticCodeLabel(code: number): string {
  return code >= 9000 ? `CODY${code}` : `TS${code}`;
}

/**
 * Plain text like tsc's `--pretty false`: one `file(line,col): error TS2345: message` per diagnostic (continuation
 * lines of chained messages indented). What a model is shown when its script does not check.
 */
export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => `${d.file}(${d.line},${d.column}): ${d.category} ${diagnosticCodeLabel(d.code)}: ${d.message}`)
    .join("\n");
}
