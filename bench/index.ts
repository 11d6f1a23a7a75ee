/**
 * `npm run bench [-- --json] [-- --quick] [-- --only compiler,runtime]`: runs every area's benchmark in this one
 * process and prints what was measured. Nothing here asserts: goals are printed beside the figures for a person
 * (or a later run) to compare.
 */
import { parseArgs } from "node:util";

interface BenchOutput {
  figures: Record<string, number>;
  lines: string[];
}
type BenchFn = (opts: { quick: boolean }) => Promise<BenchOutput>;

/** Area → module (relative to this file once built) and its exported function name. */
const AREAS: ReadonlyArray<{ area: string; module: string; fn: string }> = [
  { area: "compiler", module: "./compiler.js", fn: "benchCompiler" },
  { area: "cache", module: "./cache.js", fn: "benchCache" },
  { area: "runtime", module: "./runtime.js", fn: "benchRuntime" },
  { area: "search", module: "./search.js", fn: "benchSearch" },
  { area: "harness", module: "./harness.js", fn: "benchHarness" },
  { area: "rest", module: "./rest.js", fn: "benchRest" },
  { area: "sandbox", module: "./sandbox.js", fn: "benchSandbox" },
  { area: "cli", module: "./cli.js", fn: "benchCli" },
  { area: "mcp", module: "./mcp.js", fn: "benchMcp" },
  { area: "postgres", module: "./postgres.js", fn: "benchPostgres" },
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { json: { type: "boolean", default: false }, quick: { type: "boolean", default: false }, only: { type: "string" } },
  });
  const only = values.only ? new Set(values.only.split(",")) : undefined;
  const all: Record<string, number> = {};
  const errors: Record<string, string> = {};
  for (const { area, module, fn } of AREAS) {
    if (only && !only.has(area)) continue;
    let run: BenchFn | undefined;
    try {
      const mod = (await import(module)) as Record<string, unknown>;
      run = mod[fn] as BenchFn | undefined;
    } catch (error) {
      errors[area] = `not available: ${(error as Error).message}`;
    }
    if (!run) continue;
    if (!values.json) process.stdout.write(`\n== ${area} ==\n`);
    try {
      const out = await run({ quick: values.quick });
      Object.assign(all, out.figures);
      if (!values.json) for (const line of out.lines) process.stdout.write(`${line}\n`);
    } catch (error) {
      errors[area] = (error as Error).stack ?? String(error);
      if (!values.json) process.stdout.write(`failed: ${errors[area]}\n`);
    }
  }
  // REST's cost over the in-process harness, both measured above in this run.
  if (all["restRunsPerSecC64"] !== undefined && all["harnessRunsPerSecC64"] !== undefined) {
    all["restOverheadRatio"] = all["restRunsPerSecC64"] / all["harnessRunsPerSecC64"];
    if (!values.json) process.stdout.write(`\nREST C64 / in-process harness C64 runs/s: ${all["restOverheadRatio"].toFixed(2)}\n`);
  }
  if (values.json) {
    const rounded = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
    process.stdout.write(`${JSON.stringify(Object.keys(errors).length ? { ...rounded, errors } : rounded)}\n`);
  }
  // Worker pools and child processes from benches must not keep us alive.
  process.exit(0);
}

await main();
