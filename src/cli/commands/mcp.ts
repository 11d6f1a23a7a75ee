/**
 * `cody mcp` — the harness as an MCP server (see docs/mcp.md, "Using cody as an MCP server"). Over stdio by default
 * (desktop clients spawn it; stdout carries the protocol, so logs go to stderr), or Streamable HTTP with `--http`,
 * behind the REST server's bearer token and Host/Origin checks. Approvals: a client that declared elicitation is
 * asked (policy `--approval`, default on-request); any other client's runs use `never` with the `--allow` rules.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import pino from "pino";
import { UsageError } from "../../errors/index.js";
import { createHarness } from "../../harness.js";
import { MCP_PATH, RunApprovals, listenMcpHttp, serveStdio, type SessionContext } from "../../mcp-server/index.js";
import { TOKEN_ENV, isLoopback, resolveServerToken } from "../../server/index.js";
// Through the index (which loads the MCP client SDK): this command loads the MCP server SDK anyway.
import { unavailableWarning } from "../../tools/index.js";
import { collect, listenError, port, workers } from "../flag-values.js";
import { addHarnessFlags, checkAllowedTools, harnessOptionsFromFlags, type HarnessFlags } from "../harness-options.js";

interface McpFlags extends HarnessFlags {
  http?: boolean;
  port: number;
  host: string;
  tokenFile?: string;
  allowedHost?: string[];
  workers?: number;
}




function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

export function registerMcp(parent: Command): void {
  const cmd = parent
    .command("mcp")
    .description("Serve the harness as an MCP server (stdio, or --http): run_script, check_script, describe_tools.")
    .option("--http", "serve Streamable HTTP instead of stdio")
    .option("--port <n>", "with --http: port to listen on (0 picks a free one)", port, 7078)
    .option("--host <addr>", `with --http: address to bind; a non-loopback address needs ${TOKEN_ENV} or --token-file`, "127.0.0.1")
    .option("--token-file <file>", `with --http: read the bearer token from this file (default: env ${TOKEN_ENV}, else <cwd>/.cody/server.token)`)
    .option("--allowed-host <name>", "with --http: also answer requests whose Host is this name (repeatable)", collect)
    .option("--workers <n>", "worker threads in the script pool (default: one per core)", workers)
    .addHelpText(
      "after",
      "\nApprovals: a client that declared MCP elicitation is asked about calls the policy (--approval, default\n" +
        "on-request) would ask about; for any other client those calls are refused as under `never` unless --allow or\n" +
        "--allow-exec matches.\n",
    );
  addHarnessFlags(cmd).action(async (flags: McpFlags) => {
    await mcpCommand(flags);
  });
}

async function mcpCommand(flags: McpFlags): Promise<void> {
  const givenToken = flags.tokenFile !== undefined || (process.env[TOKEN_ENV] ?? "") !== "";
  if (flags.http === true && !isLoopback(flags.host) && !givenToken) {
    throw new UsageError(`--host ${flags.host} is reachable from other machines: give the server a token with ${TOKEN_ENV} or --token-file`, {
      host: flags.host,
    });
  }
  // stdout is the protocol on stdio: every log line goes to stderr.
  const logger = pino({ name: "cody-mcp" }, pino.destination({ fd: 2, sync: true }));
  // stdin carries the protocol (or nothing): never a TTY approver.
  const options = await harnessOptionsFromFlags(flags, { stdinBusy: true });
  const approvals = new RunApprovals();
  const harness = await createHarness({
    ...options,
    approver: approvals.approver,
    // A client that can be asked is asked under --approval (default on-request); see RunApprovals for the others.
    settings: { ...options.settings, policy: { ...options.settings.policy, policy: flags.approval ?? "on-request" } },
    ...(flags.workers !== undefined ? { pool: { workers: flags.workers } } : {}),
  });
  if (harness.dispatcher.policy.warning) logger.warn(harness.dispatcher.policy.warning);
  for (const u of harness.mcpUnavailable) logger.warn({ server: u.server }, unavailableWarning(u));
  let stop: () => Promise<void>;
  let done: Promise<void>;
  try {
    checkAllowedTools(options.settings.policy?.allowTools ?? [], harness.toolNames());
    await harness.warmUp();
    const ctx: SessionContext = { harness, approvals, dts: (await harness.toolsDts()).text, version: packageVersion() };
    if (flags.http === true) {
      const auth = resolveServerToken({ cwd: options.cwd, tokenFile: flags.tokenFile });
      if (auth.warning) logger.warn(auth.warning);
      const listening = await listenMcpHttp(ctx, { token: auth.token, allowedHosts: flags.allowedHost }, flags.port, flags.host);
      const tokenAt = auth.file ?? `env ${TOKEN_ENV}`;
      // The line scripts and tests wait for; the port matters when --port 0 was given. Where the token is, never it.
      logger.info(
        { url: `http://${flags.host}:${listening.port}${MCP_PATH}`, port: listening.port, token: tokenAt, approval: harness.dispatcher.policy.policy },
        "cody mcp ready",
      );
      stop = () => listening.close();
      done = new Promise<void>(() => undefined);
    } else {
      const session = await serveStdio(ctx);
      logger.info({ transport: "stdio", approval: harness.dispatcher.policy.policy, cwd: harness.cwd }, "cody mcp ready");
      stop = () => session.close();
      done = session.closed;
    }
  } catch (error) {
    await harness.close();
    throw listenError(error, flags.port, flags.host);
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const finish = (why: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ why }, "shutting down");
      void stop()
        .catch(() => undefined)
        .then(() => harness.close())
        .finally(() => {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          resolve();
        });
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(130);
      finish(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    void done.then(() => finish("the client closed the connection"));
  });
}
