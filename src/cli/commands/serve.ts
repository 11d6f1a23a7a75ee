/**
 * `cody serve` — the REST server (see docs/rest-api.md). Takes the shared harness flags; approval requests are
 * answered over HTTP (`GET/POST /v1/approvals`) when the policy asks (`--approval on-request|untrusted`), and
 * refused otherwise (`never`, the default). Logs requests as JSON lines (pino) to stderr. SIGINT/SIGTERM abort runs
 * in progress, close the listener and the harness, then exit.
 */
import type { Command } from "commander";
import pino from "pino";
import { UsageError } from "../../errors/index.js";
import { createHarness } from "../../harness.js";
import { ApprovalBroker, createServer } from "../../server/index.js";
import { addHarnessFlags, harnessOptionsFromFlags, type HarnessFlags } from "../harness-options.js";

interface ServeFlags extends HarnessFlags {
  port: number;
  host: string;
  workers?: number;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got \`${value}\``);
  return n;
}

function workers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`--workers must be an integer from 1 to 256, got \`${value}\``);
  return n;
}

export function registerServe(parent: Command): void {
  const cmd = parent
    .command("serve")
    .description("Serve the harness over HTTP: check, compile and run scripts, stream events, answer approvals.")
    .option("--port <n>", "port to listen on (0 picks a free one)", port, 7077)
    .option("--host <addr>", "address to bind (the API has no authentication: keep it on loopback)", "127.0.0.1")
    .option("--workers <n>", "worker threads in the script pool (default: one per core)", workers);
  addHarnessFlags(cmd).action(async (flags: ServeFlags) => {
    await serveCommand(flags);
  });
}

async function serveCommand(flags: ServeFlags): Promise<void> {
  const logger = pino({ name: "cody" }, pino.destination({ fd: 2, sync: true }));
  const options = await harnessOptionsFromFlags(flags, { stdinBusy: true });
  const asks = flags.approval === "on-request" || flags.approval === "untrusted";
  const broker = asks ? new ApprovalBroker() : undefined;
  const harness = await createHarness({
    ...options,
    approver: broker?.approver,
    policy: { ...options.policy, policy: flags.approval ?? "never" },
    ...(flags.workers !== undefined ? { pool: { workers: flags.workers } } : {}),
  });
  if (harness.dispatcher.policy.warning) logger.warn(harness.dispatcher.policy.warning);
  let listening: Awaited<ReturnType<ReturnType<typeof createServer>["listen"]>>;
  try {
    await harness.warmUp();
    listening = await createServer(harness, { approvals: broker, logger }).listen(flags.port, flags.host);
  } catch (error) {
    await harness.close();
    throw error;
  }
  // The line scripts and tests wait for; the port matters when --port 0 was given.
  logger.info(
    { url: `http://${flags.host}:${listening.port}`, approval: harness.dispatcher.policy.policy, sandbox: harness.sandbox.mode },
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
