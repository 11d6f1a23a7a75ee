/**
 * `cody doctor [--cwd DIR] [--json]` — is this machine ready: the Node version, and whether the OS sandbox for exec
 * works here (it runs `true` inside bubblewrap exactly as exec would) and why not. Exit codes: 0 ready, 1 the
 * configured sandbox mode cannot be used here (exec would refuse to run commands), 2 usage/config error.
 */
import path from "node:path";
import type { Command } from "commander";
import { loadConfigFile } from "../../config/index.js";
import { isConfined, probeSandbox, resolveSandbox } from "../../sandbox/index.js";
import { EXIT } from "../exit-codes.js";

interface DoctorFlags {
  cwd?: string;
  json?: boolean;
}

/** The oldest Node the harness supports (package.json `engines`). */
const MIN_NODE_MAJOR = 20;

export function registerDoctor(parent: Command): void {
  parent
    .command("doctor")
    .description("Check this machine: Node version and whether the OS sandbox for exec (bubblewrap) works, and why not.")
    .option("--cwd <dir>", "workspace whose cody.json to read (the configured sandbox mode)")
    .option("--json", "print one JSON object")
    .action(async (flags: DoctorFlags) => {
      process.exitCode = await doctor(flags);
    });
}

async function doctor(flags: DoctorFlags): Promise<number> {
  const cwd = path.resolve(flags.cwd ?? process.cwd());
  const { config, file } = await loadConfigFile(cwd);
  const settings = resolveSandbox(config.sandbox);
  const probe = await probeSandbox();
  const nodeMajor = Number(process.versions.node.split(".")[0]);
  const nodeOk = nodeMajor >= MIN_NODE_MAJOR;
  // A configured danger-full-access needs no sandbox: the machine is ready even without bwrap.
  const ready = nodeOk && (probe.ok || !isConfined(settings.mode));
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({
        ready,
        node: { version: process.versions.node, ok: nodeOk },
        platform: `${process.platform} ${process.arch}`,
        sandbox: { ...probe, mode: settings.mode, network: settings.network, config: file ?? null },
      })}\n`,
    );
    return ready ? EXIT.ok : EXIT.failed;
  }
  const line = (label: string, text: string): void => void process.stdout.write(`${label.padEnd(9)}${text}\n`);
  line("node", `${process.versions.node}${nodeOk ? "" : `  (too old: cody needs Node ${MIN_NODE_MAJOR} or newer)`}`);
  line("platform", `${process.platform} ${process.arch}`);
  line("sandbox", probe.ok ? `works (${probe.version ?? "bwrap"}, ${probe.bwrap})` : `NOT available: ${probe.reason ?? "unknown"}`);
  line(
    "mode",
    `${settings.mode}${isConfined(settings.mode) ? `, network ${settings.network ? "on" : "off"}` : ""}  (${file ?? "default: no cody.json"})`,
  );
  if (!probe.ok && isConfined(settings.mode)) {
    line("", "exec refuses to run commands in this mode here; fix the above, or choose --sandbox danger-full-access");
  }
  return ready ? EXIT.ok : EXIT.failed;
}
