/** Public surface of compiler/: tools `.d.ts` generation, type-check, strip, bytecode, artifact key and input checks. */
export { generateToolsDts, renderToolsDts, renderToolDeclarations, propertyKey } from "./dts.js";
export { toolsNamedOnLine } from "./tool-hints.js";
export { scriptLibDts } from "./lib-dts.js";
export { TypeChecker, SCRIPT_COMPILER_OPTIONS, mapDiagnostics } from "./typecheck.js";
export { stripTypes, SYNTAX_ERROR_CODE } from "./strip.js";
export { compileBytecode, loadQuickJSModule, disposeCompileVm } from "./bytecode.js";
export { computeArtifactKey } from "./artifact-key.js";
export { readScriptFile, validateScriptSource, isValidatedScript, checkScriptSize, isBlank } from "./source.js";
export { compileScript, compileValidScript } from "./compile.js";
export { CompilerHost, acquireCompilerHost, discardPrestartedWorker, releaseCompilerHost } from "./host.js";
export { hasErrors, sortDiagnostics, diagnosticCodeLabel, formatDiagnostics } from "./diagnostic.js";
export { TypeCheckerError } from "./errors.js";
export {
  normalizeSource,
  CHECK_PREFIX,
  CHECK_SUFFIX,
  EMIT_PREFIX,
  EMIT_SUFFIX,
  WRAPPER_LINE_OFFSET,
} from "./wrap.js";
export { shiftSourceMap } from "./sourcemap.js";
export { ENGINE_VERSION, COMPILER_VERSION, CODY_VERSION, ARTIFACT_SCHEMA } from "./versions.js";
export type { ToolsDts, ToolsDtsOptions } from "./dts.js";
export type { CheckInput, CheckerHooks } from "./typecheck.js";
export type { CompilerHostStats, HostRequestOptions } from "./host.js";
export type { StrippedScript } from "./strip.js";
export type { ArtifactKeyInput } from "./artifact-key.js";
export type { ScriptSource } from "./source.js";
export type { CompileInput, CompileOptions, CompileResult } from "./compile.js";
export type { Diagnostic } from "./diagnostic.js";
export type { Artifact } from "./artifact.js";
