// The long jobs a service runs under a key (an evaluation's run id, a batch job's output file, a
// retraining's model), each with the AbortController its cancel channel aborts.

export interface RunningJobs {
  /** Whether a job runs under `key` now. */
  has(key: string): boolean;
  /** Runs `work` as a job under `key`; `cancel(key)` aborts its signal until it settles. */
  run<T>(key: string, work: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Aborts the jobs running under `key`; false when none is. */
  cancel(key: string): boolean;
}

export function runningJobs(): RunningJobs {
  const running = new Map<string, Set<AbortController>>();
  return {
    has: (key) => (running.get(key)?.size ?? 0) > 0,
    async run(key, work) {
      const controller = new AbortController();
      const jobs = running.get(key) ?? new Set<AbortController>();
      running.set(key, jobs.add(controller));
      try {
        return await work(controller.signal);
      } finally {
        jobs.delete(controller);
        if (!jobs.size && running.get(key) === jobs) running.delete(key);
      }
    },
    cancel(key) {
      const jobs = running.get(key);
      if (!jobs?.size) return false;
      for (const c of jobs) c.abort();
      return true;
    },
  };
}
