/**
 * Whole `cody` processes, as a person or a CI job pays for them: each figure is the median wall time of several spawned
 * processes, interleaved round by round (so a busy moment hits every command alike), beside bare `node -e 0` measured
 * in the same rounds.
 * - nodeFloorWallMs: `node -e 0`;
 * - cliVersionWallMs: `cody --version`;
 * - cliRunCachedWallMs: `cody script run -q c.ts` of a script already in the cache (one `readFile`);
 * - cliCheck1WallMs / cliCheck100WallMs: `cody script check` of 1 file / of 100 files (`'s*.ts'`), declarations cached,
 *   files unchanged since the last check (their verdicts are kept: the compiler does not start);
 * - cliCheck1ColdWallMs / cliCheck100ColdWallMs: the same after every file changed (a comment), so each is type-checked:
 *   the compiler worker and its `tsgo` child start, as in a first check or one after an edit.
 * Each also gets a `…CpuMs` twin: the process's CPU time (user + system, all threads), which a busy shared box
 * inflates far less than wall time. It is read at exit by a one-line CommonJS preload (`--require`, the same for every
 * command, `node -e 0` included; an `--import` module would load the ES module loader into `node -e 0`).
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CODY = fileURLToPath(new URL("../../bin/cody.js", import.meta.url));

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

/** A preload that writes the process's CPU time (ms) to fd 3 when it exits. */
const CPU_AT_EXIT = 'process.on("exit",()=>{const u=process.cpuUsage();require("fs").writeSync(3,String((u.user+u.system)/1000))});\n';

function wall(args: string[], cwd: string, expectCode = 0, before?: () => void): { wall: number; cpu: number } {
  before?.();
  const cpuFile = path.join(cwd, ".cpu");
  const fd = openSync(cpuFile, "w");
  const start = performance.now();
  const r = spawnSync(process.execPath, ["--require", path.join(cwd, "cpu-at-exit.cjs"), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CODY_DB: "" },
    stdio: ["ignore", "pipe", "pipe", fd],
  });
  const ms = performance.now() - start;
  closeSync(fd);
  if (r.status !== expectCode) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return { wall: ms, cpu: Number(readFileSync(cpuFile, "utf8")) };
}

export async function benchCli(opts: { quick: boolean }): Promise<{ figures: Record<string, number>; lines: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-bench-cli-"));
  try {
    writeFileSync(path.join(dir, "hello.txt"), "hello\n");
    writeFileSync(path.join(dir, "cpu-at-exit.cjs"), CPU_AT_EXIT);
    const body = 'const f = await tools.readFile({ path: "hello.txt" });\nreturn f.totalLines';
    writeFileSync(path.join(dir, "c.ts"), `${body};\n`);
    const script = (i: number, edit: number): string => `// edit ${edit}\nconst x${i}: number = ${i};\n${body} + x${i};\n`;
    for (let i = 1; i <= 100; i++) writeFileSync(path.join(dir, `s${i}.ts`), script(i, 0));
    for (let i = 1; i <= 100; i++) writeFileSync(path.join(dir, `t${i}.ts`), script(i, 0));
    let edits = 0;
    /** Change every file the cold checks read, so none has a verdict from an earlier check. */
    const editCold = (count: number) => (): void => {
      edits++;
      for (let i = 1; i <= count; i++) writeFileSync(path.join(dir, `t${i}.ts`), script(i, edits));
    };
    const commands: Record<string, { args: string[]; before?: () => void }> = {
      nodeFloorWallMs: { args: ["-e", "0"] },
      cliVersionWallMs: { args: [CODY, "--version"] },
      cliRunCachedWallMs: { args: [CODY, "script", "run", "-q", "c.ts"] },
      cliCheck1WallMs: { args: [CODY, "script", "check", "c.ts"] },
      cliCheck100WallMs: { args: [CODY, "script", "check", "s*.ts"] },
      cliCheck1ColdWallMs: { args: [CODY, "script", "check", "t1.ts"], before: editCold(1) },
      cliCheck100ColdWallMs: { args: [CODY, "script", "check", "t*.ts"], before: editCold(100) },
    };
    // Fill the artifact cache, the declarations cache and the check verdicts first: the figures are for the cached case
    // (the cold checks change their files before every sample).
    wall(commands.cliRunCachedWallMs!.args, dir);
    wall(commands.cliCheck1WallMs!.args, dir);
    wall(commands.cliCheck100WallMs!.args, dir);
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    const cpuSamples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    const rounds = opts.quick ? 3 : 5;
    for (let round = 0; round < rounds; round++) {
      for (const [name, { args, before }] of Object.entries(commands)) {
        const m = wall(args, dir, 0, before);
        samples[name]!.push(m.wall);
        cpuSamples[name]!.push(m.cpu);
      }
    }
    const figures = Object.fromEntries([
      ...Object.entries(samples).map(([k, v]) => [k, median(v)]),
      ...Object.entries(cpuSamples).map(([k, v]) => [k.replace(/WallMs$/, "CpuMs"), median(v)]),
    ]) as Record<string, number>;
    const floor = figures.nodeFloorWallMs ?? Number.NaN;
    const cpuFloor = figures.nodeFloorCpuMs ?? Number.NaN;
    const f = (k: string): string => {
      const cpu = k.replace(/WallMs$/, "CpuMs");
      return `${(figures[k] ?? Number.NaN).toFixed(0)} ms (${((figures[k] ?? Number.NaN) / floor).toFixed(1)}×; CPU ` +
        `${(figures[cpu] ?? Number.NaN).toFixed(0)} ms, ${((figures[cpu] ?? Number.NaN) / cpuFloor).toFixed(1)}×)`;
    };
    return {
      figures,
      lines: [
        `whole processes, median of ${rounds}: node -e 0 ${floor.toFixed(0)} ms (CPU ${cpuFloor.toFixed(0)} ms); ` +
          `cody --version ${f("cliVersionWallMs")} (goal ≤ 1.5×)`,
        `cached script run ${f("cliRunCachedWallMs")} (goal ≤ 2.5×); script check 1 file ${f("cliCheck1WallMs")} (goal ≤ 3×), ` +
          `100 files ${f("cliCheck100WallMs")} (goal ≤ 500 ms)`,
        `script check of changed files (no verdict kept: the compiler starts): 1 file ${f("cliCheck1ColdWallMs")}, ` +
          `100 files ${f("cliCheck100ColdWallMs")}`,
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
