/**
 * A turn of the conversation: spawned tool calls (`tools.spawn.*`) may outlive the script that started them, until
 * the turn ends. Pass `turn.signal` as `PoolRunOptions.turnSignal`; `await turn.end()` aborts whatever is still running
 * and waits for it to settle.
 */
import { AbortedError } from "../errors/index.js";

const detachedByTurn = new WeakMap<AbortSignal, Set<Promise<unknown>>>();

/** Record a spawned call's settlement under its turn, so `Turn.end()` can wait for it. */
export function trackDetached(turnSignal: AbortSignal, settled: Promise<unknown>): void {
  let set = detachedByTurn.get(turnSignal);
  if (!set) {
    set = new Set();
    detachedByTurn.set(turnSignal, set);
  }
  const tracked = set;
  tracked.add(settled);
  void settled.finally(() => tracked.delete(settled));
}

export class Turn {
  private readonly controller = new AbortController();

  /** Aborted when the turn ends; spawned calls' signals follow it. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Number of spawned calls still running in this turn. */
  get pending(): number {
    return detachedByTurn.get(this.controller.signal)?.size ?? 0;
  }

  /** Abort spawned work that is still running and wait until all of it has settled. */
  async end(): Promise<void> {
    if (!this.controller.signal.aborted) this.controller.abort(new AbortedError("The turn ended"));
    const set = detachedByTurn.get(this.controller.signal);
    if (set) await Promise.allSettled([...set]);
  }
}
