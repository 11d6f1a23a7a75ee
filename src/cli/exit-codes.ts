/** Documented exit codes of every `cody` command. */
export const EXIT = {
  /** Success (for `check`: no diagnostics). */
  ok: 0,
  /** The script failed: diagnostics found, uncaught error, tool failure. */
  failed: 1,
  /** Usage or I/O error: bad flags, missing file, unreadable input. */
  usage: 2,
  /** A run limit was exceeded (time, memory, tool calls, output, result size). */
  limit: 3,
  /** Aborted (Ctrl-C) or an approval was refused with "abort". */
  aborted: 130,
} as const;
