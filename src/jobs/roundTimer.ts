/**
 * The one pending round of a sender (the email and the webhook worker): set for a moment, or
 * brought forward by a nudge, never pushed back by one. Under a stream of changes a worker nudged
 * at every commit still runs its round when the first nudge asked, with what gathered meanwhile.
 */
export class RoundTimer {
  private timer: NodeJS.Timeout | undefined;
  /** When the pending round runs (epoch ms); Infinity while none is pending. */
  private at = Infinity;

  constructor(private readonly round: () => void) {}

  /** The round in `delayMs`, in place of any pending one. */
  set(delayMs: number): void {
    clearTimeout(this.timer);
    this.at = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.at = Infinity;
      this.round();
    }, delayMs);
  }

  /** The round in `delayMs` at the latest: a pending one that comes sooner stays. */
  within(delayMs: number): void {
    if (Date.now() + delayMs < this.at) this.set(delayMs);
  }

  /** No round pending. */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.at = Infinity;
  }
}
