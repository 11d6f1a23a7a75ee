/**
 * Dry-run a parsed patch against an in-memory overlay of the workspace: every section is resolved, confined, read and
 * applied in patch order without touching the disk. Later sections see earlier ones (an Update after an Add of the
 * same file edits the added text). The result is the final state of every touched path plus the originals needed to
 * roll back — or a PatchError, in which case nothing has been written.
 */
import { lstat } from "node:fs/promises";
import path from "node:path";
import { TimeSlicer } from "../time-slice.js";
import { resolveInWorkspace } from "../workspace.js";
import { readOriginal, type Original } from "./disk-state.js";
import { fileStateError } from "./errors.js";
import { computeReplacements } from "./replacements.js";
import { SourceFile } from "./source-file.js";
import type { ApplyPatchResult, ParsedPatch, PatchSection, UpdateSection } from "./types.js";

/** A touched path: its original state and its final content (`null` = removed). */
export interface PlannedPath {
  abs: string;
  rel: string;
  original: Original;
  final: string | null;
  /** Patch line of the section that last set this path (for messages). */
  line: number;
}

export interface PatchPlan {
  /** Touched paths in first-touched order. */
  paths: PlannedPath[];
  result: ApplyPatchResult;
}

// ignoreBOM keeps a byte-order mark in the text, so SourceFile can preserve it.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function describeKind(o: Original): string {
  return o.kind === "dir" ? "a directory" : o.kind === "symlink" ? "a symbolic link" : "not a regular file";
}

class Overlay {
  readonly #root: string;
  /** Time slices for matching hunks, bound to the call's signal. */
  readonly slicer: TimeSlicer;
  readonly #paths = new Map<string, PlannedPath>();
  readonly #originals = new Map<string, Original>();

  constructor(root: string, signal: AbortSignal | undefined) {
    this.#root = root;
    this.slicer = new TimeSlicer(signal, "applyPatch");
  }

  async original(abs: string): Promise<Original> {
    let o = this.#originals.get(abs);
    if (o === undefined) {
      o = await readOriginal(abs);
      this.#originals.set(abs, o);
    }
    return o;
  }

  async set(abs: string, rel: string, final: string | null, line: number): Promise<void> {
    const planned = this.#paths.get(abs);
    if (planned) {
      planned.final = final;
      planned.line = line;
    } else {
      this.#paths.set(abs, { abs, rel, original: await this.original(abs), final, line });
    }
  }

  isPlanned(abs: string): boolean {
    return this.#paths.has(abs);
  }

  plannedFinal(abs: string): string | null | undefined {
    return this.#paths.get(abs)?.final;
  }

  paths(): PlannedPath[] {
    return [...this.#paths.values()];
  }

  get root(): string {
    return this.#root;
  }
}

/** Does `abs` exist as something at this point of the plan? */
async function exists(overlay: Overlay, abs: string): Promise<boolean> {
  if (overlay.isPlanned(abs)) return overlay.plannedFinal(abs) !== null;
  return (await overlay.original(abs)).kind !== "missing";
}

/** Text of a file an Update or Delete needs, or the PatchError explaining why it is not there. */
async function readExisting(overlay: Overlay, abs: string, rel: string, line: number): Promise<string> {
  if (overlay.isPlanned(abs)) {
    const text = overlay.plannedFinal(abs) ?? null;
    if (text === null) throw fileStateError("file-missing", rel, `\`${rel}\` was already deleted or moved by this patch`, line);
    return text;
  }
  const original = await overlay.original(abs);
  if (original.kind === "missing") throw fileStateError("file-missing", rel, `\`${rel}\` does not exist`, line);
  if (original.kind !== "file") throw fileStateError("not-a-file", rel, `\`${rel}\` is ${describeKind(original)}`, line);
  try {
    return utf8.decode(original.bytes);
  } catch {
    throw fileStateError("not-utf8", rel, `\`${rel}\` is not valid UTF-8 text`, line);
  }
}

/** The link itself when `input` names a symlink (so Delete removes the link, not its target). */
async function symlinkAt(root: string, input: string): Promise<{ abs: string; rel: string } | undefined> {
  const base = path.basename(input);
  if (base === "" || base === "." || base === "..") return undefined;
  const parent = resolveInWorkspace(root, path.dirname(input) || ".");
  const abs = path.join(parent.abs, base);
  try {
    if (!(await lstat(abs)).isSymbolicLink()) return undefined;
  } catch {
    return undefined;
  }
  return { abs, rel: path.relative(root, abs).split(path.sep).join("/") };
}

function pushUnique(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}

async function planSection(overlay: Overlay, section: PatchSection, result: ApplyPatchResult): Promise<void> {
  const root = overlay.root;
  const target = resolveInWorkspace(root, section.path);
  switch (section.kind) {
    case "add": {
      if (await exists(overlay, target.abs)) {
        throw fileStateError("file-exists", target.rel, `Cannot add \`${target.rel}\`: it already exists`, section.line);
      }
      await overlay.set(target.abs, target.rel, section.contents, section.line);
      pushUnique(result.added, target.rel);
      return;
    }
    case "delete": {
      const link = await symlinkAt(root, section.path);
      if (link && !overlay.isPlanned(link.abs)) {
        await overlay.set(link.abs, link.rel, null, section.line);
        pushUnique(result.deleted, link.rel);
        return;
      }
      await readExisting(overlay, target.abs, target.rel, section.line);
      await overlay.set(target.abs, target.rel, null, section.line);
      pushUnique(result.deleted, target.rel);
      return;
    }
    case "update":
      await planUpdate(overlay, section, target, result);
      return;
  }
}

async function planUpdate(
  overlay: Overlay,
  section: UpdateSection,
  target: { abs: string; rel: string },
  result: ApplyPatchResult,
): Promise<void> {
  const text = await readExisting(overlay, target.abs, target.rel, section.line);
  const file = SourceFile.parse(text);
  file.applyReplacements(await computeReplacements(file.lineTexts(), target.rel, section.hunks, overlay.slicer));
  const updated = file.toString();
  const dest = section.movePath === undefined ? undefined : resolveInWorkspace(overlay.root, section.movePath);
  if (dest === undefined || dest.abs === target.abs) {
    await overlay.set(target.abs, target.rel, updated, section.line);
    pushUnique(result.modified, target.rel);
    return;
  }
  if (await exists(overlay, dest.abs)) {
    throw fileStateError(
      "file-exists",
      dest.rel,
      `Cannot move \`${target.rel}\` to \`${dest.rel}\`: the destination already exists`,
      section.line,
    );
  }
  await overlay.set(dest.abs, dest.rel, updated, section.line);
  await overlay.set(target.abs, target.rel, null, section.line);
  result.moved.push({ from: target.rel, to: dest.rel });
}

/** Every file written must have directories (or nothing yet) above it, never a file. */
async function checkParents(overlay: Overlay, planned: PlannedPath[]): Promise<void> {
  for (const p of planned) {
    if (p.final === null) continue;
    for (let dir = path.dirname(p.abs); dir !== overlay.root && dir.startsWith(overlay.root); dir = path.dirname(dir)) {
      if (overlay.isPlanned(dir)) {
        if (overlay.plannedFinal(dir) === null) continue;
      } else {
        const o = await overlay.original(dir);
        if (o.kind === "missing") continue;
        if (o.kind === "dir") break;
      }
      const rel = path.relative(overlay.root, dir).split(path.sep).join("/");
      throw fileStateError(
        "parent-not-directory",
        p.rel,
        `Cannot write \`${p.rel}\`: \`${rel}\` is not a directory`,
        p.line,
      );
    }
  }
}

/** Resolve, read and apply every section in memory. Throws PatchError / PathOutsideWorkspaceError; writes nothing. */
export async function planPatch(root: string, patch: ParsedPatch, signal?: AbortSignal): Promise<PatchPlan> {
  const overlay = new Overlay(root, signal);
  const result: ApplyPatchResult = { added: [], modified: [], deleted: [], moved: [] };
  for (const section of patch.sections) await planSection(overlay, section, result);
  const paths = overlay.paths();
  await checkParents(overlay, paths);
  return { paths, result };
}
