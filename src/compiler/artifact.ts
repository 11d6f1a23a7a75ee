/** The unit the compiler produces, the cache stores and the runtime executes. */

export interface Artifact {
  /** sha256 (hex) over the normalized source, the tools `.d.ts` hash, engine/compiler versions and options. */
  hash: string;
  /** QuickJS bytecode of the wrapped, type-stripped script. Evaluating it yields the script's async main function. */
  bytecode: Uint8Array;
  /** Source map (JSON, v3) from the compiled JavaScript back to the user's TypeScript, wrapper offsets accounted for. */
  sourceMap: string;
  /** The user's file name as it should appear in diagnostics and stacks (e.g. `examples/todo.ts`, `<tool-calls#1>`). */
  filename: string;
  /** sha256 (hex) of the tools `.d.ts` the script was checked against. */
  dtsHash: string;
  /** quickjs-wasi version that produced the bytecode (bytecode is engine-version specific). */
  engineVersion: string;
  /** Versions of the compile chain, e.g. `cody@0.1.0 typescript@7.0.2 esbuild@0.28.2`. */
  compilerVersion: string;
  /** Size of the original source in bytes. */
  sourceBytes: number;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Set when a person reviewed and approved this exact script (`cody script compile --approve`). */
  approvedBy?: string;
  approvedAt?: number;
}
