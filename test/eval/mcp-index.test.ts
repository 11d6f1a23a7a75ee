/**
 * The validation suite's MCP workflow with the prompt's MCP index switched on (`mcpIndexThreshold: 0`, so even the
 * fixture server's few tools are listed as one line each instead of their declarations): both modes still pass with
 * the same end state, and the script mode's first prompt is the smaller one. Issue 15 asks for the workflow to pass
 * "in both modes" of the prompt; suite.test.ts runs it with the full declarations.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { DEFAULT_WORKFLOWS } from "../../eval/index.js";
import { DEFAULT_LATENCY } from "../../eval/latency.js";
import { plannerHandler } from "../../eval/planner.js";
import { runWorkflow, type RunResult } from "../../eval/run.js";
import { startEvalServer } from "../../eval/server.js";
import { loadWorkflows, MODES, type Mode, type Workflow } from "../../eval/workflow.js";

async function runModes(w: Workflow, server: Awaited<ReturnType<typeof startEvalServer>>): Promise<Record<Mode, RunResult>> {
  const out = {} as Record<Mode, RunResult>;
  for (const mode of MODES) {
    const plan = w.plans?.[mode] as NonNullable<Workflow["plans"]>[Mode];
    out[mode] = await runWorkflow(w, mode, { server, handler: plannerHandler(plan), api: "responses", model: "eval-planner", latency: DEFAULT_LATENCY });
  }
  return out;
}

test("the MCP workflow passes in both modes with the prompt's MCP index, and its script prompt is smaller than with full types", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-eval-index-"));
  const server = await startEvalServer();
  t.teardown(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const source = path.join(DEFAULT_WORKFLOWS, "mcp-records");
  cpSync(source, path.join(dir, "full"), { recursive: true });
  cpSync(source, path.join(dir, "indexed"), { recursive: true });
  const specFile = path.join(dir, "indexed", "workflow.json");
  const spec = JSON.parse(readFileSync(specFile, "utf8")) as Record<string, unknown>;
  writeFileSync(specFile, JSON.stringify({ ...spec, config: { mcpIndexThreshold: 0 } }));
  const workflows = await loadWorkflows(dir);
  const full = workflows.find((w) => w.name === "full");
  const indexed = workflows.find((w) => w.name === "indexed");
  if (!full || !indexed) return t.fail(`workflows found: ${workflows.map((w) => w.name).join(", ")}`);

  const withIndex = await runModes(indexed, server);
  for (const mode of MODES) t.deepEqual(withIndex[mode].failures, [], `${mode} with the index`);
  t.true(withIndex.script.pass && withIndex.structured.pass);
  t.is(withIndex.script.stateDigest, withIndex.structured.stateDigest, "same end state");

  const withTypes = await runModes(full, server);
  t.true(withTypes.script.pass);
  t.deepEqual(withTypes.script.failures, []);
  t.log(`first script prompt: ${withIndex.script.firstCallPromptTokens} tokens with the index, ${withTypes.script.firstCallPromptTokens} with full types`);
  t.true(
    withIndex.script.firstCallPromptTokens < withTypes.script.firstCallPromptTokens,
    `first prompt: ${withIndex.script.firstCallPromptTokens} tokens with the index, ${withTypes.script.firstCallPromptTokens} with full types`,
  );
});
