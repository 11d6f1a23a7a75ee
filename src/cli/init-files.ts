/**
 * What `cody init` writes: a commented cody.json holding the defaults, `.cody/.gitignore`, and an editor setup (a
 * tsconfig.json for the scripts folder over the generated tools `.d.ts`) that gives scripts completion and the same
 * type errors as `cody script check`.
 */
import { SCRIPT_COMPILER_OPTIONS } from "../compiler/index.js";
import { DEFAULT_LIMITS, LIMIT_SETTINGS, formatLimitValue, type Limits } from "../limits.js";

/** Where the editor declarations go (relative to the workspace); committed, so a fresh clone gets completion. */
export const EDITOR_DTS = ".cody/tools.d.ts";

/** cody.json with every default and, beside each, what it is and how to override it for one run. */
export function codyJsonTemplate(): string {
  const keys = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];
  const limitLines = keys.map((key, i) => {
    const value = DEFAULT_LIMITS[key];
    const flag = LIMIT_SETTINGS[key].flag;
    const entry = `    "${key}": ${value}${i < keys.length - 1 ? "," : ""}`;
    const note = `${LIMIT_SETTINGS[key].unit === "bytes" ? `${formatLimitValue(key, value)}` : ""}${flag ? `${LIMIT_SETTINGS[key].unit === "bytes" ? "; " : ""}flag ${flag}` : ""}`;
    return note ? `${entry.padEnd(36)}// ${note}` : entry;
  });
  return [
    "// Cody workspace configuration: JSON with comments. The values below are the defaults; change or delete them.",
    "// docs/limits-and-errors.md (limits), docs/approvals.md (approval), docs/mcp.md (MCP servers).",
    "{",
    "  // Run limits. A flag, where there is one, overrides a limit for one run.",
    '  "limits": {',
    ...limitLines,
    "  },",
    "",
    "  // Approval is chosen per command, not here: --approval untrusted|on-request|never (default: on-request on a",
    "  // terminal, never otherwise); --allow TOOL and --allow-exec \"git status\" run those calls without asking;",
    "  // `cody script compile --approve FILE` records a reviewed script so its calls run without asking.",
    "",
    "  // MCP servers; their tools become tools.mcp.<server>.<tool>. After changing them, refresh the editor",
    `  // declarations with: cody tools dts --out ${EDITOR_DTS}`,
    '  // e.g. "files": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."] }',
    '  "mcpServers": {}',
    "}",
    "",
  ].join("\n");
}

/** Local state (cache, audit log, conversations) stays out of git; the config and editor declarations do not. */
export const CODY_GITIGNORE = [
  "# Cody's local state (artifact cache, audit log, conversations) is not for version control.",
  "*",
  "!.gitignore",
  "!config.json",
  "!tools.d.ts",
  "",
].join("\n");

/**
 * tsconfig.json for the scripts folder: the checker's own options, except `module`. A plain editor cannot wrap a file
 * in an async function as the checker does, so top-level `await` needs a module kind that allows it (`esnext`).
 */
export function scriptsTsconfig(dtsFromScripts: string): string {
  const compilerOptions = { ...SCRIPT_COMPILER_OPTIONS, module: "esnext", moduleResolution: "bundler" };
  return `${JSON.stringify({ compilerOptions, files: [dtsFromScripts], include: ["**/*.ts"] }, null, 2)}\n`;
}
