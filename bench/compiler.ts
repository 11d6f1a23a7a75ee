/**
 * Compiler benchmark. Type-check with TypeScript 7 (the checker we ship) and, for the written comparison in
 * docs/compiler.md, TypeScript 6's classic in-process API with program reuse; then strip + bytecode, and what bytecode
 * saves over evaluating source in QuickJS. Cold figures come from fresh child processes, so module loading, the tsgo
 * child's start and lib parsing are all counted, as a user running `cody script check` once would see them.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { QuickJS } from "quickjs-wasi";
import ts from "typescript";
import {
  compileBytecode,
  CompilerHost,
  generateToolsDts,
  loadQuickJSModule,
  mapDiagnostics,
  stripTypes,
  TypeChecker,
  CHECK_PREFIX,
  CHECK_SUFFIX,
  type CheckInput,
  type Diagnostic,
  type ToolsDts,
} from "../src/compiler/index.js";
import { BUILTIN_SPECS } from "../src/tools/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/**
 * The TypeScript 6 alternative, kept here (not in src/) because `typescript` is only a devDependency: a virtual
 * compiler host, lib SourceFiles parsed once and cached, and `oldProgram` reuse so a re-check re-binds only what
 * changed. Same wrapper and position mapping as the shipped checker.
 */
export class Ts6Checker {
  readonly #files = new Map<string, string>();
  readonly #sourceFiles = new Map<string, { text: string; sf: ts.SourceFile }>();
  readonly #libDir = path.dirname(require.resolve("typescript/lib/lib.d.ts"));
  #program: ts.Program | undefined;
  readonly #options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    lib: ["lib.es2023.d.ts"],
    types: [],
    module: ts.ModuleKind.ES2015,
    moduleDetection: ts.ModuleDetectionKind.Force,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    allowUnreachableCode: true,
  };

  constructor(dtsText: string) {
    this.#files.set("/cody/tools.d.ts", dtsText);
  }

  check(inputs: readonly CheckInput[]): Diagnostic[] {
    const roots = ["/cody/tools.d.ts"];
    inputs.forEach((f, i) => {
      this.#files.set(`/cody/s${i}.ts`, CHECK_PREFIX + f.source + CHECK_SUFFIX);
      roots.push(`/cody/s${i}.ts`);
    });
    const read = (name: string): string | undefined => this.#files.get(name) ?? ts.sys.readFile(name);
    const host: ts.CompilerHost = {
      getSourceFile: (name, languageVersion) => {
        const text = read(name);
        if (text === undefined) return undefined;
        const cached = this.#sourceFiles.get(name);
        if (cached && cached.text === text) return cached.sf;
        const sf = ts.createSourceFile(name, text, languageVersion);
        this.#sourceFiles.set(name, { text, sf });
        return sf;
      },
      getDefaultLibFileName: () => path.join(this.#libDir, "lib.d.ts"),
      getDefaultLibLocation: () => this.#libDir,
      writeFile: () => undefined,
      getCurrentDirectory: () => "/cody",
      getCanonicalFileName: (f) => f,
      useCaseSensitiveFileNames: () => true,
      getNewLine: () => "\n",
      fileExists: (f) => read(f) !== undefined,
      readFile: read,
    };
    this.#program = ts.createProgram({ rootNames: roots, options: this.#options, host, ...(this.#program ? { oldProgram: this.#program } : {}) });
    const out: Diagnostic[] = [];
    inputs.forEach((f, i) => {
      const sf = this.#program!.getSourceFile(`/cody/s${i}.ts`)!;
      const syn = this.#program!.getSyntacticDiagnostics(sf);
      const raw = syn.length > 0 ? syn : this.#program!.getSemanticDiagnostics(sf);
      const converted = raw.map((d) => ({
        pos: d.start ?? 0,
        end: (d.start ?? 0) + (d.length ?? 0),
        code: d.code,
        category: d.category as number,
        text: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      }));
      out.push(...mapDiagnostics(converted as never, f.filename, f.source));
    });
    return out;
  }
}

/** A type-correct script of about `bytes` bytes; `seed` changes its text (and one literal type) every iteration. */
export function benchScript(bytes: number, seed: number): string {
  const lines = [
    `const listing = await tools.listDir({ path: "src", depth: 2 });`,
    `const seed: number = ${seed};`,
    `const sizes = listing.entries.filter((e) => e.type === "file").map((e) => e.size + seed);`,
  ];
  let i = 0;
  while (lines.join("\n").length < bytes - 120) {
    lines.push(`const r${i} = await tools.search({ pattern: "TODO${i}", limit: ${i + 1} });`);
    lines.push(`const n${i}: number = r${i}.length + sizes.length * ${i}; // keep the checker busy`);
    i++;
  }
  lines.push(`return { total: sizes.reduce((a, b) => a + b, 0), seed };`);
  return lines.join("\n") + "\n";
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
}

const median = (s: number[]): number => percentile(s, 0.5);
const r1 = (n: number): number => Math.round(n * 10) / 10;
const r2 = (n: number): number => Math.round(n * 100) / 100;

/**
 * First check in a fresh node process: import the compiler (and, for TS6, `typescript`), start the checker, check one
 * script. The `.d.ts` text is handed in, so the tool registry's own import time is not counted here. Returns the
 * median over `runs` of the total and of the checker-only part, in ms.
 */
function coldCheck(kind: "ts7" | "ts6", dtsText: string, runs: number): { totalMs: number; checkMs: number } {
  const entry = new URL(kind === "ts6" ? "./compiler.js" : "../src/compiler/index.js", import.meta.url).href;
  const code = `
    const t0 = performance.now();
    const m = await import(${JSON.stringify(entry)});
    const t1 = performance.now();
    const c = new m.${kind === "ts6" ? "Ts6Checker" : "TypeChecker"}(process.env.CODY_BENCH_DTS);
    const d = c.check([{ filename: "cold.ts", source: "const r = await tools.readFile({ path: 'a' });\\nconst n: string = r.totalLines;\\nreturn n;" }]);
    const t2 = performance.now();
    if (d.length !== 1) throw new Error("expected one diagnostic, got " + JSON.stringify(d));
    c.close?.();
    process.stdout.write(JSON.stringify({ totalMs: t2 - t0, checkMs: t2 - t1 }));`;
  const totals: number[] = [];
  const checks: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], {
      cwd: here,
      encoding: "utf8",
      env: { ...process.env, CODY_BENCH_DTS: dtsText },
    });
    const r = JSON.parse(out) as { totalMs: number; checkMs: number };
    totals.push(r.totalMs);
    checks.push(r.checkMs);
  }
  return { totalMs: median(totals), checkMs: median(checks) };
}

function warm(checker: { check(f: CheckInput[]): Diagnostic[] }, iterations: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < iterations + 3; i++) {
    const source = benchScript(2048, i);
    const t0 = performance.now();
    const d = checker.check([{ filename: "warm.ts", source }]);
    const ms = performance.now() - t0;
    if (d.length > 0) throw new Error(`bench script has diagnostics: ${JSON.stringify(d[0])}`);
    if (i >= 3) samples.push(ms);
  }
  return samples;
}

async function warmViaHost(host: CompilerHost, dts: ToolsDts, iterations: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < iterations + 3; i++) {
    const source = benchScript(2048, i);
    const t0 = performance.now();
    const d = await host.check([{ filename: "warm.ts", source }], { dts });
    const ms = performance.now() - t0;
    if (d.length > 0) throw new Error(`bench script has diagnostics: ${JSON.stringify(d[0])}`);
    if (i >= 3) samples.push(ms);
  }
  return samples;
}

function hundred(checker: { check(f: CheckInput[]): Diagnostic[] }, seed: number): number {
  const files = Array.from({ length: 100 }, (_, i) => ({ filename: `f${i}.ts`, source: benchScript(2048, seed + i) }));
  const t0 = performance.now();
  const d = checker.check(files);
  const ms = performance.now() - t0;
  if (d.length > 0) throw new Error(`bench scripts have diagnostics: ${JSON.stringify(d[0])}`);
  return ms;
}

async function evalTimes(js: string, bytecode: Uint8Array, runs: number): Promise<{ sourceMs: number; bytecodeMs: number }> {
  const wasm = await loadQuickJSModule();
  const src: number[] = [];
  const bc: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const kind of ["source", "bytecode"] as const) {
      const vm = await QuickJS.create({ wasm });
      const t0 = performance.now();
      const fn = kind === "source" ? vm.evalCode(js, "bench16k.ts") : vm.evalBytecode(bytecode);
      const ms = performance.now() - t0;
      fn.dispose();
      vm.dispose();
      (kind === "source" ? src : bc).push(ms);
    }
  }
  return { sourceMs: median(src), bytecodeMs: median(bc) };
}

export async function benchCompiler(opts: { quick: boolean }): Promise<{ figures: Record<string, number>; lines: string[] }> {
  const coldRuns = opts.quick ? 2 : 5;
  const warmRuns = opts.quick ? 20 : 100;
  const dts = await generateToolsDts(BUILTIN_SPECS);

  const cold7 = coldCheck("ts7", dts.text, coldRuns);
  const checker = new TypeChecker(dts.text);
  let warm7: number[];
  let h7: number;
  try {
    warm7 = warm(checker, warmRuns);
    h7 = hundred(checker, 1000);
  } finally {
    checker.close();
  }

  // The same warm re-check as the harness does it: through the compiler worker, under the check deadline.
  const host = new CompilerHost();
  let warmHost: number[];
  try {
    warmHost = await warmViaHost(host, dts, warmRuns);
  } finally {
    await host.close();
  }

  const cold6 = coldCheck("ts6", dts.text, coldRuns);
  const ts6 = new Ts6Checker(dts.text);
  const warm6 = warm(ts6, Math.min(warmRuns, 30));
  const h6 = hundred(ts6, 2000);

  const two = benchScript(2048, 7);
  const compileSamples: number[] = [];
  let bytecode2k: Uint8Array = new Uint8Array();
  for (let i = 0; i < (opts.quick ? 10 : 50); i++) {
    const t0 = performance.now();
    const stripped = await stripTypes(two.replace("const seed: number = 7", `const seed: number = ${i}`), "bench2k.ts");
    bytecode2k = await compileBytecode(stripped.code, "bench2k.ts");
    compileSamples.push(performance.now() - t0);
  }

  const big = await stripTypes(benchScript(16 * 1024, 3), "bench16k.ts");
  const big16 = await compileBytecode(big.code, "bench16k.ts");
  const ev = await evalTimes(big.code, big16, opts.quick ? 5 : 20);

  const figures = {
    checkColdMs: r1(cold7.totalMs),
    checkColdCheckOnlyMs: r1(cold7.checkMs),
    checkWarmP50Ms: r1(median(warm7)),
    checkWarmP95Ms: r1(percentile(warm7, 0.95)),
    checkWarmHostP50Ms: r1(median(warmHost)),
    check100FilesMs: r1(h7),
    compileMs: r1(median(compileSamples)),
    bytecodeBytes2k: bytecode2k.byteLength,
    evalSource16kMs: r2(ev.sourceMs),
    evalBytecode16kMs: r2(ev.bytecodeMs),
    bytecodeSpeedup16k: r1(ev.sourceMs / ev.bytecodeMs),
    ts6CheckColdMs: r1(cold6.totalMs),
    ts6CheckColdCheckOnlyMs: r1(cold6.checkMs),
    ts6CheckWarmP50Ms: r1(median(warm6)),
    ts6CheckWarmP95Ms: r1(percentile(warm6, 0.95)),
    ts6Check100FilesMs: r1(h6),
  };
  const lines = [
    `type-check, TypeScript 7 (shipped): cold ${figures.checkColdMs} ms in a fresh process incl. imports (checker start + first check ${figures.checkColdCheckOnlyMs} ms)`,
    `  warm re-check of a changed 2 KB script: p50 ${figures.checkWarmP50Ms} ms, p95 ${figures.checkWarmP95Ms} ms; 100 new 2 KB files in one program ${figures.check100FilesMs} ms`,
    `  the same through the compiler worker (the harness's path, under limits.checkTimeoutMs): p50 ${figures.checkWarmHostP50Ms} ms`,
    `type-check, TypeScript 6 (comparison): cold ${figures.ts6CheckColdMs} ms (checker + first check ${figures.ts6CheckColdCheckOnlyMs} ms)`,
    `  warm p50 ${figures.ts6CheckWarmP50Ms} ms, p95 ${figures.ts6CheckWarmP95Ms} ms; 100 files ${figures.ts6Check100FilesMs} ms`,
    `strip + bytecode of a 2 KB script: p50 ${figures.compileMs} ms, ${figures.bytecodeBytes2k} bytes of bytecode`,
    `16 KB script in a fresh QuickJS VM: eval source ${figures.evalSource16kMs} ms vs eval bytecode ${figures.evalBytecode16kMs} ms (${figures.bytecodeSpeedup16k}x)`,
  ];
  return { figures, lines };
}
