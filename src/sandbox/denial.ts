/**
 * Telling "the sandbox blocked this" from "the command failed". Only clear evidence counts: the command exited non-zero
 * AND its output carries the error the sandbox causes (EROFS "Read-only file system" for a write; an unreachable
 * network, a refused connect or a failed name lookup when the mode has no network). Anything else is an ordinary
 * result with its exit code and output (after Codex CLI's `is_likely_sandbox_denied`, narrowed to what bwrap causes).
 */
import path from "node:path";
import { hasNetwork, type SandboxSettings } from "./mode.js";
import { PROTECTED_WORKSPACE_PATHS } from "./bwrap.js";

/** Which rule blocked a command: a write, a protected path, the network, or no usable sandbox at all. */
export type SandboxRule = "filesystem" | "protected-path" | "network" | "unavailable";

export interface SandboxDenial {
  rule: SandboxRule;
  /** What was blocked and which flag or config would allow it. */
  message: string;
}

const READ_ONLY_FS = /read-only file system|\bEROFS\b/i;
const NO_NETWORK =
  /network is unreachable|\bENETUNREACH\b|connection refused|\bECONNREFUSED\b|temporary failure in name resolution|could not resolve host|name or service not known|\bEAI_AGAIN\b|\bENOTFOUND\b/i;

/** The denial `output` shows, or undefined when the failure is the command's own. */
export function detectDenial(
  settings: SandboxSettings,
  output: { exitCode: number | null; stdout: string; stderr: string },
): SandboxDenial | undefined {
  if (output.exitCode === 0 || settings.mode === "danger-full-access") return undefined;
  const lines = `${output.stderr}\n${output.stdout}`.split("\n");
  const erofs = lines.filter((l) => READ_ONLY_FS.test(l));
  if (erofs.length > 0) {
    const protectedHit = PROTECTED_WORKSPACE_PATHS.find((p) => erofs.some((l) => l.includes(p.split(path.sep).join("/"))));
    if (protectedHit !== undefined && settings.mode === "workspace-write") {
      return {
        rule: "protected-path",
        message:
          `the sandbox keeps \`${protectedHit}\` read-only inside the workspace (${PROTECTED_WORKSPACE_PATHS.join(", ")}): ` +
          "change it outside cody, or run with --sandbox danger-full-access",
      };
    }
    return settings.mode === "read-only"
      ? {
          rule: "filesystem",
          message:
            "sandbox mode `read-only` allows writes only to a private /tmp: allow workspace writes with " +
            '--sandbox workspace-write (or "sandbox": "workspace-write" in cody.json), or everything with --sandbox danger-full-access',
        }
      : {
          rule: "filesystem",
          message:
            "sandbox mode `workspace-write` allows writes only inside the workspace and a private /tmp: allow writes " +
            'elsewhere with --sandbox danger-full-access (or "sandbox": "danger-full-access" in cody.json)',
        };
  }
  if (!hasNetwork(settings) && lines.some((l) => NO_NETWORK.test(l))) {
    return {
      rule: "network",
      message:
        `sandbox mode \`${settings.mode}\` has no network (only a private loopback): allow it with ` +
        '"sandbox": { "network": true } in cody.json, or run with --sandbox danger-full-access',
    };
  }
  return undefined;
}
