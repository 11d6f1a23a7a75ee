/** tsc-style diagnostics: `file(line,col): error TS2345: message`, then a code frame pointing at the span. */
import { codeFrameColumns } from "@babel/code-frame";
import { diagnosticCodeLabel, formatDiagnostics, type Diagnostic } from "../../compiler/index.js";

export { diagnosticCodeLabel };

/** One diagnostic's heading line, exactly like tsc's `--pretty false` output. */
function formatHeading(d: Diagnostic): string {
  return formatDiagnostics([d]);
}

/**
 * Every diagnostic with a code frame, then a summary line (`Found 2 errors in 1 file.`). `sources` maps file names to
 * their text; `color` adds ANSI highlighting (only for terminals).
 */
export function formatHuman(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>, color = false): string {
  const parts: string[] = [];
  for (const d of diagnostics) {
    let block = formatHeading(d);
    const source = sources.get(d.file);
    if (source !== undefined) {
      const start = { line: d.line, column: d.column };
      const end =
        d.endLine !== undefined && d.endColumn !== undefined && (d.endLine > d.line || d.endColumn > d.column)
          ? { line: d.endLine, column: d.endColumn }
          : undefined;
      const frame = codeFrameColumns(source, end ? { start, end } : { start }, { highlightCode: color, forceColor: color, linesAbove: 1, linesBelow: 1 });
      block += "\n\n" + frame + "\n";
    }
    parts.push(block);
  }
  parts.push(summary(diagnostics));
  return parts.join("\n") + "\n";
}

function summary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.category === "error");
  const warnings = diagnostics.length - errors.length;
  if (diagnostics.length === 0) return "No problems found.";
  const files = new Set(diagnostics.map((d) => d.file)).size;
  const e = `${errors.length} error${errors.length === 1 ? "" : "s"}`;
  const w = warnings > 0 ? ` and ${warnings} warning${warnings === 1 ? "" : "s"}` : "";
  return `Found ${e}${w} in ${files} file${files === 1 ? "" : "s"}.`;
}
