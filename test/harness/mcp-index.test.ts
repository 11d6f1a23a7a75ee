// Index mode: 150 MCP tools over 5 remote servers (bench/mcp-fixture.ts served by test/mcp/http-server.ts).
import test from "ava";
import { buildSystemPrompt } from "../../src/agent/index.js";
import { createHarness } from "../../src/harness.js";
import { fixtureServers } from "../../bench/mcp-fixture.js";
import { startHttpMcpServer } from "../mcp/http-server.js";
import { tempWorkspace } from "../helpers/workspace.js";

async function setup(t: Parameters<typeof tempWorkspace>[0], opts: { servers?: number; mcpIndexThreshold?: number; configThreshold?: number } = {}) {
  const mcpServers: Record<string, { url: string }> = {};
  for (const { server: name, tools } of fixtureServers().slice(0, opts.servers ?? 5)) {
    const server = await startHttpMcpServer({ tools });
    t.teardown(() => server.close());
    mcpServers[name] = { url: server.url };
  }
  const config = { mcpServers, ...(opts.configThreshold !== undefined ? { mcpIndexThreshold: opts.configThreshold } : {}) };
  const cwd = tempWorkspace(t, { "cody.json": JSON.stringify(config) });
  const harness = await createHarness({
    cwd,
    pool: { workers: 1, vmsPerWorker: 1 },
    policy: { policy: "never" },
    ...(opts.mcpIndexThreshold !== undefined ? { mcpIndexThreshold: opts.mcpIndexThreshold } : {}),
  });
  t.teardown(() => harness.close());
  return harness;
}

test("above the threshold the prompt carries an index of the MCP tools instead of their declarations", async (t) => {
  const harness = await setup(t);
  t.is(harness.toolNames().filter((n) => n.startsWith("mcp.")).length, 150);
  const tools = await harness.promptTools();
  t.truthy(tools.index);
  t.false(tools.dts.includes("McpGithubGetIssueArgs"), "no MCP declarations in the prompt's .d.ts");
  t.true(tools.dts.includes("describe(args: DescribeArgs)"), "tools.describe is declared");
  t.regex(tools.index ?? "", /^mcp\.github \(30 tools\):$/m);
  t.regex(tools.index ?? "", /^- get_issue: Get one issue from github by its id, with every field the API returns\.$/m);
  t.is(tools.names.length, 150 + 8);
  const prompt = buildSystemPrompt({ toolsDts: tools.dts, ...(tools.index ? { toolIndex: tools.index } : {}) });
  t.regex(prompt, /# MCP tools \(index\)/);
  t.regex(prompt, /tools\.describe\(\{ pattern: "mcp\.<server>\.<tool>" \}\)/);
  // Scripts are still checked against every declaration.
  t.true((await harness.toolsDts()).text.includes("get_issue(args: McpGithubGetIssueArgs): Promise<McpGithubGetIssueResult>;"));
});

test("tools.describe returns the declarations of the matching tools, read-only (no approval even under `never`)", async (t) => {
  const harness = await setup(t, { servers: 2 });
  const result = await harness.run({ filename: "d.ts", source: 'return await tools.describe({ pattern: "mcp.github.get_*" });' });
  t.true(result.ok, JSON.stringify(result.error));
  const value = result.value as { tools: string[]; declarations: string; truncated: boolean };
  t.deepEqual(value.tools, ["mcp.github.get_branch", "mcp.github.get_issue", "mcp.github.get_pull_request"]);
  t.false(value.truncated);
  t.regex(value.declarations, /interface McpGithubGetIssueArgs \{/);
  t.regex(value.declarations, /issue_number: number/);
  t.regex(value.declarations, /get_issue\(args: McpGithubGetIssueArgs\): Promise<McpGithubGetIssueResult>;/);
  t.false(value.declarations.includes("spawn"), "only the matching tools, not the script library");

  const words = await harness.run({ filename: "w.ts", source: 'return await tools.describe({ pattern: "sprint delete", limit: 1 });' });
  t.deepEqual((words.value as { tools: string[] }).tools, ["mcp.jira.delete_sprint"]);
  const many = await harness.run({ filename: "m.ts", source: 'return await tools.describe({ pattern: "mcp.*", limit: 50 });' });
  t.like(many.value, { truncated: true });
  t.is((many.value as { tools: string[] }).tools.length, 50);
  const tooMany = await harness.run({
    filename: "x.ts",
    source: 'try { await tools.describe({ pattern: "mcp.*", limit: 51 }); return "ran"; } catch (e) { return e instanceof ToolArgumentError ? e.code : String(e); }',
  });
  t.is(tooMany.value, "CODY_TOOL_INVALID_ARGS", "a limit past DESCRIBE_MAX_LIMIT is refused");
});

test("a type error on a call to an MCP tool quotes that tool's declaration; a correct call runs", async (t) => {
  const harness = await setup(t, { servers: 1 });
  const bad = await harness.run({ filename: "bad.ts", source: 'const issue = await tools.mcp.github.get_issue({ owner: "o", repo: "r" });\nreturn issue.id;' });
  t.is(bad.error?.code, "CODY_SCRIPT_TYPE");
  const diagnostics = bad.error?.details["diagnostics"] as { message: string }[];
  t.regex(diagnostics[0]?.message ?? "", /issue_number/);
  t.regex(diagnostics[0]?.message ?? "", /The declaration of tools\.mcp\.github\.get_issue:\n[\s\S]*interface McpGithubGetIssueArgs \{[\s\S]*issue_number: number/);
  t.regex(bad.error?.message ?? "", /The declaration of tools\.mcp\.github\.get_issue/);
  const checked = await harness.check([{ filename: "c.ts", source: 'await tools.mcp.github.get_issue({ owner: 1 });\nawait tools.mcp.github.get_issue({ owner: 2 });' }]);
  t.is(checked.filter((d) => d.message.includes("The declaration of")).length, 1, "quoted once per tool per script");

  const good = await harness.run({ filename: "good.ts", source: 'const issue = await tools.mcp.github.get_issue({ owner: "o", repo: "r", issue_number: 1 });\nreturn issue.id;' });
  t.true(good.ok, JSON.stringify(good.error));
  t.is(good.value, "1");
});

test("the threshold: at it the prompt has every declaration, one below it the index; cody.json sets it", async (t) => {
  const at = await setup(t, { servers: 1, mcpIndexThreshold: 30 });
  t.is((await at.promptTools()).index, undefined);
  t.true((await at.promptTools()).dts.includes("McpGithubGetIssueArgs"));
  const below = await setup(t, { servers: 1, mcpIndexThreshold: 29 });
  t.truthy((await below.promptTools()).index);
  const fromConfig = await setup(t, { servers: 1, configThreshold: 29 });
  t.is(fromConfig.mcpIndexThreshold, 29);
  t.truthy((await fromConfig.promptTools()).index);
});
