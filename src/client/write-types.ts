/**
 * `npm run client:types`: build the server's OpenAPI document (a server over a throwaway harness; nothing listens)
 * and write the client's types to src/client/api.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createHarness } from "../harness.js";
import { createServer } from "../server/index.js";
import { generateClientTypes } from "./generate.js";

/** The document this package's server serves, built without listening. */
export async function currentDocument(): Promise<Record<string, unknown>> {
  const cwd = mkdtempSync(path.join(os.tmpdir(), "cody-openapi-"));
  const harness = await createHarness({ cwd, dbPath: ":memory:" });
  try {
    const server = createServer(harness, { version: "0.0.0" });
    const res = await server.app.fetch(new Request("http://127.0.0.1/openapi.json", { headers: { host: "127.0.0.1" } }));
    return (await res.json()) as Record<string, unknown>;
  } finally {
    await harness.close();
    rmSync(cwd, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../src/client/api.ts");
  writeFileSync(target, generateClientTypes(await currentDocument()));
}
