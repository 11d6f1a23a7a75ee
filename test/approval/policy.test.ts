import test from "ava";
import {
  ApprovalMemory,
  APPROVE_ALL_WARNING,
  decide,
  defaultPolicyName,
  isSafeReadOnlyCommand,
  matchesExecPrefix,
  normalizePolicyOptions,
  parseExecPrefix,
  rememberedExecRule,
  type ApprovalPolicyOptions,
  type PolicyContext,
} from "../../src/approval/index.js";
import { InvalidOptionError } from "../../src/errors/index.js";

const exec = (...command: string[]) => ({ tool: "exec", risk: "executes" as const, args: { command } });
const write = { tool: "writeFile", risk: "writes" as const, args: { path: "a", content: "x" } };
const read = { tool: "readFile", risk: "read-only" as const, args: { path: "a" } };
const mcpWrite = { tool: "mcp.github.create_issue", risk: "writes" as const, args: {} };
const mcpRead = { tool: "mcp.github.get_issue", risk: "read-only" as const, args: {} };

const ctx = (over: Partial<PolicyContext> = {}): PolicyContext => ({ scriptApproved: false, ...over });
const pol = (o: ApprovalPolicyOptions) => normalizePolicyOptions(o);

test("untrusted runs read-only tools and known read-only commands", (t) => {
  const p = pol({ policy: "untrusted" });
  for (const argv of [
    ["ls", "-la"],
    ["cat", "README.md"],
    ["pwd"],
    ["head", "-n", "5", "a"],
    ["tail", "a"],
    ["wc", "-l", "a"],
    ["grep", "-rn", "x", "."],
    ["rg", "--files"],
    ["git", "status"],
    ["git", "diff", "HEAD~1"],
    ["git", "log", "--oneline"],
    ["git", "show", "HEAD"],
    ["find", ".", "-name", "*.ts"],
    ["sed", "-n", "1,20p", "a.txt"],
  ]) {
    t.is(decide(exec(...argv), ctx(), p).kind, "skip", argv.join(" "));
  }
  t.like(decide(read, ctx(), p), { kind: "skip", by: "policy" });
  t.like(decide(mcpRead, ctx(), p), { kind: "skip" });
});

test("untrusted asks for everything else, including shells and read-only programs with writing options", (t) => {
  const p = pol({ policy: "untrusted" });
  for (const argv of [
    ["bash", "-lc", "ls"],
    ["sh", "-c", "cat a"],
    ["rm", "-rf", "x"],
    ["git", "commit", "-m", "x"],
    ["git", "push"],
    ["git", "-c", "core.pager=evil", "log"],
    ["git", "diff", "--output=/tmp/x"],
    ["git", "log", "--ext-diff"],
    ["find", ".", "-delete"],
    ["find", ".", "-exec", "rm", "{}", ";"],
    ["rg", "--pre", "evil", "x"],
    ["rg", "-z", "x"],
    ["sed", "-i", "s/a/b/", "f"],
    ["sed", "-n", "1w out", "f"],
    ["sort", "-o", "out", "in"],
    ["tail", "-f", "log"],
    ["./ls"],
    ["/tmp/cat", "x"],
    ["env", "ls"],
    ["xargs", "cat"],
    ["npm", "test"],
  ]) {
    t.like(decide(exec(...argv), ctx(), p), { kind: "ask" }, argv.join(" "));
  }
  t.like(decide(write, ctx(), p), { kind: "ask" });
  t.like(decide(mcpWrite, ctx(), p), { kind: "ask" });
  // an approved script does not lift untrusted's questions
  t.like(decide(write, ctx({ scriptApproved: true }), p), { kind: "ask" });
});

test("the safe-command check refuses malformed argv", (t) => {
  t.false(isSafeReadOnlyCommand([]));
  t.false(isSafeReadOnlyCommand([42]));
  t.false(isSafeReadOnlyCommand(["git"]));
  t.false(isSafeReadOnlyCommand(["constructor"]));
  t.false(isSafeReadOnlyCommand(["sed", "-n"]));
  t.true(isSafeReadOnlyCommand(["sed", "-n", "5p", "f"]));
});

test("on-request asks for writes, commands and MCP tools not marked read-only", (t) => {
  const p = pol({ policy: "on-request" });
  t.like(decide(write, ctx(), p), { kind: "ask" });
  t.like(decide(exec("npm", "test"), ctx(), p), { kind: "ask", reason: "`exec` runs `npm test`" });
  t.like(decide(mcpWrite, ctx(), p), { kind: "ask" });
  t.like(decide(mcpRead, ctx(), p), { kind: "skip" });
  t.like(decide(read, ctx(), p), { kind: "skip" });
  t.like(decide(exec("git", "status"), ctx(), p), { kind: "skip" });
});

test("on-request runs every call of a script whose hash was approved", (t) => {
  const p = pol({ policy: "on-request" });
  t.like(decide(write, ctx({ scriptApproved: true }), p), { kind: "skip", by: "approved-script" });
  t.like(decide(exec("rm", "x"), ctx({ scriptApproved: true }), p), { kind: "skip", by: "approved-script" });
});

test("never denies what would ask unless an allow rule matches", (t) => {
  const p = pol({ policy: "never", allowTools: ["writeFile"], allowExec: [["git", "commit"], ["npm", "test"]] });
  t.like(decide(write, ctx(), p), { kind: "skip", by: "allow-rule", reason: "--allow writeFile" });
  t.like(decide(exec("git", "commit", "-m", "x"), ctx(), p), { kind: "skip", by: "allow-rule", reason: '--allow-exec "git commit"' });
  t.like(decide(exec("npm", "test"), ctx(), p), { kind: "skip", by: "allow-rule" });
  const pushed = decide(exec("git", "push"), ctx(), p);
  t.like(pushed, { kind: "forbid", by: "policy" });
  t.regex(pushed.reason, /never/);
  // a prefix matches whole argv elements only
  t.like(decide(exec("git", "commitx"), ctx(), p), { kind: "forbid" });
  t.like(decide(exec("git"), ctx(), p), { kind: "forbid" });
  t.like(decide(mcpWrite, ctx(), p), { kind: "forbid" });
  t.like(decide(read, ctx(), p), { kind: "skip" });
  t.like(decide(exec("ls"), ctx(), p), { kind: "skip", by: "policy" });
  // approved scripts run under never too (nobody would be asked)
  t.like(decide(exec("git", "push"), ctx({ scriptApproved: true }), p), { kind: "skip", by: "approved-script" });
});

test("allow rules also spare the question under on-request and untrusted", (t) => {
  for (const policy of ["on-request", "untrusted"] as const) {
    const p = pol({ policy, allowTools: ["writeFile"], allowExec: [["make"]] });
    t.like(decide(write, ctx(), p), { kind: "skip", by: "allow-rule" });
    t.like(decide(exec("make", "all"), ctx(), p), { kind: "skip", by: "allow-rule" });
    t.like(decide(exec("rm", "x"), ctx(), p), { kind: "ask" });
  }
});

test("dangerously-approve-all approves everything and carries a loud warning", (t) => {
  const p = pol({ policy: "never", dangerouslyApproveAll: true });
  t.is(p.warning, APPROVE_ALL_WARNING);
  t.regex(p.warning ?? "", /WARNING/);
  t.like(decide(exec("rm", "-rf", "/"), ctx(), p), { kind: "skip", by: "approve-all" });
  t.like(decide(mcpWrite, ctx(), p), { kind: "skip", by: "approve-all" });
  t.is(pol({ policy: "never" }).warning, undefined);
});

test("a script's allowed tools are enforced before anything else, even with approve-all", (t) => {
  const p = pol({ policy: "never", dangerouslyApproveAll: true, allowTools: ["writeFile"] });
  const d = decide(write, ctx({ allowedTools: ["readFile"] }), p);
  t.like(d, { kind: "forbid", by: "allowed-tools" });
  t.regex(d.reason, /writeFile.*not among the tools/);
  t.like(decide(read, ctx({ allowedTools: ["readFile"] }), p), { kind: "skip" });
  t.like(decide(read, ctx({ allowedTools: [] }), p), { kind: "forbid" });
});

test("remembered always-answers skip the question within their scope only", (t) => {
  const p = pol({ policy: "on-request" });
  const memory = new ApprovalMemory();
  memory.remember("script:A", "writeFile", write.args);
  t.like(decide(write, ctx({ memory, scope: "script:A" }), p), { kind: "skip", by: "remembered" });
  t.like(decide(write, ctx({ memory, scope: "script:B" }), p), { kind: "ask" });
});

test("an always-answer to exec remembers a subcommand prefix for known tools and the exact argv otherwise", (t) => {
  t.deepEqual(rememberedExecRule(["git", "commit", "-m", "x"]), { prefix: ["git", "commit"], exact: false });
  t.deepEqual(rememberedExecRule(["npm", "test"]), { prefix: ["npm", "test"], exact: false });
  t.deepEqual(rememberedExecRule(["rm", "-rf", "build"]), { prefix: ["rm", "-rf", "build"], exact: true });
  t.deepEqual(rememberedExecRule(["bash", "-lc", "make"]), { prefix: ["bash", "-lc", "make"], exact: true });
  t.deepEqual(rememberedExecRule(["git", "-c", "x=y", "log"]), { prefix: ["git", "-c", "x=y", "log"], exact: true });

  const m = new ApprovalMemory();
  m.remember("s", "exec", { command: ["git", "commit", "-m", "one"] });
  m.remember("s", "exec", { command: ["rm", "-rf", "build"] });
  t.true(m.covers("s", "exec", { command: ["git", "commit", "-m", "two"] }));
  t.false(m.covers("s", "exec", { command: ["git", "push"] }));
  t.true(m.covers("s", "exec", { command: ["rm", "-rf", "build"] }));
  t.false(m.covers("s", "exec", { command: ["rm", "-rf", "build", "/"] }));
  t.false(m.covers("s", "exec", { command: ["rm", "-rf"] }));
  t.false(m.covers("s", "exec", { bogus: true }));
  m.clear();
  t.false(m.covers("s", "exec", { command: ["git", "commit", "-m", "two"] }));
});

test("exec prefixes parse from flag text and match whole elements", (t) => {
  t.deepEqual(parseExecPrefix("  git   commit "), ["git", "commit"]);
  t.throws(() => parseExecPrefix("   "), { instanceOf: InvalidOptionError });
  t.true(matchesExecPrefix(["git", "commit", "-m"], ["git", "commit"]));
  t.false(matchesExecPrefix(["git"], ["git", "commit"]));
  t.false(matchesExecPrefix(["git", "commit"], []));
});

test("policy defaults: on-request on a TTY, never without one; bad options name their field", (t) => {
  t.is(defaultPolicyName(true), "on-request");
  t.is(defaultPolicyName(false), "never");
  t.is(normalizePolicyOptions({}, true).policy, "on-request");
  t.is(normalizePolicyOptions({}, false).policy, "never");
  const e = t.throws(() => normalizePolicyOptions({ policy: "on-failure" as never }), { instanceOf: InvalidOptionError });
  t.regex(e?.message ?? "", /on-failure needs a sandbox/);
  t.is(e?.details["path"], "policy");
  t.throws(() => normalizePolicyOptions({ allowExec: [[]] }), { instanceOf: InvalidOptionError, message: /allowExec/ });
  t.throws(() => normalizePolicyOptions({ allowTools: [""] }), { instanceOf: InvalidOptionError, message: /allowTools/ });
});
