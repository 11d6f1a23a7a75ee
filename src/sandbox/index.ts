/** Public surface of sandbox/: modes, the bubblewrap command line, environment scrubbing, denial detection, the probe. */
export { DEFAULT_SANDBOX, SANDBOX_MODES, hasNetwork, isConfined, resolveSandbox, tightenSandbox } from "./mode.js";
export { commandEnv, isSecretEnvName } from "./env.js";
export { PROTECTED_WORKSPACE_PATHS, bwrapArgs, resolveBwrapPath } from "./bwrap.js";
export { detectDenial } from "./denial.js";
export { probeSandbox, unavailableReason } from "./probe.js";
export type { SandboxConfig, SandboxMode, SandboxSettings } from "./mode.js";
export type { BwrapCommand } from "./bwrap.js";
export type { SandboxDenial, SandboxRule } from "./denial.js";
export type { SandboxProbe } from "./probe.js";
