/**
 * End-state checks of a workflow, declared as data in `workflow.json`: files on disk (exists, exact text, contains,
 * JSON values, unchanged from the fixture), every file matching a glob, and the final answer's text.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import picomatch from "picomatch";

export type Check =
  | {
      file: string;
      exists?: boolean;
      equals?: string;
      contains?: string[];
      notContains?: string[];
      /** Dotted key path → expected value, on the parsed JSON file. */
      json?: Record<string, unknown>;
      /** The file is byte-identical to the fixture's. */
      unchanged?: boolean;
    }
  | { files: string; count?: number; startsWith?: string; contains?: string[]; notContains?: string[] }
  | { answer: { contains?: string[]; inOrder?: string[]; matches?: string } };

export interface CheckContext {
  workspace: string;
  /** The final answer's prose. */
  answer: string;
  /** The fixture as it was before the run (path → content). */
  original: Record<string, string>;
}

export interface Verdict {
  pass: boolean;
  failures: string[];
}

/** Run every check; the verdict lists each failure in words. */
export function check(checks: readonly Check[], ctx: CheckContext): Verdict {
  const failures: string[] = [];
  for (const c of checks) {
    if ("answer" in c) checkAnswer(c.answer, ctx.answer, failures);
    else if ("files" in c) checkFiles(c, ctx, failures);
    else checkFile(c, ctx, failures);
  }
  return { pass: failures.length === 0, failures };
}

function read(ctx: CheckContext, rel: string): string | undefined {
  const abs = path.join(ctx.workspace, rel);
  return existsSync(abs) ? readFileSync(abs, "utf8") : undefined;
}

function checkFile(c: Extract<Check, { file: string }>, ctx: CheckContext, failures: string[]): void {
  const text = read(ctx, c.file);
  if (c.exists === false) {
    if (text !== undefined) failures.push(`${c.file} should not exist`);
    return;
  }
  if (text === undefined) {
    failures.push(`${c.file} is missing`);
    return;
  }
  if (c.equals !== undefined && text !== c.equals) failures.push(`${c.file} is not the expected text`);
  for (const s of c.contains ?? []) if (!text.includes(s)) failures.push(`${c.file} lacks ${JSON.stringify(s)}`);
  for (const s of c.notContains ?? []) if (text.includes(s)) failures.push(`${c.file} still has ${JSON.stringify(s)}`);
  if (c.unchanged && text !== ctx.original[c.file]) failures.push(`${c.file} changed`);
  if (c.json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      failures.push(`${c.file} is not valid JSON`);
      return;
    }
    for (const [key, want] of Object.entries(c.json)) {
      const got = key.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), parsed);
      if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${c.file}: ${key} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
  }
}

/** Workspace files (relative, `/`-separated), skipping `.git` and `.cody`. */
export function listFiles(root: string, dir = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.name === ".git" || e.name === ".cody") continue;
    if (e.isDirectory()) out.push(...listFiles(root, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

function checkFiles(c: Extract<Check, { files: string }>, ctx: CheckContext, failures: string[]): void {
  const isMatch = picomatch(c.files, { dot: true });
  const matched = listFiles(ctx.workspace).filter((f) => isMatch(f));
  if (c.count !== undefined && matched.length !== c.count) failures.push(`${c.files}: ${matched.length} files, expected ${c.count}`);
  for (const f of matched) {
    const text = readFileSync(path.join(ctx.workspace, f), "utf8");
    if (c.startsWith !== undefined && !text.startsWith(c.startsWith)) failures.push(`${f} does not start with ${JSON.stringify(c.startsWith)}`);
    for (const s of c.contains ?? []) if (!text.includes(s)) failures.push(`${f} lacks ${JSON.stringify(s)}`);
    for (const s of c.notContains ?? []) if (text.includes(s)) failures.push(`${f} still has ${JSON.stringify(s)}`);
  }
}

function checkAnswer(c: Extract<Check, { answer: unknown }>["answer"], answer: string, failures: string[]): void {
  for (const s of c.contains ?? []) if (!answer.includes(s)) failures.push(`the answer lacks ${JSON.stringify(s)}`);
  let from = 0;
  for (const s of c.inOrder ?? []) {
    const at = answer.indexOf(s, from);
    if (at < 0) {
      failures.push(`the answer lacks ${JSON.stringify(s)} in the expected order`);
      break;
    }
    from = at + s.length;
  }
  if (c.matches !== undefined && !new RegExp(c.matches, "m").test(answer)) failures.push(`the answer does not match /${c.matches}/`);
}
