/**
 * What `cody --help` and `cody script --help` list for each command, without loading the command's module (a help or
 * version request would otherwise import the HTTP server, the model providers and the compiler: ≈ 0.3 s).
 * test/cli/main.test.ts checks that this listing is exactly what the loaded commands print.
 */
export interface CommandSummary {
  group?: "script" | "tools";
  name: string;
  /** Arguments and options as help shows them after the name, e.g. `[options] <file>`. */
  usage: string;
  description: string;
}

export const COMMAND_SUMMARIES: readonly CommandSummary[] = [
  {
    group: "script",
    name: "check",
    usage: "[options] <files...>",
    description: "Type-check scripts against the tool declarations (many files in one program).",
  },
  {
    group: "script",
    name: "compile",
    usage: "[options] <files...>",
    description: "Precompile scripts into the cache and print their hashes; --approve records them as reviewed.",
  },
  { group: "script", name: "ls", usage: "[options]", description: "List cached compiled scripts and who approved them." },
  {
    group: "script",
    name: "run",
    usage: "[options] <file>",
    description: "Run a script (a .ts file, or - for standard input) in a fresh sandbox.",
  },
  {
    group: "tools",
    name: "dts",
    usage: "[options]",
    description: "Print the TypeScript declarations (`tools`, `console`, ToolError…) that scripts are checked against.",
  },
  {
    name: "init",
    usage: "[options]",
    description: "Make this directory a workspace: cody.json, .cody/.gitignore and a tsconfig.json for scripts in editors.",
  },
  { name: "cache", usage: "", description: "Inspect and maintain the compiled-artifact cache." },
  { name: "runs", usage: "", description: "Inspect the audit log of script runs and tool calls." },
  { name: "conversations", usage: "", description: "List the conversations `cody exec` stored (resume one with --resume)." },
  {
    name: "exec",
    usage: "[options] <prompt>",
    description: "Talk to a model that acts by writing <tool-calls> scripts (and native function calls).",
  },
  {
    name: "serve",
    usage: "[options]",
    description: "Serve the harness over HTTP: check, compile and run scripts, stream events, answer approvals.",
  },
  {
    name: "mcp",
    usage: "[options]",
    description: "Serve the harness as an MCP server (stdio, or --http): run_script, check_script, describe_tools.",
  },
  {
    name: "doctor",
    usage: "[options]",
    description: "Check this machine: Node version and whether the OS sandbox for exec (bubblewrap) works, and why not.",
  },
];
