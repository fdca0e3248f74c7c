/**
 * Runs `task` every `everyMs` (the first time `firstAfterMs` after the start, by default `everyMs`)
 * without overlapping itself; errors are reported, never thrown out of the timer. `stop()` resolves
 * once the run in progress (if any) has finished.
 */
export function repeat(task: () => Promise<unknown>, everyMs: number, onError: (error: unknown) => void, firstAfterMs = everyMs): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = task()
      .then(() => undefined, onError)
      .finally(() => {
        running = null;
      });
  };
  let every: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    tick();
    every = setInterval(tick, everyMs);
    every.unref();
  }, firstAfterMs);
  first.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
