/**
 * The whole compile stage for one script: validate → type-check → strip types → bytecode → Artifact. Input problems
 * (too large, binary, empty) throw typed errors; problems *in* the script (type or syntax errors) come back as
 * diagnostics, and then there is no artifact.
 */
import type { Artifact } from "./artifact.js";
import { ScriptSyntaxError } from "../errors/index.js";
import type { Limits } from "../limits.js";
import { compileBytecode } from "./bytecode.js";
import { hasErrors, type Diagnostic } from "./diagnostic.js";
import type { ToolsDts } from "./dts.js";
import { computeArtifactKey } from "./artifact-key.js";
import { validateScriptSource, type ScriptSource } from "./source.js";
import { stripTypes } from "./strip.js";
import { TypeChecker } from "./typecheck.js";
import { COMPILER_VERSION, ENGINE_VERSION } from "./versions.js";

export interface CompileInput {
  source: string;
  filename: string;
}

export interface CompileOptions {
  /** A warm checker to reuse; without one a temporary checker is started and closed (slower: ~70 ms). */
  checker?: TypeChecker;
  /** The tools declarations the script is checked against (from generateToolsDts). */
  dts: ToolsDts;
  limits?: Partial<Limits>;
  /** Skip the type-check (the artifact key records this). @default true */
  typecheck?: boolean;
  /** The artifact key when the caller computed it already (the harness does, for its cache lookup). */
  key?: string | undefined;
}

export interface CompileResult {
  /** Present only when there are no error diagnostics. */
  artifact?: Artifact;
  /** Type and syntax problems, positions in the user's file. Warnings may accompany an artifact. */
  diagnostics: Diagnostic[];
}

/** Validate, check, strip and compile one script into an Artifact (see CompileResult). */
export async function compileScript(input: CompileInput, opts: CompileOptions): Promise<CompileResult> {
  return compileValidScript(validateScriptSource(input.source, input.filename, opts.limits), opts);
}

/** `compileScript` for a script `validateScriptSource` already accepted (the harness's): it is not validated again. */
export async function compileValidScript(input: ScriptSource, opts: CompileOptions): Promise<CompileResult> {
  const { source, bytes } = input;
  const typecheck = opts.typecheck ?? true;
  let diagnostics: Diagnostic[] = [];
  if (typecheck) {
    const checker = opts.checker ?? new TypeChecker(opts.dts.text);
    try {
      diagnostics = checker.check([{ filename: input.filename, source }]);
    } finally {
      if (!opts.checker) checker.close();
    }
    if (hasErrors(diagnostics)) return { diagnostics };
  }
  let bytecode: Uint8Array;
  let sourceMap: string;
  try {
    const stripped = await stripTypes(source, input.filename);
    sourceMap = stripped.sourceMap;
    bytecode = await compileBytecode(stripped.code, input.filename);
  } catch (error) {
    if (error instanceof ScriptSyntaxError) return { diagnostics: [...diagnostics, ...syntaxDiagnostics(error, input.filename)] };
    throw error;
  }
  const artifact: Artifact = {
    hash: opts.key ?? computeArtifactKey({ source, filename: input.filename, dtsHash: opts.dts.hash, typecheck }),
    bytecode,
    sourceMap,
    filename: input.filename,
    dtsHash: opts.dts.hash,
    engineVersion: ENGINE_VERSION,
    compilerVersion: COMPILER_VERSION,
    sourceBytes: bytes,
    createdAt: Date.now(),
  };
  return { artifact, diagnostics };
}

function syntaxDiagnostics(error: ScriptSyntaxError, filename: string): Diagnostic[] {
  const list = error.details["diagnostics"];
  if (Array.isArray(list) && list.length > 0) return list as Diagnostic[];
  return [
    {
      file: filename,
      line: error.location?.line ?? 1,
      column: error.location?.column ?? 1,
      code: 9001,
      category: "error",
      message: error.message,
    },
  ];
}
