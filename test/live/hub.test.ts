import { type AddressInfo, connect as connectTcp, createServer, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.js';
import { createLocalHub, type LiveEvent } from '../../src/live/hub.js';
import { channelOf, createPostgresHub, envelopes, parseLiveEvent } from '../../src/live/postgresHub.js';
import { TICKET_CHANGE_TYPES } from '../../src/core/tickets.js';
import type { TicketChange } from '../../src/services/context.js';
import { freshDatabase, TEST_PG_URL, type TestDatabase } from '../support/db.js';

const change = (ticketId: number, type: TicketChange['type'] = 'assigned', toAgentId: number | null = 2): TicketChange => ({ ticketId, type, fromAgentId: null, toAgentId });

/** Collects what a hub delivers and waits for it. */
function recorder() {
  const events: LiveEvent[] = [];
  return {
    events,
    listener: (event: LiveEvent) => events.push(event),
    async until(check: (events: LiveEvent[]) => boolean, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!check(events)) {
        if (Date.now() > deadline) throw new Error(`timed out; got ${events.length} events, the last ${JSON.stringify(events.slice(-3))}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

describe('the in-process change hub', () => {
  it('delivers ticket and presence events to every subscriber until it unsubscribes', () => {
    const hub = createLocalHub();
    const a = recorder();
    const b = recorder();
    const stopA = hub.subscribe(a.listener);
    hub.subscribe(b.listener);
    hub.publishTickets([change(1), change(2, 'closed', null)]);
    hub.publishPresence(7, 'away');
    stopA();
    hub.publishTickets([change(3)]);
    expect(a.events).toEqual([
      { kind: 'ticket', ticketId: 1, type: 'assigned', fromAgentId: null, toAgentId: 2 },
      { kind: 'ticket', ticketId: 2, type: 'closed', fromAgentId: null, toAgentId: null },
      { kind: 'presence', agentId: 7, presence: 'away' },
    ]);
    expect(b.events).toHaveLength(4);
  });

  it('keeps delivering to the others when one subscriber throws, and reports the error', () => {
    const errors: unknown[] = [];
    const hub = createLocalHub((error) => errors.push(error));
    const after = recorder();
    hub.subscribe(() => {
      throw new Error('broken tab');
    });
    hub.subscribe(after.listener);
    hub.publishTickets([change(1)]);
    expect(after.events).toHaveLength(1);
    expect(String(errors[0])).toContain('broken tab');
  });
});

describe('notification payloads', () => {
  it('names the channel after the schema, within PostgreSQL identifier length', () => {
    expect(channelOf('postgres://u@h/db')).toBe('helpdesk_changes');
    expect(channelOf('postgres://u@h/db?schema=t_abc')).toBe('helpdesk_changes_t_abc');
    const long = channelOf(`postgres://u@h/db?schema=${'s'.repeat(60)}`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long).not.toBe(channelOf(`postgres://u@h/db?schema=${'s'.repeat(59)}x`));
  });

  it('splits many events into payloads under the 8000-byte limit, losing none', () => {
    const events: LiveEvent[] = Array.from({ length: 500 }, (_, i) => ({ kind: 'ticket', ...change(i + 1) }));
    const payloads = envelopes('origin', events);
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    expect(payloads.flatMap((p) => (JSON.parse(p) as { e: LiveEvent[] }).e)).toEqual(events);
  });

  it('accepts only well-formed events from the channel', () => {
    expect(parseLiveEvent({ kind: 'ticket', ticketId: 1, type: 'assigned', fromAgentId: null, toAgentId: 3 })).not.toBeNull();
    expect(parseLiveEvent({ kind: 'presence', agentId: 3, presence: 'away' })).not.toBeNull();
    for (const type of ['message', 'sla_warning', 'sla_breached']) {
      expect(parseLiveEvent({ kind: 'ticket', ticketId: 1, type, fromAgentId: 2, toAgentId: 2 })).toEqual({ kind: 'ticket', ticketId: 1, type, fromAgentId: 2, toAgentId: 2 });
    }
    for (const bad of [null, 'x', { kind: 'ticket', ticketId: '1', type: 'assigned', fromAgentId: null, toAgentId: 3 }, { kind: 'ticket', ticketId: 1, type: 'deleted', fromAgentId: null, toAgentId: 3 }, { kind: 'presence', agentId: 3, presence: 'asleep' }, { kind: 'resync' }]) {
      expect(parseLiveEvent(bad)).toBeNull();
    }
  });
});

/**
 * A TCP proxy to PostgreSQL whose open connections can be made silent: from then on nothing passes
 * either way and nothing is closed, as when a middlebox forgets a flow. New connections pass.
 */
async function silencingProxy(targetPort: string) {
  const pairs: { client: Socket; server: Socket; silent: boolean }[] = [];
  const proxy = createServer((client) => {
    const server = connectTcp(Number(targetPort), '127.0.0.1');
    const pair = { client, server, silent: false };
    pairs.push(pair);
    client.on('data', (chunk) => pair.silent || server.write(chunk));
    server.on('data', (chunk) => pair.silent || client.write(chunk));
    const end = () => {
      client.destroy();
      server.destroy();
    };
    client.on('close', end).on('error', end);
    server.on('close', end).on('error', end);
  });
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  return {
    port: (proxy.address() as AddressInfo).port,
    silenceAll: () => pairs.forEach((pair) => (pair.silent = true)),
    connections: () => pairs.length,
    close: async () => {
      pairs.forEach((pair) => (pair.client.destroy(), pair.server.destroy()));
      await new Promise((done) => proxy.close(done));
    },
  };
}

describe('the PostgreSQL change hub (LISTEN/NOTIFY)', () => {
  let database: TestDatabase;
  let other: TestDatabase;
  let secondHandle: DbHandle;
  beforeAll(async () => {
    database = await freshDatabase('postgres');
    other = await freshDatabase('postgres');
    secondHandle = connect(database.url);
  });
  afterAll(async () => {
    await secondHandle.destroy();
    await database.drop();
    await other.drop();
  });

  it('carries changes from one process to another on the same schema, once, and never to another schema', async () => {
    const errors: unknown[] = [];
    const a = createPostgresHub({ url: database.url, handle: database.handle, onError: (e) => errors.push(e) });
    const b = createPostgresHub({ url: database.url, handle: secondHandle, onError: (e) => errors.push(e) });
    const elsewhere = createPostgresHub({ url: other.url, handle: other.handle, onError: (e) => errors.push(e) });
    await Promise.all([a.ready(), b.ready(), elsewhere.ready()]);
    const atA = recorder();
    const atB = recorder();
    const atOther = recorder();
    a.subscribe(atA.listener);
    b.subscribe(atB.listener);
    elsewhere.subscribe(atOther.listener);

    const many = Array.from({ length: 300 }, (_, i) => change(i + 1));
    a.publishTickets(many);
    a.publishPresence(5, 'available');
    b.publishTickets([change(1000, 'closed', null)]);
    await atB.until((e) => e.length === 302);
    await atA.until((e) => e.length === 302);
    // Give stray echoes time to arrive: there must be none.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(atA.events).toHaveLength(302);
    expect(atA.events.at(-1)).toEqual({ kind: 'ticket', ticketId: 1000, type: 'closed', fromAgentId: null, toAgentId: null });
    expect(atB.events.filter((e) => e.kind === 'ticket' && e.ticketId <= 300)).toHaveLength(300);
    expect(atB.events).toContainEqual({ kind: 'presence', agentId: 5, presence: 'available' });
    expect(atB.events).toHaveLength(302);
    expect(atOther.events).toEqual([]);
    await Promise.all([a.close(), b.close(), elsewhere.close()]);
    expect(errors).toEqual([]);
  });

  it('carries every kind of ticket change to another process: a customer message and an SLA warning too', async () => {
    // QA: parseLiveEvent knew only the event-row types, so a message or a warning marked on process A
    // never reached an agent whose stream was on process B (its dashboard stayed stale until a poll).
    const a = createPostgresHub({ url: database.url, handle: database.handle });
    const b = createPostgresHub({ url: database.url, handle: secondHandle });
    await Promise.all([a.ready(), b.ready()]);
    try {
      const atB = recorder();
      b.subscribe(atB.listener);
      const changes = TICKET_CHANGE_TYPES.map((type, i) => change(2000 + i, type));
      a.publishTickets(changes);
      await atB.until((e) => e.length === changes.length, 3000).catch(() => undefined);
      expect(atB.events.map((e) => (e.kind === 'ticket' ? e.type : e.kind))).toEqual([...TICKET_CHANGE_TYPES]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('sends what was published before close() before its pool goes (a command that publishes, then exits)', async () => {
    const listening = createPostgresHub({ url: database.url, handle: database.handle });
    await listening.ready();
    const heard = recorder();
    listening.subscribe(heard.listener);
    const commandHandle = connect(database.url);
    const command = createPostgresHub({ url: database.url, handle: commandHandle });
    try {
      await command.ready();
      command.publishTickets([change(3000, 'message')]);
      await command.close();
      await commandHandle.destroy();
      await heard.until((e) => e.length === 1, 3000).catch(() => undefined);
      expect(heard.events).toEqual([{ kind: 'ticket', ticketId: 3000, type: 'message', fromAgentId: null, toAgentId: 2 }]);
    } finally {
      await listening.close();
    }
  });

  it('listens again after losing its connection, and asks pages to refetch what they may have missed', async () => {
    const errors: unknown[] = [];
    const listener = createPostgresHub({ url: database.url, handle: secondHandle, onError: (e) => errors.push(e) });
    const sender = createPostgresHub({ url: database.url, handle: database.handle });
    await Promise.all([listener.ready(), sender.ready()]);
    const heard = recorder();
    listener.subscribe(heard.listener);

    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    try {
      const channel = channelOf(database.url);
      const killed = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where query = $1`, [`listen "${channel}"`]);
      expect(killed.rowCount).toBe(2);
    } finally {
      await admin.end();
    }
    await heard.until((e) => e.filter((x) => x.kind === 'resync').length === 1, 10_000);
    sender.publishTickets([change(42)]);
    await heard.until((e) => e.some((x) => x.kind === 'ticket' && x.ticketId === 42));
    expect(errors.length).toBeGreaterThan(0);
    await Promise.all([listener.close(), sender.close()]);
  });

  // A NAT, load balancer or firewall that drops an idle flow (Azure's load balancers after 4 minutes,
  // AWS's NAT gateways after 350 s) sends nothing to either end: the listening connection looked
  // open for ever, and the process never heard another's changes again (its pages went stale).
  it('notices a listening connection that went silent, listens again and asks pages to refetch', async () => {
    const proxy = await silencingProxy(new URL(TEST_PG_URL).port || '5432');
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    const errors: unknown[] = [];
    const listener = createPostgresHub({ url: viaProxy.toString(), handle: secondHandle, onError: (e) => errors.push(e), heartbeatMs: 300, heartbeatTimeoutMs: 2000 });
    const sender = createPostgresHub({ url: database.url, handle: database.handle });
    try {
      await Promise.all([listener.ready(), sender.ready()]);
      const heard = recorder();
      listener.subscribe(heard.listener);
      sender.publishTickets([change(50)]);
      await heard.until((e) => e.some((x) => x.kind === 'ticket' && x.ticketId === 50));

      proxy.silenceAll();
      sender.publishTickets([change(51)]);
      await heard.until((e) => e.some((x) => x.kind === 'resync'), 10_000);
      sender.publishTickets([change(52)]);
      await heard.until((e) => e.some((x) => x.kind === 'ticket' && x.ticketId === 52));
      expect(errors.map(String)).toContain('Error: the listening connection did not answer within 2 s; listening again');
      // It listened again through the proxy (a new connection), not on the silent one.
      expect(proxy.connections()).toBeGreaterThanOrEqual(2);
    } finally {
      await Promise.all([listener.close(), sender.close()]);
      await proxy.close();
    }
  });

  it('fails ready() when the database cannot be reached, and closes without hanging', async () => {
    const hub = createPostgresHub({ url: 'postgres://nobody@127.0.0.1:1/none', handle: database.handle });
    await expect(hub.ready()).rejects.toThrow();
    await hub.close();
  });

  // A server that takes the connection and never answers held the listening connection's first
  // connect (and every reconnect) for ever: pages of that process never heard another's changes.
  it('fails ready() when the database takes the connection and never answers, within connect_timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const port = (silent.address() as AddressInfo).port;
    const hub = createPostgresHub({ url: `postgres://nobody@127.0.0.1:${port}/none?connect_timeout=1`, handle: database.handle });
    try {
      await expect(hub.ready()).rejects.toThrow(`PostgreSQL at 127.0.0.1:${port} did not finish connecting within 1 s`);
    } finally {
      await hub.close();
      sockets.forEach((socket) => socket.destroy());
      await new Promise((done) => silent.close(done));
    }
  });
});
