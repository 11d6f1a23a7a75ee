/**
 * Guest stacks → the user's TypeScript. QuickJS prints frames as `    at name (file:line:column)` (1-based). Frames
 * from other files (the prelude, natives) and frames in the compiler's wrapper (no mapping) are dropped; the rest are
 * mapped through the artifact's source map. A failed tool call's frame is then moved to the start of that call (the
 * `tools` token): QuickJS places a call somewhere inside its expression (call-sites.ts). The call starts come from
 * the source the map carries (`sourcesContent`), so artifacts cached before this need no rebuild.
 */
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import type { ErrorLocation } from "../errors/index.js";
import { callSiteFor, findToolCallSites, type CallSite } from "./call-sites.js";

const FRAME = /^\s*at (?:(.*?) \()?(.*):(\d+):(\d+)\)?$/;
const cache = new Map<string, TraceMap | null>();
const sitesCache = new Map<string, readonly CallSite[]>();
const CACHE_SIZE = 64;

function traceMapFor(key: string, sourceMap: string): TraceMap | null {
  let map = cache.get(key);
  if (map !== undefined) return map;
  try {
    map = sourceMap ? new TraceMap(sourceMap) : null;
  } catch {
    map = null;
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, map);
  return map;
}

export interface MappedStack {
  /** Frames in the user's file, one per line, `    at name (file:line:column)`. */
  stack: string;
  /** The top user frame. */
  location?: ErrorLocation;
}

/** The tool call sites of the source in `map` (none without `sourcesContent`), cached by `key`. */
function callSitesFor(key: string, map: TraceMap): readonly CallSite[] {
  let sites = sitesCache.get(key);
  if (sites) return sites;
  const source = map.sourcesContent?.[0];
  sites = typeof source === "string" ? findToolCallSites(source) : [];
  if (sitesCache.size >= CACHE_SIZE) sitesCache.delete(sitesCache.keys().next().value as string);
  sitesCache.set(key, sites);
  return sites;
}

/**
 * Map a raw QuickJS stack. `key` identifies the source map for caching (the artifact hash). Without a usable source
 * map, frames in `filename` are kept with their emitted positions. `tool`: the error is that tool call's failure, so
 * the top frame is its call site.
 */
export function mapStack(raw: string, filename: string, sourceMap: string, key: string, tool?: string): MappedStack {
  const map = traceMapFor(key, sourceMap);
  const frames: string[] = [];
  let location: ErrorLocation | undefined;
  for (const line of raw.split("\n")) {
    const m = FRAME.exec(line);
    if (!m) continue;
    const [, fn, file, lineText, columnText] = m;
    if (file !== filename) continue;
    let lineNo = Number(lineText);
    let column = Number(columnText);
    if (map) {
      const pos = originalPositionFor(map, { line: lineNo, column: Math.max(0, column - 1) });
      if (pos.line === null || pos.source === null) continue;
      lineNo = pos.line;
      column = pos.column + 1;
      const site = tool !== undefined && frames.length === 0 ? callSiteFor(callSitesFor(key, map), tool, lineNo, column - 1) : undefined;
      if (site) {
        lineNo = site.line;
        column = site.column + 1;
      }
    }
    const name = fn && fn !== "<anonymous>" ? fn : "<script>";
    frames.push(`    at ${name} (${filename}:${lineNo}:${column})`);
    location ??= { file: filename, line: lineNo, column };
  }
  const out: MappedStack = { stack: frames.join("\n") };
  if (location) out.location = location;
  return out;
}
