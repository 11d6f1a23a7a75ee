/**
 * Prometheus metrics for `GET /metrics`. Pool and cache figures are read from `harness.metrics()` at scrape time;
 * run outcomes and durations are counted by the server as runs end. Each server has its own registry, so several
 * servers in one process (tests, embedders) do not collide.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { runOutcomeForError } from "../audit/index.js";
import type { Harness } from "../harness.js";
import type { RunResult } from "../runtime/index.js";

export interface ServerMetrics {
  registry: Registry;
  /** Count one finished run (by outcome) and its duration. */
  observeRun(result: RunResult): void;
  /** The Prometheus text exposition. */
  text(): Promise<string>;
  contentType: string;
}

/** A counter whose value is owned elsewhere: set to the latest reading on each scrape. */
function mirrorCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

export function createServerMetrics(harness: Harness): ServerMetrics {
  const registry = new Registry();
  const pool = () => harness.metrics().pool;
  gauge(registry, "cody_pool_workers", "Worker threads in the script pool (0 before the pool starts).", () => pool()?.workers ?? 0);
  gauge(registry, "cody_pool_busy", "Workers executing a run right now.", () => pool()?.busy ?? 0);
  gauge(registry, "cody_pool_queued", "Runs waiting for a worker.", () => pool()?.queued ?? 0);
  gauge(registry, "cody_pool_utilization", "Busy workers / workers, 0..1.", () => pool()?.utilization ?? 0);
  mirrorCounter(registry, "cody_pool_runs_total", "Runs accepted by the pool.", () => pool()?.runs ?? 0);
  mirrorCounter(registry, "cody_pool_failures_total", "Pool runs that ended with ok: false.", () => pool()?.failures ?? 0);
  mirrorCounter(registry, "cody_pool_worker_restarts_total", "Workers replaced after dying.", () => pool()?.workerRestarts ?? 0);

  const levels = ["lru", "sqlite"] as const;
  const cacheCounter = (name: string, help: string, field: "hits" | "misses"): void => {
    new Counter({
      name,
      help,
      labelNames: ["level"],
      registers: [registry],
      collect() {
        const stats = harness.metrics().cache;
        this.reset();
        for (const level of levels) this.inc({ level }, stats[level][field]);
      },
    });
  };
  cacheCounter("cody_cache_hits_total", "Artifact lookups answered, per cache level.", "hits");
  cacheCounter("cody_cache_misses_total", "Artifact lookups a cache level could not answer.", "misses");
  new Gauge({
    name: "cody_cache_entries",
    help: "Artifacts held, per cache level.",
    labelNames: ["level"],
    registers: [registry],
    collect() {
      const stats = harness.metrics().cache;
      for (const level of levels) this.set({ level }, stats[level].entries);
    },
  });
  // NaN before any lookup would be a valid sample but useless on a dashboard; report 0 until there is data.
  gauge(registry, "cody_cache_hit_rate", "Share of lookups answered by either cache level, 0..1.", () => {
    const rate = harness.metrics().cacheHitRate;
    return Number.isNaN(rate) ? 0 : rate;
  });

  const runs = new Counter({ name: "cody_runs_total", help: "Runs finished through the server, by outcome.", labelNames: ["outcome"], registers: [registry] });
  const duration = new Histogram({
    name: "cody_run_duration_seconds",
    help: "Wall time of runs finished through the server.",
    labelNames: ["outcome"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  return {
    registry,
    contentType: registry.contentType,
    observeRun(result) {
      const outcome = result.ok ? "ok" : runOutcomeForError(result.error?.code);
      runs.inc({ outcome });
      duration.observe({ outcome }, result.durationMs / 1000);
    },
    text: () => registry.metrics(),
  };
}
