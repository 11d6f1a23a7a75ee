/**
 * `cody serve` — the REST server (see docs/rest-api.md). Takes the shared harness flags; approval requests are
 * answered over HTTP (`GET/POST /v1/approvals`) when the policy asks (`--approval on-request|untrusted`), and
 * refused otherwise (`never`, the default). Every route but `/healthz` needs the bearer token (token.ts says where it
 * comes from); a non-loopback `--host` needs one given by the operator. Logs requests as JSON lines (pino) to
 * stderr. SIGINT/SIGTERM abort runs in progress, close the listener and the harness, then exit.
 */
import { Option, type Command } from "commander";
import pino from "pino";
import { resolveProviderConfig, type ProviderConfigInput } from "../../agent/index.js";
import { loadConfig } from "../../config/index.js";
import { UsageError } from "../../errors/index.js";
import { createHarness } from "../../harness.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s), which a run without MCP servers must not pay for
import { unavailableWarning } from "../../tools/mcp/unavailable.js";
import {
  ApprovalBroker,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  TOKEN_ENV,
  createServer,
  isLoopback,
  logDestination,
  resolveServerToken,
  type ServerToken,
} from "../../server/index.js";
import { collect, listenError, port, workers } from "../flag-values.js";
import { addHarnessFlags, checkAllowedTools, harnessOptionsFromFlags, type HarnessFlags } from "../harness-options.js";

interface ServeFlags extends HarnessFlags {
  port: number;
  host: string;
  workers?: number;
  tokenFile?: string;
  allowedHost?: string[];
  corsOrigin?: string[];
  headersTimeout?: number;
  requestTimeout?: number;
  maxConnections?: number;
  model?: string;
  baseUrl?: string;
  api?: "responses" | "chat";
  apiKeyEnv?: string;
}


function positive(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${name} must be an integer from 1 to ${max}, got \`${value}\``);
    return n;
  };
}

function origin(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.origin !== value.replace(/\/+$/, "").toLowerCase()) {
    throw new UsageError(`--cors-origin must be an origin such as https://app.example:8443 (scheme, host, port; no path), got \`${value}\``);
  }
  return url.origin;
}



export function registerServe(parent: Command): void {
  const cmd = parent
    .command("serve")
    .description("Serve the harness over HTTP: check, compile and run scripts, stream events, answer approvals.")
    .option("--port <n>", "port to listen on (0 picks a free one)", port, 7077)
    .option("--host <addr>", `address to bind; a non-loopback address needs ${TOKEN_ENV} or --token-file`, "127.0.0.1")
    .option("--workers <n>", "worker threads in the script pool (default: one per core)", workers)
    .option("--token-file <file>", `read the bearer token from this file (default: env ${TOKEN_ENV}, else <cwd>/.cody/server.token, created on first start)`)
    .option("--allowed-host <name>", "also answer requests whose Host is this name (repeatable; loopback names are always allowed)", collect)
    .option("--cors-origin <origin>", "let browser pages from this origin call the API, e.g. https://app.example (repeatable)", (v: string, prev: string[] = []) => [...prev, origin(v)])
    .option("--headers-timeout <ms>", `time a client has to send its request headers (default ${DEFAULT_HEADERS_TIMEOUT_MS})`, positive("--headers-timeout", 3_600_000))
    .option("--request-timeout <ms>", `time a client has to send its whole request (default ${DEFAULT_REQUEST_TIMEOUT_MS})`, positive("--request-timeout", 3_600_000))
    .option("--max-connections <n>", `open connections accepted at once (default ${DEFAULT_MAX_CONNECTIONS})`, positive("--max-connections", 1_000_000))
    .option("--model <name>", "conversations: default model (env CODY_MODEL; default gpt-4.1)")
    .option("--base-url <url>", "conversations: OpenAI-compatible API base URL (env CODY_BASE_URL, OPENAI_BASE_URL)")
    .option("--api-key-env <name>", "conversations: read the API key from this environment variable")
    .addOption(new Option("--api <protocol>", "conversations: wire protocol (env CODY_API; default responses)").choices(["responses", "chat"]))
    .addHelpText(
      "after",
      `\nAuthentication: every route except /healthz needs "Authorization: Bearer <token>". The token is read from\n` +
        `--token-file, else ${TOKEN_ENV}, else <cwd>/.cody/server.token (created with a random token, mode 0600, on first\n` +
        "start; its path is logged at start). Binding a non-loopback --host needs --token-file or " + TOKEN_ENV + ".\n",
    );
  addHarnessFlags(cmd).action(async (flags: ServeFlags) => {
    await serveCommand(flags);
  });
}

async function serveCommand(flags: ServeFlags): Promise<void> {
  const givenToken = flags.tokenFile !== undefined || (process.env[TOKEN_ENV] ?? "") !== "";
  if (!isLoopback(flags.host) && !givenToken) {
    throw new UsageError(
      `--host ${flags.host} is reachable from other machines: give the server a token with ${TOKEN_ENV} or --token-file`,
      { host: flags.host },
    );
  }
  const logger = pino({ name: "cody" }, logDestination(2));
  const options = await harnessOptionsFromFlags(flags, { stdinBusy: true });
  const asks = flags.approval === "on-request" || flags.approval === "untrusted";
  const broker = asks ? new ApprovalBroker() : undefined;
  const harness = await createHarness({
    ...options,
    approver: broker?.approver,
    settings: { ...options.settings, policy: { ...options.settings.policy, policy: flags.approval ?? "never" } },
    ...(flags.workers !== undefined ? { pool: { workers: flags.workers } } : {}),
    // A long-lived server under load: the audit's group commits go to a writer thread, off the event loop.
    auditWriter: true,
  });
  if (harness.dispatcher.policy.warning) logger.warn(harness.dispatcher.policy.warning);
  for (const u of harness.mcpUnavailable) logger.warn({ server: u.server }, unavailableWarning(u));
  // Conversations resolve their provider per request (a request may name another model), like `cody exec` does.
  const providerFile = (await loadConfig(options.cwd))["provider"];
  const providerFlags: ProviderConfigInput = {
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.baseUrl !== undefined ? { baseUrl: flags.baseUrl } : {}),
    ...(flags.apiKeyEnv !== undefined ? { apiKeyEnv: flags.apiKeyEnv } : {}),
    ...(flags.api !== undefined ? { api: flags.api } : {}),
  };
  let listening: Awaited<ReturnType<ReturnType<typeof createServer>["listen"]>>;
  let auth: ServerToken;
  try {
    checkAllowedTools(options.settings.policy?.allowTools ?? [], harness.toolNames());
    // After the harness, which makes the state folder (and whatever it keeps there) before the token file goes in.
    auth = resolveServerToken({ cwd: options.cwd, tokenFile: flags.tokenFile });
    if (auth.warning) logger.warn(auth.warning);
    await harness.warmUp();
    listening = await createServer(harness, {
      approvals: broker,
      logger,
      token: auth.token,
      allowedHosts: flags.allowedHost,
      corsOrigins: flags.corsOrigin,
      headersTimeoutMs: flags.headersTimeout,
      requestTimeoutMs: flags.requestTimeout,
      maxConnections: flags.maxConnections,
      provider: (overrides) => resolveProviderConfig({ ...providerFlags, ...overrides }, process.env, providerFile),
    }).listen(flags.port, flags.host);
  } catch (error) {
    await harness.close();
    throw listenError(error, flags.port, flags.host);
  }
  // Where the token is, never the token itself.
  const tokenAt = auth.file ?? `env ${TOKEN_ENV}`;
  logger.info(
    { token: tokenAt, created: auth.source === "created" },
    `requests need "Authorization: Bearer <token>"; the token is in ${tokenAt}${auth.source === "created" ? " (created now)" : ""}`,
  );
  // The line scripts and tests wait for; the port matters when --port 0 was given.
  logger.info(
    { url: `http://${flags.host}:${listening.port}`, approval: harness.dispatcher.policy.policy, sandbox: harness.sandbox.mode, token: tokenAt },
    "cody serve ready",
  );

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(130);
      stopping = true;
      logger.info({ signal }, "shutting down: aborting runs in progress");
      void listening
        .close()
        .then(() => harness.close())
        .finally(() => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          logger.info("stopped");
          resolve();
        });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
