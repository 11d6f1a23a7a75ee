/**
 * System-prompt size with many MCP tools: the prompt with every tool's declarations vs the prompt with an index of
 * the MCP tools (bench/mcp-fixture.ts: 150 tools over 5 servers), in o200k_base tokens (gpt-tokenizer, the same
 * tokenizer as the validation report). Goal: indexed ≤ 15 % of full.
 */
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { buildSystemPrompt } from "../src/agent/index.js";
import { generateToolsDts } from "../src/compiler/index.js";
import { createBuiltinRegistry } from "../src/tools/builtin.js";
import { createDescribeTool } from "../src/tools/handlers/describe.js";
import { mcpToolDefinition } from "../src/tools/mcp/definitions.js";
import { buildToolIndex, isMcpToolName } from "../src/tools/mcp/prompt-index.js";
import { fixtureServers } from "./mcp-fixture.js";

export async function benchMcp(): Promise<{ figures: Record<string, number>; lines: string[] }> {
  const registry = createBuiltinRegistry();
  registry.register(createDescribeTool(() => registry.specs()));
  const servers = fixtureServers();
  for (const { server, tools } of servers) {
    for (const tool of tools) {
      registry.register(mcpToolDefinition(server, tool, undefined, async () => ({ content: [] })));
    }
  }
  const specs = registry.specs();
  const t0 = performance.now();
  const full = await generateToolsDts(specs);
  const dtsMs = performance.now() - t0;
  const others = await generateToolsDts(specs.filter((s) => !isMcpToolName(s.name)));
  const fullPrompt = buildSystemPrompt({ toolsDts: full.text });
  const indexedPrompt = buildSystemPrompt({ toolsDts: others.text, toolIndex: buildToolIndex(specs) });
  const promptTokensFull = countTokens(fullPrompt);
  const promptTokensIndexed = countTokens(indexedPrompt);
  const mcpTools = specs.filter((s) => isMcpToolName(s.name)).length;
  const share = promptTokensIndexed / promptTokensFull;
  return {
    figures: { promptTokensFull, promptTokensIndexed, promptIndexedShare: share, mcpFixtureDtsMs: dtsMs },
    lines: [
      `fixture: ${mcpTools} MCP tools over ${servers.length} servers (+ ${specs.length - mcpTools} built-in)`,
      `system prompt, full declarations: ${promptTokensFull} tokens (o200k_base), ${fullPrompt.length} chars`,
      `system prompt, MCP index:         ${promptTokensIndexed} tokens, ${indexedPrompt.length} chars`,
      `indexed / full: ${(share * 100).toFixed(1)} %   (goal ≤ 15 %)`,
      `.d.ts generation for ${specs.length} tools: ${dtsMs.toFixed(0)} ms`,
    ],
  };
}
