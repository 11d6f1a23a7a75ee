/**
 * `${NAME}` references in a remote server's `url` and header values (the VS Code / Claude Code config shape). They are
 * resolved from the environment each time a connection is made, so a token lives only in the environment and in the
 * request, never in the config or in an error message.
 */
import { McpError } from "../../errors/index.js";

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replace every `${NAME}` in `text` with `env[NAME]`. A variable that is not set (or empty) throws McpError naming the
 * variable and `where` (e.g. `mcpServers.github.headers.Authorization`), never the value.
 */
export function expandEnvRefs(text: string, env: Readonly<Record<string, string | undefined>>, server: string, where: string): string {
  return text.replace(REFERENCE, (_match, name: string) => {
    const value = env[name];
    if (value === undefined || value === "") {
      throw new McpError(
        `MCP server "${server}" cannot connect: ${where} refers to \${${name}}, which is not set in the environment`,
        { server, variable: name, field: where },
      );
    }
    return value;
  });
}

/** Names of the variables `text` refers to (for messages and docs). */
export function envRefNames(text: string): string[] {
  return [...text.matchAll(REFERENCE)].map((m) => m[1] as string);
}
