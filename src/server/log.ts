/**
 * Where `cody serve` writes its log (JSON lines, pino). Lines are gathered and written together, synchronously, at
 * most LOG_FLUSH_MS after the first of them (sooner past LOG_FLUSH_BYTES), and whatever is pending is written when the
 * process exits. Why: under the REST bench a blocking write per line (two per run) cost ≈ 60 µs of a run's main-thread
 * time on a pipe, each write also waking the reader; pino's asynchronous mode moves each write to libuv's thread pool
 * instead — a thread wake-up and a completion callback per write, about the cost of the write it saves on two busy
 * cores. A log line may thus reach the file up to LOG_FLUSH_MS late; a process killed with SIGKILL loses at most that.
 */
import type { DestinationStream } from "pino";
import pino from "pino";

/** Pending lines are written this long after the first of them, at the latest. */
export const LOG_FLUSH_MS = 25;
/** … or as soon as this much is pending. */
const LOG_FLUSH_BYTES = 64 * 1024;

/** Pending text of every batched destination, written on exit (one listener for all). */
const live = new Set<Batched>();
let exitHooked = false;

class Batched implements DestinationStream {
  readonly #out: DestinationStream;
  #text = "";
  #timer: NodeJS.Timeout | undefined;

  constructor(out: DestinationStream) {
    this.#out = out;
    live.add(this);
    if (!exitHooked) {
      exitHooked = true;
      process.once("exit", () => {
        for (const d of live) d.flushSync();
      });
    }
  }

  write(line: string): void {
    this.#text += line;
    if (this.#text.length >= LOG_FLUSH_BYTES) this.flushSync();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flushSync(), LOG_FLUSH_MS);
      this.#timer.unref();
    }
  }

  /** Write what is pending now (pino's `logger.flush()` calls this too). */
  flushSync(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#text === "") return;
    const text = this.#text;
    this.#text = "";
    this.#out.write(text);
  }

  flush(done?: (error?: Error) => void): void {
    this.flushSync();
    done?.();
  }
}

/**
 * A log destination for `pino(options, destination)`: a file descriptor (2 = stderr) or a file path, written as
 * described above (pino's synchronous writer underneath, which retries a full pipe).
 */
export function logDestination(dest: number | string = 2): DestinationStream {
  return new Batched(pino.destination(typeof dest === "number" ? { fd: dest, sync: true } : { dest, sync: true }));
}
