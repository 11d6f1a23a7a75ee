/**
 * A workflow is a folder: `task.md` (the prompt), `workflow.json` (fixture, end-state checks, limits) and, for the
 * deterministic protocol-cost run, `plan.mjs` (the two scripted planners). `loadWorkflows(dir)` reads every
 * sub-folder of `dir` that holds a `workflow.json`, in name order.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Check } from "./checker.js";

/** The two ways of driving the same tools. */
export type Mode = "structured" | "script";
export const MODES: readonly Mode[] = ["structured", "script"];

/** What `workflow.json` holds. */
export interface WorkflowSpec {
  /** One line for the report. */
  description: string;
  /** `"base"` (the generated ledger-lite project) or a folder relative to the workflow folder. @default "base" */
  fixture?: string;
  /** Files written over the fixture (path → content; `null` deletes). */
  files?: Record<string, string | null>;
  /** Make the workspace a git repository with one commit, then apply `after` (for git-reading workflows). */
  git?: { after?: Record<string, string | null> };
  /** Fixture MCP servers to configure in the workspace's `cody.json` (only `"records"` ships). */
  mcp?: string[];
  /** More `cody.json` keys for the fixture (e.g. `{ "mcpIndexThreshold": 0 }` to prompt with the MCP tool index). */
  config?: Record<string, unknown>;
  /** `cody exec --max-turns`. @default 40 */
  maxTurns?: number;
  checks: Check[];
  /** Why one mode suits this workflow better (shown in the report). */
  note?: string;
}

/** A value the deterministic planner gets back after each step. */
export interface StepResult {
  ok: boolean;
  /** The parsed JSON result (a native call's result, or a script's returned value). */
  value: unknown;
  /** The exact output text the loop fed back. */
  text: string;
}

/** What a planner step yields: one native call, or one script block. The generator's return value is the answer. */
export type PlanStep = { call: string; args: Record<string, unknown> } | { script: string; prose?: string };
export type Planner = () => Generator<PlanStep, string, StepResult>;

export interface Workflow {
  name: string;
  dir: string;
  prompt: string;
  spec: WorkflowSpec;
  /** The deterministic planners, when the folder has a `plan.mjs`. */
  plans?: Record<Mode, Planner>;
}

export class WorkflowError extends Error {
  override name = "WorkflowError";
}

/** Read one workflow folder. */
export async function loadWorkflow(dir: string): Promise<Workflow> {
  const name = path.basename(dir);
  const specFile = path.join(dir, "workflow.json");
  const taskFile = path.join(dir, "task.md");
  if (!existsSync(taskFile)) throw new WorkflowError(`${name}: task.md is missing`);
  let spec: WorkflowSpec;
  try {
    spec = JSON.parse(readFileSync(specFile, "utf8")) as WorkflowSpec;
  } catch (error) {
    throw new WorkflowError(`${name}: workflow.json: ${(error as Error).message}`);
  }
  if (!Array.isArray(spec.checks) || spec.checks.length === 0) throw new WorkflowError(`${name}: workflow.json has no checks`);
  const prompt = readFileSync(taskFile, "utf8").trim();
  const workflow: Workflow = { name, dir, prompt, spec };
  const planFile = path.join(dir, "plan.mjs");
  if (existsSync(planFile)) {
    const mod = (await import(pathToFileURL(planFile).href)) as Partial<Record<Mode, Planner>>;
    if (typeof mod.structured !== "function" || typeof mod.script !== "function") {
      throw new WorkflowError(`${name}: plan.mjs must export the generator functions \`structured\` and \`script\``);
    }
    workflow.plans = { structured: mod.structured, script: mod.script };
  }
  return workflow;
}

/** Every workflow folder under `dir` (sub-folders with a `workflow.json`), sorted by name. */
export async function loadWorkflows(dir: string, only?: readonly string[]): Promise<Workflow[]> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new WorkflowError(`No workflow folder at ${dir}`);
  const names = readdirSync(dir)
    .filter((n) => existsSync(path.join(dir, n, "workflow.json")))
    .filter((n) => !only || only.includes(n))
    .sort();
  if (names.length === 0) throw new WorkflowError(`No workflows (folders with a workflow.json) in ${dir}`);
  return Promise.all(names.map((n) => loadWorkflow(path.join(dir, n))));
}
