/**
 * "Always" answers. An "always" remembers approval for the rest of the session (the dispatcher's lifetime) within
 * one scope — the script's hash for script runs, so another script is asked again; `structured` for a model's
 * native calls. For `exec` it remembers a command prefix (see `rememberedExecRule`), for every other tool the tool.
 */
import { execArgv, matchesExecPrefix, rememberedExecRule } from "./exec-rules.js";

interface ExecRule {
  prefix: string[];
  exact: boolean;
}

export class ApprovalMemory {
  readonly #tools = new Map<string, Set<string>>();
  readonly #exec = new Map<string, ExecRule[]>();

  /** Remember an "always" answer for this call's tool (or exec prefix) within `scope`. */
  remember(scope: string, tool: string, args: unknown): void {
    const argv = tool === "exec" ? execArgv(args) : undefined;
    if (argv !== undefined) {
      const rules = this.#exec.get(scope) ?? [];
      rules.push(rememberedExecRule(argv));
      this.#exec.set(scope, rules);
      return;
    }
    const tools = this.#tools.get(scope) ?? new Set<string>();
    tools.add(tool);
    this.#tools.set(scope, tools);
  }

  /** True when an earlier "always" in `scope` covers this call. */
  covers(scope: string, tool: string, args: unknown): boolean {
    if (tool === "exec") {
      const argv = execArgv(args);
      if (argv === undefined) return false;
      return (this.#exec.get(scope) ?? []).some((rule) =>
        rule.exact
          ? argv.length === rule.prefix.length && matchesExecPrefix(argv, rule.prefix)
          : matchesExecPrefix(argv, rule.prefix),
      );
    }
    return this.#tools.get(scope)?.has(tool) ?? false;
  }

  /** Forget everything (e.g. a new session on a long-lived server). */
  clear(): void {
    this.#tools.clear();
    this.#exec.clear();
  }
}
