/**
 * Exec allow rules are argv prefixes: `--allow-exec "git commit"` is `["git", "commit"]` and allows
 * `git commit -m x` but not `git push`. Matching is on whole argv elements, never on substrings.
 */
import { InvalidOptionError } from "../errors/index.js";

/** True when `argv` starts with every element of `prefix`. An empty prefix matches nothing (it would allow all). */
export function matchesExecPrefix(argv: readonly unknown[], prefix: readonly string[]): boolean {
  if (prefix.length === 0 || argv.length < prefix.length) return false;
  return prefix.every((part, i) => argv[i] === part);
}

/** Split a `--allow-exec` value on whitespace: `"git commit"` → `["git", "commit"]`. */
export function parseExecPrefix(text: string): string[] {
  const parts = text.trim().split(/\s+/).filter((p) => p.length > 0);
  if (parts.length === 0) {
    throw new InvalidOptionError(`\`--allow-exec\` needs a command prefix such as "git commit", got \`${text}\``, {
      path: "allowExec",
      value: text,
    });
  }
  return parts;
}

/** The `command` argv of an exec call, or undefined when the arguments have no string array there. */
export function execArgv(args: unknown): string[] | undefined {
  if (typeof args !== "object" || args === null) return undefined;
  const command = (args as { command?: unknown }).command;
  if (!Array.isArray(command) || !command.every((c) => typeof c === "string")) return undefined;
  return command as string[];
}

/** Programs whose first argument is a subcommand, so "always" can remember `git commit` rather than one argv. */
const SUBCOMMAND_PROGRAMS = new Set([
  "git", "npm", "pnpm", "yarn", "bun", "cargo", "go", "make", "docker", "kubectl", "gh", "deno", "dotnet", "mvn",
  "gradle", "pip", "uv", "poetry", "terraform", "helm", "just",
]);

/**
 * What an "always" answer to an exec call remembers. For a known subcommand-style program with a plain-word
 * subcommand it is that two-word prefix (`git commit`, `npm test`); for anything else — including shells and
 * interpreters, whose meaning is in their arguments — only that exact argv.
 */
export function rememberedExecRule(argv: readonly string[]): { prefix: string[]; exact: boolean } {
  const [program, sub] = argv;
  if (program !== undefined && sub !== undefined && SUBCOMMAND_PROGRAMS.has(program) && /^[a-z][a-z0-9:_-]*$/.test(sub)) {
    return { prefix: [program, sub], exact: false };
  }
  return { prefix: [...argv], exact: true };
}
