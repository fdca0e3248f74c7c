/**
 * The change hub: where committed changes are announced to live pages (Server-Sent Events) and to
 * jobs that want to wake early (the SLA monitor). In one process it is an EventEmitter. With
 * several processes on one PostgreSQL database, each change is also sent with `pg_notify` and every
 * process LISTENs on a dedicated connection, so a browser connected to process B hears of a change
 * made by process A (see postgresHub.ts). On SQLite one process is the supported setup: the
 * in-process emitter only.
 *
 * Events are hints, never state: a page that hears one fetches the current state from the database.
 * So a lost or duplicated event costs at most a stale view until the next one (and `resync` asks
 * every page to refetch after the hub may have missed some).
 */
import { EventEmitter } from 'node:events';
import type { Presence } from '../core/routing.js';
import type { Viewing } from '../core/viewers.js';
import type { TicketChange } from '../services/context.js';

/** What live pages hear. */
export type LiveEvent =
  | ({ kind: 'ticket' } & TicketChange)
  | { kind: 'presence'; agentId: number; presence: Presence }
  /** Someone has a ticket open, or closed it (§9 collision; see viewerBoard.ts). Never sent to pages as is. */
  | ({ kind: 'viewing' } & Viewing)
  /** The hub may have missed events (its database connection dropped): refetch everything. */
  | { kind: 'resync' };

export type LiveListener = (event: LiveEvent) => void;

export interface ChangeHub {
  /** Announces committed ticket changes (call after the commit). */
  publishTickets(changes: readonly TicketChange[]): void;
  /** Announces an agent's new presence (call after the commit). */
  publishPresence(agentId: number, presence: Presence): void;
  /** Announces who has which ticket open (no commit involved: nothing is stored). */
  publishViewing(viewings: readonly Viewing[]): void;
  /** Calls `listener` for every event, local or from another process; returns the unsubscribe. */
  subscribe(listener: LiveListener): () => void;
  /** Resolves once events from other processes are being received (at once for the local hub). */
  ready(): Promise<void>;
  /** Stops listening; publishing afterwards only reaches local subscribers. */
  close(): Promise<void>;
}

/** Fan-out to this process's subscribers; a throwing subscriber never stops the others. */
export class LocalFanOut {
  private readonly emitter = new EventEmitter();

  constructor(private readonly onError: (error: unknown) => void) {
    // One subscriber per open browser tab: no listener limit.
    this.emitter.setMaxListeners(0);
  }

  emit(event: LiveEvent): void {
    this.emitter.emit('event', event);
  }

  subscribe(listener: LiveListener): () => void {
    const safe = (event: LiveEvent) => {
      try {
        listener(event);
      } catch (error) {
        this.onError(error);
      }
    };
    this.emitter.on('event', safe);
    return () => {
      this.emitter.off('event', safe);
    };
  }

  get size(): number {
    return this.emitter.listenerCount('event');
  }
}

/** Turns committed ticket changes into live events. */
export function ticketEvents(changes: readonly TicketChange[]): LiveEvent[] {
  return changes.map((c) => ({ kind: 'ticket', ticketId: c.ticketId, type: c.type, fromAgentId: c.fromAgentId, toAgentId: c.toAgentId }));
}

/** Turns viewing announcements into live events. */
export function viewingEvents(viewings: readonly Viewing[]): LiveEvent[] {
  return viewings.map((v) => ({ kind: 'viewing', stream: v.stream, ticketId: v.ticketId, userId: v.userId, name: v.name, ttlMs: v.ttlMs }));
}

/** The hub of a single process (SQLite, or tests): an in-process emitter. */
export function createLocalHub(onError: (error: unknown) => void = () => undefined): ChangeHub {
  const fanOut = new LocalFanOut(onError);
  return {
    publishTickets: (changes) => {
      for (const event of ticketEvents(changes)) fanOut.emit(event);
    },
    publishPresence: (agentId, presence) => fanOut.emit({ kind: 'presence', agentId, presence }),
    publishViewing: (viewings) => {
      for (const event of viewingEvents(viewings)) fanOut.emit(event);
    },
    subscribe: (listener) => fanOut.subscribe(listener),
    ready: async () => undefined,
    close: async () => undefined,
  };
}
