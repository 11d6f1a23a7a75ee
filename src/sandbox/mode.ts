/**
 * Sandbox modes, named as Codex CLI's: what an `exec` command may touch. The mode is resolved once per harness (flag
 * over `cody.json` over the default) and may only be tightened per run (a REST request, like limits).
 */
import { InvalidOptionError } from "../errors/index.js";

/** `read-only`: write nothing but a private /tmp; `workspace-write`: also the workspace; `danger-full-access`: no sandbox. */
export type SandboxMode = "read-only" | "workspace-write" | "danger-full-access";

/** Tightest first: a later mode allows everything an earlier one does. */
export const SANDBOX_MODES: readonly SandboxMode[] = ["read-only", "workspace-write", "danger-full-access"];

/** The sandbox as a command runs under it (every field present). */
export interface SandboxSettings {
  /** @default "workspace-write" */
  mode: SandboxMode;
  /** Network access in `read-only` and `workspace-write` (`danger-full-access` always has it). @default false */
  network: boolean;
  /** Host variables passed through although their names look secret (see `isSecretEnvName`). @default [] */
  envKeep: readonly string[];
}

/** The `sandbox` section of cody.json: a mode, or an object. */
export type SandboxConfig = SandboxMode | { mode?: SandboxMode; network?: boolean; env?: { keep?: string[] } };

export const DEFAULT_SANDBOX: SandboxSettings = { mode: "workspace-write", network: false, envKeep: [] };

/** True when `mode` confines the command (everything but `danger-full-access`). */
export function isConfined(mode: SandboxMode): boolean {
  return mode !== "danger-full-access";
}

/** True when the command may open network connections under `settings`. */
export function hasNetwork(settings: SandboxSettings): boolean {
  return !isConfined(settings.mode) || settings.network;
}

function checkMode(value: unknown, at: string): SandboxMode {
  if (typeof value === "string" && (SANDBOX_MODES as readonly string[]).includes(value)) return value as SandboxMode;
  throw new InvalidOptionError(`\`${at}\` must be one of ${SANDBOX_MODES.join(", ")}, got \`${String(value)}\``, {
    path: at,
    value: String(value),
  });
}

/** Resolve the config section (or a flag's mode) over `base`; throws InvalidOptionError naming the bad field. */
export function resolveSandbox(input: SandboxConfig | undefined, base: SandboxSettings = DEFAULT_SANDBOX): SandboxSettings {
  if (input === undefined) return base;
  if (typeof input === "string") return { ...base, mode: checkMode(input, "sandbox") };
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new InvalidOptionError(`\`sandbox\` must be a mode or an object, got \`${JSON.stringify(input)}\``, { path: "sandbox" });
  }
  const out: SandboxSettings = { ...base };
  if (input.mode !== undefined) out.mode = checkMode(input.mode, "sandbox.mode");
  if (input.network !== undefined) {
    if (typeof input.network !== "boolean") {
      throw new InvalidOptionError(`\`sandbox.network\` must be true or false, got \`${String(input.network)}\``, {
        path: "sandbox.network",
        value: String(input.network),
      });
    }
    out.network = input.network;
  }
  const keep = input.env?.keep;
  if (keep !== undefined) {
    if (!Array.isArray(keep) || !keep.every((k) => typeof k === "string" && /^[^=\0]+$/.test(k))) {
      throw new InvalidOptionError("`sandbox.env.keep` must be an array of variable names", {
        path: "sandbox.env.keep",
        value: JSON.stringify(keep),
      });
    }
    out.envKeep = [...keep];
  }
  return out;
}

/**
 * A per-run request applied to the server's settings: it may only tighten them (a looser mode or `network: true` where
 * the server has none is refused with InvalidOptionError).
 */
export function tightenSandbox(server: SandboxSettings, request: { mode?: SandboxMode; network?: boolean }): SandboxSettings {
  const out: SandboxSettings = { ...server };
  if (request.mode !== undefined) {
    const mode = checkMode(request.mode, "sandbox.mode");
    if (SANDBOX_MODES.indexOf(mode) > SANDBOX_MODES.indexOf(server.mode)) {
      throw new InvalidOptionError(`\`sandbox.mode\` may only tighten the server's mode \`${server.mode}\`, got \`${mode}\``, {
        path: "sandbox.mode",
        value: mode,
      });
    }
    out.mode = mode;
  }
  if (request.network !== undefined) {
    if (typeof request.network !== "boolean") {
      throw new InvalidOptionError(`\`sandbox.network\` must be true or false, got \`${String(request.network)}\``, {
        path: "sandbox.network",
        value: String(request.network),
      });
    }
    if (request.network && !hasNetwork(server)) {
      throw new InvalidOptionError("`sandbox.network` may not be true: the server's sandbox has no network", {
        path: "sandbox.network",
        value: true,
      });
    }
    out.network = request.network;
  }
  return out;
}
