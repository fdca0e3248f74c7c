/**
 * Who else has a ticket open (SPEC §9 "Collision"), across every process sharing the change hub.
 *
 * Each open staff ticket page (a live stream with `?ticket=`) announces itself through the hub when
 * it opens, again at every heartbeat, and once more (ttl 0) when it closes. Every process keeps what
 * it hears in a ViewerRegistry and tells each of its own streams of a ticket the current list
 * whenever it changes. Announcements are not stored anywhere: a process that dies simply stops
 * renewing its viewers, and every other process forgets them after two heartbeats.
 */
import { randomUUID } from 'node:crypto';
import { type Viewer, ViewerRegistry, type Viewing } from '../core/viewers.js';
import type { ChangeHub, LiveEvent } from './hub.js';

/** Whose page opened a ticket. */
export interface Watcher {
  ticketId: number;
  userId: number;
  name: string;
}

/** A page's place on the board: `leave()` when the page's stream ends. */
export interface Watching {
  leave(): void;
}

interface LocalWatch extends Watcher {
  onViewers: (viewers: Viewer[]) => void;
  /** The list last told to this page (as JSON), so an unchanged list is not sent again. */
  told: string | null;
}

export interface ViewerBoardOptions {
  /** How often open pages are announced again; an announcement holds for two of these. */
  heartbeatMs: number;
  now?: () => number;
}

export class ViewerBoard {
  private readonly registry = new ViewerRegistry();
  private readonly local = new Map<string, LocalWatch>();
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly unsubscribe: () => void;
  private readonly timers: NodeJS.Timeout[];

  constructor(
    private readonly hub: ChangeHub,
    options: ViewerBoardOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.ttlMs = 2 * options.heartbeatMs;
    this.unsubscribe = hub.subscribe((event) => this.hear(event));
    // Announcing and forgetting run on their own clocks: expired viewers go within half a
    // heartbeat of their expiry, so a dead process's viewers vanish within 2.5 heartbeats.
    this.timers = [setInterval(() => this.announce([...this.local.keys()]), options.heartbeatMs), setInterval(() => this.sweep(), Math.max(1, Math.floor(options.heartbeatMs / 2)))];
    for (const timer of this.timers) timer.unref();
  }

  /**
   * Puts a page on the board and announces it; `onViewers` hears the list of the others (never
   * `who.userId` itself) at once and whenever it changes.
   */
  watch(who: Watcher, onViewers: (viewers: Viewer[]) => void): Watching {
    const stream = randomUUID();
    const watch: LocalWatch = { ticketId: who.ticketId, userId: who.userId, name: who.name, onViewers, told: null };
    this.local.set(stream, watch);
    this.announce([stream]);
    this.tell(watch);
    let left = false;
    return {
      leave: () => {
        if (left) return;
        left = true;
        this.local.delete(stream);
        this.hub.publishViewing([{ stream, ticketId: who.ticketId, userId: who.userId, name: who.name, ttlMs: 0 }]);
      },
    };
  }

  /** Stops announcing and listening (the streams have ended by then). */
  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.unsubscribe();
  }

  private announce(streams: readonly string[]): void {
    const viewings: Viewing[] = [];
    for (const stream of streams) {
      const watch = this.local.get(stream);
      if (watch) viewings.push({ stream, ticketId: watch.ticketId, userId: watch.userId, name: watch.name, ttlMs: this.ttlMs });
    }
    this.hub.publishViewing(viewings);
  }

  private hear(event: LiveEvent): void {
    if (event.kind !== 'viewing') return;
    const { kind: _kind, ...viewing } = event;
    const applied = this.registry.apply(viewing, this.now());
    for (const ticketId of applied.changed) this.tellTicket(ticketId);
    // Someone elsewhere just opened this ticket: tell them of our viewers now, not at our next heartbeat.
    if (applied.isNew && !this.local.has(viewing.stream)) {
      this.announce([...this.local].filter(([, watch]) => watch.ticketId === viewing.ticketId).map(([stream]) => stream));
    }
  }

  private sweep(): void {
    for (const ticketId of this.registry.expire(this.now())) this.tellTicket(ticketId);
  }

  private tellTicket(ticketId: number): void {
    for (const watch of this.local.values()) if (watch.ticketId === ticketId) this.tell(watch);
  }

  private tell(watch: LocalWatch): void {
    const viewers = this.registry.viewersOf(watch.ticketId, this.now(), watch.userId);
    const json = JSON.stringify(viewers);
    if (json === watch.told) return;
    watch.told = json;
    watch.onViewers(viewers);
  }
}
