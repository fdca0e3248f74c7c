/**
 * Runs `task` every `everyMs` without overlapping itself; errors are reported, never thrown out of
 * the timer. `stop()` resolves once the run in progress (if any) has finished.
 */
export function repeat(task: () => Promise<unknown>, everyMs: number, onError: (error: unknown) => void): { stop(): Promise<void> } {
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
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
