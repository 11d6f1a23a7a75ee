/**
 * The environment a command gets: the inherited names (exec's fixed list plus `sandbox.env.keep`), minus names that
 * look like secrets unless kept, then the call's own `env` argument on top (never filtered: the script chose it).
 */

/** Names containing one of these words (any case) are dropped from the inherited environment unless kept. */
const SECRET_ENV_WORDS: readonly string[] = ["KEY", "SECRET", "TOKEN", "PASSWORD"];

/** True for names such as `OPENAI_API_KEY`, `github_token`, `DB_PASSWORD`. */
export function isSecretEnvName(name: string): boolean {
  const upper = name.toUpperCase();
  return SECRET_ENV_WORDS.some((word) => upper.includes(word));
}

/**
 * Build a command's environment. `inherited` names are copied from `base` when set; `keep` names are copied too,
 * secret-looking or not; `extra` (the call's `env`) is applied last.
 */
export function commandEnv(
  base: NodeJS.ProcessEnv,
  inherited: readonly string[],
  keep: readonly string[],
  extra: Record<string, string> | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of inherited) {
    const value = base[name];
    if (value !== undefined && !isSecretEnvName(name)) env[name] = value;
  }
  for (const name of keep) {
    const value = base[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}
