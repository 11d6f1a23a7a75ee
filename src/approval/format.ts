/** Human-readable text of an approval request (the TTY prompt; the REST server may reuse it). */
import type { ApprovalAnswer, ApprovalRequest } from "./approver.js";

/** The request as a few labelled lines, without the question. */
export function formatApprovalRequest(req: ApprovalRequest): string {
  const lines: string[] = ["── approval needed " + "─".repeat(40)];
  if (req.source === "script") {
    const name = req.scriptName ?? "(unnamed script)";
    const hash = req.scriptHash !== undefined ? `  hash ${req.scriptHash.slice(0, 12)}` : "";
    lines.push(`script  ${name}${hash}`);
    lines.push(`may use ${req.allowedTools === undefined ? "any tool" : req.allowedTools.join(", ") || "(no tools)"}`);
  } else {
    lines.push(`source  model function call (run ${req.runId})`);
  }
  lines.push(`call    ${req.callId}  ${req.tool}  [${req.risk}]`);
  lines.push(`why     ${req.reason}`);
  if (req.sandboxDenial !== undefined) lines.push(`denied  ${req.sandboxDenial}`);
  const compact = JSON.stringify(req.args) ?? "undefined";
  const args = compact.length <= 100 ? compact : (JSON.stringify(req.args, null, 2) ?? compact).replace(/\n/g, "\n        ");
  lines.push(`args    ${args}`);
  return lines.join("\n");
}

export const APPROVAL_QUESTION = "Allow? [y]es / [n]o / [a]lways (this tool for this script) / [q]uit (abort the run): ";

/** Parse a typed answer; undefined when it is not one of y/yes, n/no, a/always, q/quit/abort. */
export function parseApprovalAnswer(line: string): ApprovalAnswer | undefined {
  switch (line.trim().toLowerCase()) {
    case "y":
    case "yes":
      return "approve";
    case "n":
    case "no":
      return "deny";
    case "a":
    case "always":
      return "always";
    case "q":
    case "quit":
    case "abort":
      return "abort";
    default:
      return undefined;
  }
}
