import test from "ava";
import { renderToolsDts, TypeChecker } from "../../src/compiler/index.js";
import { BUILTIN_SPECS } from "../../src/tools/index.js";

test("the .d.ts declares ToolArgumentError and PathOutsideWorkspaceError as ToolError subclasses, with JSDoc naming their codes", async (t) => {
  const { text } = await renderToolsDts(BUILTIN_SPECS);
  t.regex(text, /\/\*\*[^\n]*CODY_TOOL_INVALID_ARGS[^\n]*\*\/\ndeclare class ToolArgumentError extends ToolError \{\}/);
  t.regex(text, /\/\*\*[^\n]*CODY_PATH_OUTSIDE_WORKSPACE[^\n]*\*\/\ndeclare class PathOutsideWorkspaceError extends ToolError \{\}/);
  t.regex(text, /declare class ApprovalDeniedError extends ToolError \{\}/);
  // No class for a code that does not exist.
  t.false(text.includes("ToolTimeoutError"));
});

test("a script branching on every ToolError subclass with instanceof type-checks, and an undeclared class does not", async (t) => {
  const dts = await renderToolsDts(BUILTIN_SPECS);
  const checker = new TypeChecker(dts.text);
  t.teardown(() => checker.close());
  const good = [
    "try { await tools.readFile({ path: '../x' }); return 'read'; } catch (e) {",
    "  if (e instanceof ToolArgumentError) return 'args: ' + e.code + ' ' + e.tool;",
    "  if (e instanceof PathOutsideWorkspaceError) return 'outside: ' + e.code;",
    "  if (e instanceof ApprovalDeniedError) return 'denied: ' + e.code;",
    "  if (e instanceof ToolError) { const d: unknown = e.details; return 'tool: ' + e.code + String(d); }",
    "  const base: ToolError = new ToolArgumentError('x');",
    "  return base.message;",
    "}",
  ].join("\n");
  t.deepEqual(checker.check([{ filename: "good.ts", source: good }]), []);
  const bad = "try { await tools.readFile({ path: 'x' }); } catch (e) { if (e instanceof ToolTimeoutError) return 1; }\nreturn 0;";
  const diags = checker.check([{ filename: "bad.ts", source: bad }]);
  t.is(diags.length, 1);
  t.is(diags[0]?.line, 1);
});

test("the .d.ts declares SandboxError as a ToolError subclass with JSDoc naming its code and rules", async (t) => {
  const { text } = await renderToolsDts(BUILTIN_SPECS);
  t.regex(text, /CODY_TOOL_SANDBOX[^]*?\*\/\ndeclare class SandboxError extends ToolError \{\}/);
  t.regex(text, /`filesystem`, `protected-path`, `network`, `unavailable`/);
  const checker = new TypeChecker(text);
  t.teardown(() => checker.close());
  const src = "try { await tools.exec({ command: ['true'] }); } catch (e) { if (e instanceof SandboxError) return e.code; }\nreturn 'ok';";
  t.deepEqual(checker.check([{ filename: "s.ts", source: src }]), []);
});
