/** Output formats for diagnostics and input-file expansion shared by CLI commands. */
export { formatHuman, diagnosticCodeLabel } from "./human.js";
export { formatGithub, formatGithubInputError } from "./github.js";
export { toSarif } from "./sarif.js";
export { expandFileArgs } from "./expand-files.js";
export type { InputProblem } from "./sarif.js";
export type { InputFile } from "./expand-files.js";
