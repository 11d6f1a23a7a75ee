/**
 * Where `cody serve` writes its log (JSON lines, pino). Lines logged during one turn of the event loop are written
 * together, synchronously, at its end (setImmediate: nothing waits for a timer), and whatever is pending is written
 * when the process exits. Profiled under the REST bench: a blocking write per line (two per run) cost ≈ 60 µs of a
 * run's main-thread time on a pipe, and pino's asynchronous mode moves each write to libuv's thread pool — a thread
 * wake-up and a completion callback per write, which on two busy cores cost about as much as the write it saved.
 */
import type { DestinationStream } from "pino";
import pino from "pino";

/** Pending text of every batched destination, written on exit (one listener for all). */
const live = new Set<TurnBatched>();
let exitHooked = false;

class TurnBatched implements DestinationStream {
  readonly #out: DestinationStream;
  #text = "";
  #scheduled = false;

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
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flushSync());
  }

  /** Write what is pending now (pino's `logger.flush()` calls this too). */
  flushSync(): void {
    this.#scheduled = false;
    if (this.#text === "") return;
    const text = this.#text;
    this.#text = "";
    this.#out.write(text);
  }

  flush(): void {
    this.flushSync();
  }
}

/**
 * A log destination for `pino(options, destination)`: a file descriptor (2 = stderr) or a file path, written as
 * described above (pino's synchronous writer underneath, which retries a full pipe).
 */
export function logDestination(dest: number | string = 2): DestinationStream {
  return new TurnBatched(pino.destination(typeof dest === "number" ? { fd: dest, sync: true } : { dest, sync: true }));
}
