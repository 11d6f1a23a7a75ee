/**
 * The run's wall clock (main thread). It can be paused while a person approves a tool call; pauses nest, and the
 * clock runs only while no pause is open. When the active time reaches the limit, `onExpire` fires once.
 */
export class PausableClock {
  private activeMs = 0;
  private runningSince: number | undefined;
  private pauses = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly limitMs: number,
    private readonly onExpire: () => void,
  ) {}

  start(): void {
    this.runningSince = performance.now();
    this.arm();
  }

  /** Milliseconds counted so far. */
  elapsed(): number {
    return this.activeMs + (this.runningSince === undefined ? 0 : performance.now() - this.runningSince);
  }

  /** Stop counting until the returned function is called (calling it twice has no further effect). */
  pause(): () => void {
    if (this.stopped) return () => {};
    this.pauses++;
    if (this.pauses === 1 && this.runningSince !== undefined) {
      this.activeMs += performance.now() - this.runningSince;
      this.runningSince = undefined;
      this.disarm();
    }
    let resumed = false;
    return () => {
      if (resumed || this.stopped) return;
      resumed = true;
      this.pauses--;
      if (this.pauses === 0) {
        this.runningSince = performance.now();
        this.arm();
      }
    };
  }

  /**
   * Fire `onExpire` now if the limit has been reached; true when it did. For a runner that executes the guest on this
   * thread (in-thread.ts), where the timer cannot fire while the guest computes: its interrupt check calls this.
   */
  expireIfDue(): boolean {
    if (this.stopped || this.pauses > 0 || this.runningSince === undefined || this.elapsed() < this.limitMs) return false;
    this.stop();
    this.onExpire();
    return true;
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private arm(): void {
    this.disarm();
    const remaining = Math.max(0, this.limitMs - this.elapsed());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped || this.pauses > 0) return;
      // Timers can fire a little early; re-arm rather than end the run before its time.
      if (this.elapsed() < this.limitMs - 0.5) return this.arm();
      this.stop();
      this.onExpire();
    }, remaining);
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
