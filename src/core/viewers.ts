/**
 * Who has which ticket open (SPEC §9 "Collision"), as each server process learns it from `viewing`
 * announcements on the change hub. Pure: no clock, no timers, no I/O; `now` comes in.
 *
 * Entries are kept per stream (one open ticket page), not per user: someone with the ticket open in
 * two tabs, or through two processes, stays listed until the last of them closes. An announcement
 * holds for `ttlMs` from when it is heard (relative, so the clocks of different hosts need not
 * agree) and is renewed at every heartbeat; a process that dies stops renewing, and its viewers
 * expire.
 */

/** One open page's announcement that its user has a ticket open, or (`ttlMs` 0) no longer has. */
export interface Viewing {
  /** The announcing page's stream: random, unique across processes. */
  stream: string;
  ticketId: number;
  userId: number;
  /** The user's display name, as shown to the others. */
  name: string;
  /** How long after it is heard the announcement holds; 0: the page closed. */
  ttlMs: number;
}

/** Someone shown as also viewing a ticket. */
export interface Viewer {
  userId: number;
  name: string;
}

/** What one announcement did to the registry. */
export interface Applied {
  /** Tickets whose list of viewers may read differently now. */
  changed: number[];
  /**
   * The stream was unknown (or had expired) until now. A process that hears of a new viewer
   * announces its own viewers of that ticket at once, so the newcomer need not wait a heartbeat
   * to learn of them.
   */
  isNew: boolean;
}

interface Entry {
  ticketId: number;
  userId: number;
  name: string;
  expiresAt: number;
}

export class ViewerRegistry {
  private readonly entries = new Map<string, Entry>();
  /** The streams of each ticket, so a ticket's list does not scan every entry. */
  private readonly streamsOf = new Map<number, Set<string>>();

  /** Applies one announcement heard at `now`. */
  apply(viewing: Viewing, now: number): Applied {
    const before = this.entries.get(viewing.stream);
    const wasLive = before !== undefined && before.expiresAt > now;
    if (viewing.ttlMs <= 0) {
      if (!before) return { changed: [], isNew: false };
      this.remove(viewing.stream, before);
      return { changed: wasLive ? [before.ticketId] : [], isNew: false };
    }
    if (before) this.remove(viewing.stream, before);
    this.entries.set(viewing.stream, { ticketId: viewing.ticketId, userId: viewing.userId, name: viewing.name, expiresAt: now + viewing.ttlMs });
    let streams = this.streamsOf.get(viewing.ticketId);
    if (!streams) this.streamsOf.set(viewing.ticketId, (streams = new Set()));
    streams.add(viewing.stream);

    if (!wasLive) return { changed: [viewing.ticketId], isNew: true };
    if (before.ticketId !== viewing.ticketId) return { changed: [before.ticketId, viewing.ticketId], isNew: false };
    // A renewal changes nothing anyone sees, unless the user was renamed meanwhile.
    const renamed = before.userId !== viewing.userId || before.name !== viewing.name;
    return { changed: renamed ? [viewing.ticketId] : [], isNew: false };
  }

  /** Forgets announcements not renewed in time; returns the tickets whose list changed. */
  expire(now: number): number[] {
    const changed = new Set<number>();
    for (const [stream, entry] of this.entries) {
      if (entry.expiresAt > now) continue;
      this.remove(stream, entry);
      changed.add(entry.ticketId);
    }
    return [...changed];
  }

  /**
   * Who has `ticketId` open at `now`, each person once, by name; without `exceptUserId` (a page
   * does not list its own user, whichever other tab or process that user has it open in).
   */
  viewersOf(ticketId: number, now: number, exceptUserId?: number): Viewer[] {
    const names = new Map<number, string>();
    for (const stream of this.streamsOf.get(ticketId) ?? []) {
      const entry = this.entries.get(stream)!;
      if (entry.expiresAt > now && entry.userId !== exceptUserId) names.set(entry.userId, entry.name);
    }
    return [...names].map(([userId, name]) => ({ userId, name })).sort((a, b) => a.name.localeCompare(b.name) || a.userId - b.userId);
  }

  /** How many streams are known (expired ones not yet forgotten included). */
  get size(): number {
    return this.entries.size;
  }

  private remove(stream: string, entry: Entry): void {
    this.entries.delete(stream);
    const streams = this.streamsOf.get(entry.ticketId);
    streams?.delete(stream);
    if (streams?.size === 0) this.streamsOf.delete(entry.ticketId);
  }
}
