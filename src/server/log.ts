/**
 * Where `cody serve` writes its log (JSON lines, pino). Asynchronous: a line is handed to the kernel at once when no
 * write is in flight, and lines logged while one is are joined into the next write, so a busy server makes one
 * write per batch instead of one blocking write per line (two per run, profiled at ≈ 60 µs of a run's main-thread
 * time on a pipe). pino flushes what is pending synchronously when the process exits.
 */
import pino, { type DestinationStream } from "pino";

/** A log destination for `pino(options, destination)`: a file descriptor (2 = stderr) or a file path. */
export function logDestination(dest: number | string = 2): DestinationStream {
  return pino.destination(typeof dest === "number" ? { fd: dest, sync: false } : { dest, sync: false });
}
