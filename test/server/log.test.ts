/**
 * The server's log destination (src/server/log.ts): lines logged together reach the file in one write, soon after
 * (nothing waits for the next line), and `flush` writes what is pending at once.
 */
import fs, { readFileSync } from "node:fs";
import path from "node:path";
import test from "ava";
import pino from "pino";
import { logDestination } from "../../src/server/index.js";
import { tempWorkspace } from "../helpers/workspace.js";
import { waitFor } from "./helpers.js";

function lines(file: string): string[] {
  return readFileSync(file, "utf8").split("\n").filter((l) => l !== "").map((l) => (JSON.parse(l) as { msg: string }).msg);
}

test.serial("a burst of log lines is written once, soon, in order", async (t) => {
  const file = path.join(tempWorkspace(t), "server.log");
  const logger = pino({ name: "cody" }, logDestination(file));
  const writeSync = fs.writeSync;
  let writes = 0;
  fs.writeSync = ((...args: Parameters<typeof writeSync>) => {
    writes++;
    return writeSync(...args);
  }) as typeof writeSync;
  t.teardown(() => (fs.writeSync = writeSync));
  for (let i = 0; i < 100; i++) logger.info(`line ${i}`);
  t.is(writes, 0, "nothing is written while the lines are being logged");
  const written = await waitFor(() => (lines(file).length === 100 ? lines(file) : undefined));
  t.deepEqual(written, Array.from({ length: 100 }, (_, i) => `line ${i}`));
  t.is(writes, 1);
});

test.serial("logger.flush writes what is pending at once and calls back", async (t) => {
  const file = path.join(tempWorkspace(t), "server.log");
  const logger = pino({ name: "cody" }, logDestination(file));
  logger.info("one");
  logger.info("two");
  await new Promise<void>((resolve, reject) => logger.flush((error) => (error ? reject(error) : resolve())));
  t.deepEqual(lines(file), ["one", "two"]);
});
