/**
 * SARIF 2.1.0 (OASIS), the format code-scanning services ingest. One run, one rule per diagnostic code, regions in
 * 1-based lines and UTF-16 columns (SARIF's default `columnKind`), artifact URIs relative to `%SRCROOT%`.
 */
import type { Diagnostic } from "../../compiler/index.js";
import { CODY_VERSION } from "../../compiler/index.js";
import { diagnosticCodeLabel } from "./human.js";

const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** Problems with the inputs themselves, reported as tool execution notifications. */
export interface InputProblem {
  file: string;
  code: string;
  message: string;
}

/** The whole SARIF log as an object (JSON.stringify it to write). */
export function toSarif(diagnostics: readonly Diagnostic[], inputProblems: readonly InputProblem[] = []): Record<string, unknown> {
  const ruleIds = [...new Set(diagnostics.map((d) => diagnosticCodeLabel(d.code)))].sort();
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "cody",
            version: CODY_VERSION,
            informationUri: "https://github.com/cody-script-harness/cody",
            rules: ruleIds.map((id) => ({ id, shortDescription: { text: `TypeScript diagnostic ${id}` } })),
          },
        },
        invocations: [
          {
            executionSuccessful: inputProblems.length === 0,
            toolExecutionNotifications: inputProblems.map((p) => ({
              level: "error",
              message: { text: p.message },
              descriptor: { id: p.code },
              locations: [{ physicalLocation: { artifactLocation: { uri: encodeUri(p.file), uriBaseId: "%SRCROOT%" } } }],
            })),
          },
        ],
        results: diagnostics.map((d) => {
          const region: Record<string, number> = { startLine: d.line, startColumn: d.column };
          if (d.endLine !== undefined) region["endLine"] = d.endLine;
          if (d.endColumn !== undefined) region["endColumn"] = d.endColumn;
          return {
            ruleId: diagnosticCodeLabel(d.code),
            ruleIndex: ruleIds.indexOf(diagnosticCodeLabel(d.code)),
            level: d.category === "error" ? "error" : "warning",
            message: { text: d.message },
            locations: [{ physicalLocation: { artifactLocation: { uri: encodeUri(d.file), uriBaseId: "%SRCROOT%" }, region } }],
          };
        }),
      },
    ],
  };
}

/** A relative path as a URI reference (each segment percent-encoded, `/` kept). */
function encodeUri(file: string): string {
  return file.split("/").map(encodeURIComponent).join("/");
}
