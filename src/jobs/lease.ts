/**
 * A job only one process may run at a time (the IMAP watcher, §10): every process that could run it
 * keeps a `Lease` going, and the one that holds it does the work.
 *
 * The holder renews the lease for `durationMs` (60 s) every `renewEveryMs` (a third of that). A process that
 * dies stops renewing: its lease runs out within `durationMs` of its last renewal, and the others,
 * which try again at the latest right when it runs out, take it over: within a minute of the death.
 * One that cannot reach the database stops holding when its lease runs out, exactly when the others
 * may take it. A clean stop gives the lease up at once.
 */
import { Sleeper } from './sleeper.js';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { acquireLease, readLease, releaseLease } from '../repositories/leases.js';
import type { ServiceContext } from '../services/context.js';

export interface LeaseOptions {
  /** How long a taking or renewal holds (default 60 s). */
  durationMs?: number;
  /** How often the holder renews, and the others try (default a third of `durationMs`: 20 s). */
  renewEveryMs?: number;
  /** Who this process is in the table (default host, pid and a random part: two leases of one process differ). */
  holder?: string;
  /** Told when this process starts or stops holding the lease. */
  onChange?: (held: boolean) => void;
  /** A failed try (the database is unreachable): reported, then tried again. */
  onError?: (error: unknown) => void;
  /**
   * Runs after each taking or renewal that succeeded, at its time `now` (a mail sender's shared
   * marker, mailSenderLease.ts); an error is a failed try, reported through `onError`.
   */
  onRenewed?: (now: number) => Promise<void>;
}

/** A holder name that tells this process's leases apart from every other's: host, pid and a random part. */
export function leaseHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export class Lease {
  readonly holder: string;
  private readonly durationMs: number;
  private readonly renewEveryMs: number;
  private readonly onChange: (held: boolean) => void;
  private readonly onError: (error: unknown) => void;
  private readonly onRenewed: (now: number) => Promise<void>;
  /** Settles once the first taking has been tried, held or not (see `held`), or the lease stopped before. */
  readonly tried: Promise<void>;
  private markTried: () => void = () => undefined;
  /** Until when the last taking or renewal holds (0: not held). */
  private heldUntil = 0;
  private announced = false;
  private loop: Promise<void> | null = null;
  private stopped = true;
  private readonly sleeper = new Sleeper();

  constructor(
    private readonly ctx: Pick<ServiceContext, 'handle' | 'clock'>,
    readonly name: string,
    options: LeaseOptions = {},
  ) {
    this.durationMs = options.durationMs ?? 60_000;
    this.renewEveryMs = options.renewEveryMs ?? this.durationMs / 3;
    if (this.renewEveryMs >= this.durationMs) throw new Error('a lease must be renewed more often than it lasts');
    this.holder = options.holder ?? leaseHolder();
    this.onChange = options.onChange ?? (() => undefined);
    this.onError = options.onError ?? (() => undefined);
    this.onRenewed = options.onRenewed ?? (async () => undefined);
    this.tried = new Promise((resolve) => (this.markTried = resolve));
  }

  /** True while this process holds the lease (its last taking or renewal has not run out). */
  get held(): boolean {
    return this.ctx.clock.now() < this.heldUntil;
  }

  /** Starts trying to take the lease, and renewing it once held. */
  start(): this {
    if (this.loop) return this;
    this.stopped = false;
    this.loop = this.run();
    return this;
  }

  /** Stops renewing and gives the lease up (others may take it at once). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper.wake();
    await this.loop;
    this.loop = null;
    if (this.heldUntil > 0) {
      await releaseLease(this.ctx.handle.db, this.name, this.holder).catch(this.onError);
      this.heldUntil = 0;
    }
    this.announce();
    this.markTried();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const delay = await this.tryOnce();
      this.announce();
      this.markTried();
      if (this.stopped) break;
      await this.sleeper.sleep(delay);
    }
  }

  /** One taking or renewal; answers how long to wait before the next. */
  private async tryOnce(): Promise<number> {
    const now = this.ctx.clock.now();
    try {
      if (await acquireLease(this.ctx.handle.db, this.name, this.holder, now, this.durationMs)) {
        this.heldUntil = now + this.durationMs;
        await this.onRenewed(now);
        return this.renewEveryMs;
      }
      this.heldUntil = 0;
      // Someone else holds it: try again when it runs out, if that is sooner than the usual wait.
      const current = await readLease(this.ctx.handle.db, this.name);
      const runsOutIn = current ? current.expires_at - this.ctx.clock.now() + 1 : 0;
      return Math.min(this.renewEveryMs, Math.max(runsOutIn, 10));
    } catch (error) {
      this.onError(error);
      // Still held until it runs out: try again by then (and, failing, stop holding right then).
      const left = this.heldUntil - this.ctx.clock.now();
      return left > 0 ? Math.min(this.renewEveryMs, left) : this.renewEveryMs;
    }
  }

  private announce(): void {
    const held = this.held;
    if (held === this.announced) return;
    this.announced = held;
    this.onChange(held);
  }
}
