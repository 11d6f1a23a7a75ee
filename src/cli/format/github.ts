/**
 * GitHub Actions workflow commands (`::error file=…,line=…,col=…::message`), so diagnostics appear as annotations on
 * the pull request. Escaping follows the runner's rules: `%`, CR, LF in data; also `:` and `,` in properties.
 */
import type { Diagnostic } from "../../compiler/index.js";
import { diagnosticCodeLabel } from "./human.js";

function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/** One annotation line per diagnostic (warnings become `::warning`). */
export function formatGithub(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const props = [`file=${escapeProperty(d.file)}`, `line=${d.line}`, `col=${d.column}`];
      if (d.endLine !== undefined) props.push(`endLine=${d.endLine}`);
      if (d.endColumn !== undefined && d.endLine === d.line) props.push(`endColumn=${d.endColumn}`);
      props.push(`title=${escapeProperty(diagnosticCodeLabel(d.code))}`);
      return `::${d.category} ${props.join(",")}::${escapeData(d.message)}\n`;
    })
    .join("");
}

/** An input problem (missing file, too large…) as a file-level annotation. */
export function formatGithubInputError(file: string, message: string): string {
  return `::error file=${escapeProperty(file)}::${escapeData(message)}\n`;
}
