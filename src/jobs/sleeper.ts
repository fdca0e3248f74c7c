/**
 * A background job's pause that something can end early: the SLA monitor told of a new ticket,
 * the IMAP watcher told of new mail, a lease told to stop. Its timer never keeps the process alive.
 */
export class Sleeper {
  private wakeUp: (() => void) | null = null;

  /** Resolves after `ms`, or at the next wake(), whichever comes first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wakeUp = done;
    });
  }

  /** Ends the pause in progress, if any. */
  wake(): void {
    this.wakeUp?.();
  }
}
