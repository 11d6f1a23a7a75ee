/**
 * Search benchmark: a 10,000-file tree (20 × 10 directories of 50 files, a few hundred bytes each; a tenth of them
 * `.gitignore`d) is built once in the temp directory, then the median wall time of `search` for a rare literal, of
 * `search` for a regex, and of a full recursive `listDir` is measured after one warm-up pass.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { globTool } from "../src/tools/handlers/glob.js";
import { createListDirTool } from "../src/tools/handlers/list-dir.js";
import { searchTool } from "../src/tools/handlers/search.js";
import type { ToolContext } from "../src/tools/types.js";
import { realWorkspaceRoot } from "../src/tools/workspace.js";

const TOP = 20;
const SUB = 10;
const FILES = 50;

function fileText(i: number): string {
  const lines = [
    `// file ${i}: generated for the search benchmark`,
    `import { helper${i % 97} } from "./helper${i % 97}.js";`,
    ``,
    `export function compute${i}(input: number): number {`,
    `  const scaled = helper${i % 97}(input) * ${i % 13};`,
    `  return scaled + ${i};`,
    `}`,
  ];
  // One file in 200 holds the needle, so both searches have to visit the whole tree.
  if (i % 200 === 7) lines.push(`export const NEEDLE_TOKEN_${i} = "needle";`);
  return `${lines.join("\n")}\n`;
}

function buildTree(root: string): { files: number; ignored: number } {
  fs.writeFileSync(path.join(root, ".gitignore"), "*.log\n");
  let files = 0;
  let ignored = 0;
  for (let a = 0; a < TOP; a++) {
    for (let b = 0; b < SUB; b++) {
      const dir = path.join(root, `pkg${a}`, `mod${b}`);
      fs.mkdirSync(dir, { recursive: true });
      for (let c = 0; c < FILES; c++) {
        const i = files++;
        // Every tenth file is a .log the root .gitignore hides.
        const name = c % 10 === 9 ? `trace${c}.log` : `file${c}.ts`;
        if (name.endsWith(".log")) ignored++;
        fs.writeFileSync(path.join(dir, name), fileText(i));
      }
    }
  }
  return { files, ignored };
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Median wall and CPU (user + system) milliseconds; CPU time is less disturbed by other load on the machine. */
async function timeMs(runs: number, fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  await fn(); // warm the page cache and the JIT
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const fmt = (t: { wall: number; cpu: number }): string => `${t.wall.toFixed(1)} ms (cpu ${t.cpu.toFixed(1)} ms)`;

export async function benchSearch(opts: { quick: boolean }): Promise<{ figures: Record<string, number>; lines: string[] }> {
  const root = realWorkspaceRoot(fs.mkdtempSync(path.join(os.tmpdir(), "cody-bench-search-")));
  try {
    const built = buildTree(root);
    const ctx: ToolContext = { workspaceRoot: root, signal: new AbortController().signal };
    const runs = opts.quick ? 3 : 9;
    let literalHits = 0;
    let regexHits = 0;
    let listed = 0;
    const literalMs = await timeMs(runs, async () => {
      literalHits = (await searchTool.handler({ pattern: "NEEDLE_TOKEN", literal: true }, ctx)).length;
    });
    const regexMs = await timeMs(runs, async () => {
      regexHits = (await searchTool.handler({ pattern: "NEEDLE_TOKEN_\\d+\\s*=" }, ctx)).length;
    });
    // Glob matching (search's `include`, the glob tool) runs every walked path through the pattern's RE2 matcher.
    let includeHits = 0;
    let globbed = 0;
    const includeMs = await timeMs(runs, async () => {
      includeHits = (await searchTool.handler({ pattern: "NEEDLE_TOKEN", literal: true, include: "**/*.ts" }, ctx)).length;
    });
    const globMs = await timeMs(runs, async () => {
      globbed = (await globTool.handler({ pattern: "**/*.ts" }, ctx)).paths.length;
    });
    const listDir = createListDirTool();
    const listMs = await timeMs(runs, async () => {
      listed = (await listDir.handler({ path: ".", depth: 10, limit: 10_000 }, ctx)).entries.length;
    });
    // Reference point for the I/O floor: GNU grep over the same tree (it ignores .gitignore, so it reads more files).
    const grepMs = await timeMs(runs, async () => {
      spawnSync("grep", ["-rn", "--", "NEEDLE_TOKEN", root], { stdio: "ignore" });
    });
    return {
      figures: {
        searchTree10kMs: literalMs.wall,
        searchTree10kRegexMs: regexMs.wall,
        listDir10kMs: listMs.wall,
        searchTree10kIncludeMs: includeMs.wall,
        globTree10kMs: globMs.wall,
      },
      lines: [
        `tree: ${built.files} files (${built.ignored} .gitignored) in ${TOP * SUB} directories; median of ${runs} runs`,
        `search literal "NEEDLE_TOKEN": ${fmt(literalMs)}, ${literalHits} matches`,
        `search regex /NEEDLE_TOKEN_\\d+\\s*=/: ${fmt(regexMs)}, ${regexHits} matches`,
        `search literal with include "**/*.ts": ${fmt(includeMs)}, ${includeHits} matches`,
        `glob "**/*.ts": ${fmt(globMs)}, ${globbed} paths`,
        `listDir depth 10, limit 10000: ${fmt(listMs)}, ${listed} entries`,
        `reference: grep -rn NEEDLE_TOKEN (child process, all 10000 files): ${grepMs.wall.toFixed(1)} ms wall`,
      ],
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
