/**
 * The change hub across processes on PostgreSQL: every change is emitted locally at once and sent
 * with `pg_notify` on a channel named after the schema; every process LISTENs on that channel on a
 * dedicated connection (not from the pool: a LISTENing connection must stay open) and re-emits what
 * other processes sent. Notifications carry the sender's random id, so a process does not hear its
 * own changes twice.
 */
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type pg from 'pg';
import { type Presence, PRESENCES } from '../core/routing.js';
import { TICKET_CHANGE_TYPES, type TicketChangeType } from '../core/tickets.js';
import type { Viewing } from '../core/viewers.js';
import { type DbHandle, postgresConnection } from '../db/connect.js';
import type { TicketChange } from '../services/context.js';
import { type ChangeHub, createLocalHub, type LiveEvent, type LiveListener, LocalFanOut, ticketEvents, viewingEvents } from './hub.js';

/** The channel's base name; the schema is appended so parallel schemas (tests) never cross-talk. */
export const CHANNEL_BASE = 'helpdesk_changes';

// PostgreSQL's limit is 8000 bytes per payload; one notification holds as many events as fit.
// The largest single event, a viewing with a display name of 100 characters (its limit) that
// JSON writes at up to 6 bytes each, stays far below it; parseLiveEvent refuses longer names.
const MAX_PAYLOAD_BYTES = 7_000;
const MAX_NAME_LENGTH = 200;
const MAX_STREAM_LENGTH = 64;
// A viewing holds for two heartbeats; a sender cannot make a name stay for longer than this.
const MAX_TTL_MS = 10 * 60_000;
const MAX_IDENTIFIER_BYTES = 63;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;
// The listening connection carries nothing while no other process changes anything, and a NAT,
// load balancer or firewall that forgets an idle flow tells neither end: the connection would look
// open for ever while this process heard nothing more. So it is asked `select 1` every 30 s, which
// also keeps such a flow from counting as idle (Azure's load balancers drop one after 4 minutes,
// AWS's NAT gateways after 350 s); one unanswered within 10 s counts as lost, and is listened
// again, with a resync, as after any loss. (The kernel's TCP keepalive would notice too, but after
// two hours by Linux's defaults, which Node cannot change beyond the first probe's delay.)
const HEARTBEAT_MS = 30_000;
const HEARTBEAT_TIMEOUT_MS = 10_000;

/** The notification channel of a DATABASE_URL: `helpdesk_changes`, plus `_<schema>` with `?schema=`. */
export function channelOf(url: string): string {
  const schema = new URL(url).searchParams.get('schema');
  if (!schema) return CHANNEL_BASE;
  const channel = `${CHANNEL_BASE}_${schema}`;
  if (Buffer.byteLength(channel) <= MAX_IDENTIFIER_BYTES) return channel;
  return `${CHANNEL_BASE}_${createHash('sha256').update(schema).digest('hex').slice(0, 32)}`;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

interface Envelope {
  /** The sending process's hub. */
  o: string;
  e: LiveEvent[];
}

const isId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
const isAgent = (value: unknown): value is number | null => value === null || isId(value);

/** A received event, checked field by field (another process, or anyone with NOTIFY rights, sent it). */
export function parseLiveEvent(raw: unknown): LiveEvent | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (r.kind === 'ticket' && isId(r.ticketId) && (TICKET_CHANGE_TYPES as readonly unknown[]).includes(r.type) && isAgent(r.fromAgentId) && isAgent(r.toAgentId)) {
    return { kind: 'ticket', ticketId: r.ticketId, type: r.type as TicketChangeType, fromAgentId: r.fromAgentId, toAgentId: r.toAgentId };
  }
  if (r.kind === 'presence' && isId(r.agentId) && (PRESENCES as readonly unknown[]).includes(r.presence)) {
    return { kind: 'presence', agentId: r.agentId, presence: r.presence as Presence };
  }
  if (r.kind === 'viewing') {
    const { stream, ticketId, userId, name, ttlMs } = r;
    if (typeof stream !== 'string' || stream.length === 0 || stream.length > MAX_STREAM_LENGTH) return null;
    if (!isId(ticketId) || !isId(userId) || typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) return null;
    if (!isId(ttlMs) || ttlMs < 0 || ttlMs > MAX_TTL_MS) return null;
    return { kind: 'viewing', stream, ticketId, userId, name, ttlMs };
  }
  return null;
}

/** Splits events into payloads that each fit one notification. */
export function envelopes(origin: string, events: readonly LiveEvent[]): string[] {
  const payloads: string[] = [];
  let batch: LiveEvent[] = [];
  const flush = () => {
    if (batch.length > 0) payloads.push(JSON.stringify({ o: origin, e: batch } satisfies Envelope));
    batch = [];
  };
  for (const event of events) {
    const candidate = JSON.stringify({ o: origin, e: [...batch, event] });
    if (batch.length > 0 && Buffer.byteLength(candidate) > MAX_PAYLOAD_BYTES) flush();
    batch.push(event);
  }
  flush();
  return payloads;
}

export interface PostgresHubOptions {
  /** The DATABASE_URL (with its `?schema=`), for the listening connection and the channel name. */
  url: string;
  /** The app's database, whose pool sends the notifications. */
  handle: DbHandle;
  /** Connection losses, bad notifications, failed sends: reported, never thrown. */
  onError?: (error: unknown) => void;
  /** How often the listening connection is asked whether it is still there. Default 30 s. */
  heartbeatMs?: number;
  /** A heartbeat unanswered after this counts as a lost connection. Default 10 s. */
  heartbeatTimeoutMs?: number;
}

class PostgresHub implements ChangeHub {
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly fanOut: LocalFanOut;
  private readonly onError: (error: unknown) => void;
  private client: pg.Client | null = null;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectDelay = RECONNECT_MIN_MS;
  private readonly firstListen: Promise<void>;
  /** Notifications on their way: close() waits for them, so a command that publishes then exits (mail:ingest) loses none. */
  private readonly sending = new Set<Promise<void>>();
  private readonly heartbeat: NodeJS.Timeout;
  /** The listening connection being asked whether it is there (one question at a time). */
  private asking: pg.Client | null = null;
  private readonly stopWatchingFailovers: () => void;

  constructor(private readonly options: PostgresHubOptions) {
    this.onError = options.onError ?? (() => undefined);
    this.channel = channelOf(options.url);
    this.fanOut = new LocalFanOut(this.onError);
    this.firstListen = this.listen();
    // ready() reports a failed first connection; until someone asks, do not crash on it.
    this.firstListen.catch(() => undefined);
    this.heartbeat = setInterval(() => void this.beat(), options.heartbeatMs ?? HEARTBEAT_MS);
    this.heartbeat.unref();
    // After a failover the listening connection stays on the demoted primary: it answers its
    // heartbeats, yet the other processes' notifications go to the new primary. When the pool finds
    // its connections read-only it moves (db/pgPool.ts), and the listening connection with it.
    this.stopWatchingFailovers = options.handle.whenReadOnly?.(() => this.failedOver()) ?? (() => undefined);
  }

  /** The database said it is read-only: listen again on a new connection, as the pool does. */
  private failedOver(): void {
    const client = this.client;
    if (!client) return;
    this.onError(new Error('the database said it is read-only (a failover?): listening again on a new connection'));
    this.lost(client);
  }

  /** Asks the listening connection for an answer; none in time: lost, listened again. */
  private async beat(): Promise<void> {
    const client = this.client;
    if (!client || this.asking === client) return;
    this.asking = client;
    const timeoutMs = this.options.heartbeatTimeoutMs ?? HEARTBEAT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      // A failed answer is the connection's 'error' or 'end', which already count it lost.
      const answered = await Promise.race([client.query('select 1').then(() => true, () => true), silence]);
      if (!answered && this.client === client) {
        this.onError(new Error(`the listening connection did not answer within ${timeoutMs / 1000} s; listening again`));
        this.lost(client);
      }
    } finally {
      clearTimeout(timer);
      if (this.asking === client) this.asking = null;
    }
  }

  private async listen(): Promise<void> {
    const { connectionString, options, Client } = postgresConnection(this.options.url);
    const client = new Client({ connectionString, options, keepAlive: true });
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.receive(message.payload);
    });
    client.on('error', (error) => {
      this.onError(error);
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    await client.connect();
    try {
      await client.query(`listen ${quoteIdentifier(this.channel)}`);
    } catch (error) {
      await client.end().catch(this.onError);
      throw error;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    this.reconnectDelay = RECONNECT_MIN_MS;
  }

  /** The listening connection ended: listen again after a growing pause, then ask pages to refetch. */
  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.listen().then(
        () => {
          if (!this.closed) this.fanOut.emit({ kind: 'resync' });
        },
        (error: unknown) => {
          this.onError(error);
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }

  private receive(payload: string | undefined): void {
    let envelope: Partial<Envelope>;
    try {
      envelope = JSON.parse(payload ?? '') as Partial<Envelope>;
    } catch (error) {
      this.onError(error);
      return;
    }
    if (envelope.o === this.origin || !Array.isArray(envelope.e)) return;
    for (const raw of envelope.e) {
      const event = parseLiveEvent(raw);
      if (event) this.fanOut.emit(event);
    }
  }

  private send(events: LiveEvent[]): void {
    for (const event of events) this.fanOut.emit(event);
    if (this.closed) return;
    for (const payload of envelopes(this.origin, events)) {
      const sent = sql`select pg_notify(${this.channel}, ${payload})`
        .execute(this.options.handle.db)
        .then(() => undefined, this.onError)
        .finally(() => this.sending.delete(sent));
      this.sending.add(sent);
    }
  }

  publishTickets(changes: readonly TicketChange[]): void {
    if (changes.length > 0) this.send(ticketEvents(changes));
  }

  publishPresence(agentId: number, presence: Presence): void {
    this.send([{ kind: 'presence', agentId, presence }]);
  }

  publishViewing(viewings: readonly Viewing[]): void {
    if (viewings.length > 0) this.send(viewingEvents(viewings));
  }

  subscribe(listener: LiveListener): () => void {
    return this.fanOut.subscribe(listener);
  }

  ready(): Promise<void> {
    return this.firstListen;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    this.stopWatchingFailovers();
    // What was published before close() still goes out (the pool may be destroyed right after).
    await Promise.all([...this.sending]);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    await this.firstListen.catch(() => undefined);
    const client = this.client;
    this.client = null;
    if (client) await client.end();
  }
}

/** A hub that reaches every process sharing the PostgreSQL database and schema of `url`. */
export function createPostgresHub(options: PostgresHubOptions): ChangeHub {
  return new PostgresHub(options);
}

/**
 * The hub for a database: across processes on PostgreSQL, in-process on SQLite (where one process
 * is the supported setup).
 */
export function createChangeHub(handle: DbHandle, url: string, onError: (error: unknown) => void = () => undefined): ChangeHub {
  return handle.dialect === 'postgres' ? createPostgresHub({ url, handle, onError }) : createLocalHub(onError);
}
