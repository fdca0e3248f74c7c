/**
 * §9 "Collision": staff who have the same ticket open see each other's names, live, over the live
 * stream (`GET /agents/events/?ticket=<id>`): in one process on both engines, and across real
 * server processes on PostgreSQL, where a killed process's viewers vanish when their announcements
 * expire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/core/viewers.js';
import type { LiveEvent } from '../../src/live/hub.js';
import { createPostgresHub, envelopes, parseLiveEvent } from '../../src/live/postgresHub.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import type { ServiceContext } from '../../src/services/context.js';
import { postCustomerMessage } from '../../src/services/conversation.js';
import { addStaff, Client, submitViaForm } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { HttpClient } from '../support/load.js';
import { type ServerProcess, spawnServer } from '../support/process.js';
import { type LiveApp, SseClient, sessionCookie, startLiveApp } from './support.js';

const EVENTS = '/agents/events/';

/** The names in the latest `viewers` event of a stream (undefined before the first). */
function viewerNames(stream: SseClient): string[] | undefined {
  return stream.data<{ ticketId: number; viewers: Viewer[] }>('viewers').at(-1)?.viewers.map((v) => v.name);
}

/** Waits until the stream's latest list of other viewers is `names`. */
function untilViewers(stream: SseClient, names: string[], timeoutMs = 3000): Promise<void> {
  return stream.until(() => JSON.stringify(viewerNames(stream)) === JSON.stringify(names), timeoutMs, `viewers ${JSON.stringify(names)}`);
}

for (const dialect of DIALECTS) {
  describe(`who else has a ticket open, in one process (${dialect})`, () => {
    let database: TestDatabase;
    let live: LiveApp;
    let alice: number;
    const clients = new Map<string, Client>();
    const streams: SseClient[] = [];
    /** Alice's ticket, Bob's, and one waiting in the queue (both agents are full). */
    let mine: number;
    let pending: { id: number; token: string };

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      // Heartbeats (and so expiry, two of them) slower than any wait below: whatever vanishes here
      // was taken away by its page's leave, not by expiry.
      live = await startLiveApp(database.handle, database.url, { heartbeatMs: 5000 });
      alice = await addStaff(live.ctx, 'alice', { capacity: 1 });
      const bob = await addStaff(live.ctx, 'bob', { capacity: 1 });
      await addStaff(live.ctx, 'boss', { role: 'admin', displayName: 'The Boss' });
      for (const name of ['alice', 'bob', 'boss']) {
        const client = new Client(live.app);
        expect((await client.login(name)).statusCode).toBe(303);
        clients.set(name, client);
      }
      const customer = new Client(live.app);
      const first = (await findTicketByToken(live.ctx.handle.db, await submitViaForm(customer, { title: 'For Alice' })))!;
      const second = (await findTicketByToken(live.ctx.handle.db, await submitViaForm(customer, { title: 'For Bob' })))!;
      const token = await submitViaForm(customer, { title: 'Waits' });
      const third = (await findTicketByToken(live.ctx.handle.db, token))!;
      expect([first.agent_id, second.agent_id, third.agent_id]).toEqual([alice, bob, null]);
      mine = first.id;
      pending = { id: third.id, token };
    });
    afterAll(async () => {
      for (const s of streams) s.close();
      await live.close();
      await database.drop();
    });

    async function open(username: string, query = ''): Promise<SseClient> {
      const stream = new SseClient(live.baseUrl + EVENTS + query, sessionCookie(clients.get(username)!.cookie('hd_session')));
      streams.push(stream);
      await stream.connected();
      return stream;
    }

    it('shows two staff on one ticket each other’s name, and takes it away when a page closes', async () => {
      const plain = await open('alice');
      const aliceTab = await open('alice', `?ticket=${mine}`);
      expect(aliceTab.status).toBe(200);
      // Alone at first: an empty list straight away, so the page knows it is listening.
      await untilViewers(aliceTab, []);
      expect(aliceTab.data('viewers')).toEqual([{ ticketId: mine, viewers: [] }]);

      const boss = await open('boss', `?ticket=${mine}`);
      await untilViewers(boss, ['Alice']);
      expect(boss.data('viewers')).toEqual([{ ticketId: mine, viewers: [{ userId: alice, name: 'Alice' }] }]);
      await untilViewers(aliceTab, ['The Boss']);

      // A second tab of Alice's: still one Alice for the admin; closing it keeps her listed.
      const secondTab = await open('alice', `?ticket=${mine}`);
      await untilViewers(secondTab, ['The Boss']);
      secondTab.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(boss.data('viewers')).toHaveLength(1);

      // The admin closes the page: Alice's list empties at once (a leave, not an expiry: that comes
      // a heartbeat after the last announcement at the soonest, 5 s here). 400 ms was missed by a
      // loaded machine; 3 s still tells the two apart.
      const closedAt = Date.now();
      boss.close();
      await untilViewers(aliceTab, [], 3000);
      expect(Date.now() - closedAt).toBeLessThan(3000);
      // The dashboard's stream, which names no ticket, hears nothing of who views what.
      expect(plain.events.map((e) => e.event)).not.toContain('viewers');
      expect(plain.events.map((e) => e.event)).not.toContain('viewing');
      expect(live.errors).toEqual([]);
    });

    it('lets nobody watch a ticket they may not see, or a ticket that is not one', async () => {
      // Bob may not see Alice's ticket; unknown and malformed ids are refused too, before any event.
      for (const [username, query, status] of [
        ['bob', `?ticket=${mine}`, 404],
        ['bob', '?ticket=999999', 404],
        ['bob', '?ticket=abc', 400],
        ['bob', '?ticket=0', 400],
        ['bob', '?ticket=', 400],
        ['bob', `?ticket=${mine}&ticket=${pending.id}`, 400],
      ] as const) {
        const stream = new SseClient(live.baseUrl + EVENTS + query, sessionCookie(clients.get(username)!.cookie('hd_session')));
        streams.push(stream);
        await stream.until(() => stream.ended, 3000, `the refusal of ${query}`);
        expect([query, stream.status]).toEqual([query, status]);
        expect(stream.events).toEqual([]);
      }
      const anonymous = new SseClient(`${live.baseUrl}${EVENTS}?ticket=${mine}`);
      streams.push(anonymous);
      await anonymous.until(() => anonymous.ended, 3000, 'the refusal');
      expect(anonymous.status).toBe(401);
      // Alice, watching her ticket, never heard of Bob's attempts.
      const aliceTab = await open('alice', `?ticket=${mine}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(viewerNames(aliceTab)).toEqual([]);
    });

    it('tells agents watching a pending ticket of its messages, and drops the one who loses it', async () => {
      const aliceOnPending = await open('alice', `?ticket=${pending.id}`);
      const bobOnPending = await open('bob', `?ticket=${pending.id}`);
      await untilViewers(aliceOnPending, ['Bob']);
      await untilViewers(bobOnPending, ['Alice']);

      // The customer writes on the pending ticket: neither holds it, both watching hear of it.
      await postCustomerMessage(live.ctx, pending.token, { body: 'Anyone there?', channel: 'web' });
      const message = { ticketId: pending.id, type: 'message', fromAgentId: null, toAgentId: null };
      await aliceOnPending.until(() => aliceOnPending.data('ticket').some((e) => e.type === 'message'), 1000, 'the message');
      await bobOnPending.until(() => bobOnPending.data('ticket').some((e) => e.type === 'message'), 1000, 'the message');
      expect(bobOnPending.data('ticket')).toEqual([message]);

      // Alice closes her own ticket and the pending one comes to her (R4): Bob may no longer see it,
      // so he leaves the board (an empty list for him) and Alice no longer sees him, at once (the
      // change itself makes his stream check again; no heartbeat falls in this wait).
      const closed = await clients.get('alice')!.submit('/agents/dashboard/', {}, `/agents/tickets/${mine}/close/`);
      expect(closed.statusCode).toBe(303);
      await untilViewers(bobOnPending, [], 1000);
      await untilViewers(aliceOnPending, [], 1000);
      // From now on Bob's stream hears nothing of that ticket; Alice's does (it is hers).
      const heardByBob = bobOnPending.data('ticket').length;
      await postCustomerMessage(live.ctx, pending.token, { body: 'Hello?', channel: 'web' });
      await aliceOnPending.until(() => aliceOnPending.data('ticket').filter((e) => e.type === 'message').length === 2, 1000, 'the second message');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(bobOnPending.data('ticket')).toHaveLength(heardByBob);
      expect(bobOnPending.data('viewers').at(-1)).toEqual({ ticketId: pending.id, viewers: [] });
      expect(bobOnPending.ended).toBe(false);
      expect(live.errors).toEqual([]);
    });
  });
}

describe('viewing announcements between processes', () => {
  const viewing = { kind: 'viewing', stream: 'f1c1a4c2-7d6c-4f7b-9a51-0d5f7f0c0c11', ticketId: 7, userId: 2, name: 'Ben', ttlMs: 30_000 } as const;

  it('accepts only well-formed ones from the channel', () => {
    expect(parseLiveEvent(viewing)).toEqual(viewing);
    expect(parseLiveEvent({ ...viewing, ttlMs: 0 })).toEqual({ ...viewing, ttlMs: 0 });
    for (const bad of [
      { ...viewing, stream: '' },
      { ...viewing, stream: 's'.repeat(65) },
      { ...viewing, stream: 7 },
      { ...viewing, ticketId: '7' },
      { ...viewing, userId: null },
      { ...viewing, name: '' },
      { ...viewing, name: 'n'.repeat(201) },
      { ...viewing, ttlMs: -1 },
      { ...viewing, ttlMs: 1.5 },
      { ...viewing, ttlMs: 24 * 3600_000 },
    ]) {
      expect(parseLiveEvent(bad), JSON.stringify(bad).slice(0, 120)).toBeNull();
    }
  });

  it('fits the largest one, and many together, under the 8000-byte limit of pg_notify', () => {
    // A display name of 100 characters is the longest allowed; control characters take 6 bytes in JSON.
    const largest: LiveEvent = { ...viewing, name: '\u0001'.repeat(100), ticketId: 2_147_483_647, userId: 2_147_483_647 };
    const [alone] = envelopes('f1c1a4c2-7d6c-4f7b-9a51-0d5f7f0c0c12', [largest]);
    expect(Buffer.byteLength(alone!)).toBeLessThan(1000);
    const many = Array.from({ length: 100 }, (_, i): LiveEvent => ({ ...largest, stream: `stream-${i}`, name: '🙂'.repeat(50) }));
    const payloads = envelopes('origin', many);
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    expect(payloads.flatMap((p) => (JSON.parse(p) as { e: LiveEvent[] }).e)).toEqual(many);
  });

  it('carries them through PostgreSQL to another hub', async () => {
    const database = await freshDatabase('postgres');
    const a = createPostgresHub({ url: database.url, handle: database.handle });
    const b = createPostgresHub({ url: database.url, handle: database.handle });
    try {
      await Promise.all([a.ready(), b.ready()]);
      const heard: LiveEvent[] = [];
      b.subscribe((event) => heard.push(event));
      const { kind: _kind, ...announcement } = viewing;
      a.publishViewing([announcement, { ...announcement, ttlMs: 0 }]);
      const deadline = Date.now() + 3000;
      while (heard.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(heard).toEqual([viewing, { ...viewing, ttlMs: 0 }]);
    } finally {
      await a.close();
      await b.close();
      await database.drop();
    }
  });
});

describe('two instances on one PostgreSQL database, heartbeats far away', () => {
  it('tells a page opened on B of the viewers already on A at once, and A of it', async () => {
    const database = await freshDatabase('postgres');
    const a = await startLiveApp(database.handle, database.url, { heartbeatMs: 60_000 });
    let b: LiveApp | undefined;
    const streams: SseClient[] = [];
    try {
      await addStaff(a.ctx, 'boss', { role: 'admin', displayName: 'The Boss' });
      await addStaff(a.ctx, 'carol', { role: 'admin' });
      const ticket = await intakeTicket(a.ctx, { name: 'Carla', email: 'carla@example.com', title: 'Early', description: 'Bird', priority: 'low' });
      const watch = async (live: LiveApp, username: string) => {
        const client = new Client(live.app);
        await client.login(username);
        const stream = new SseClient(`${live.baseUrl}${EVENTS}?ticket=${ticket.id}`, sessionCookie(client.cookie('hd_session')));
        streams.push(stream);
        await stream.connected();
        return stream;
      };
      const bossOnA = await watch(a, 'boss');
      await untilViewers(bossOnA, []);
      // B starts after the admin's page announced itself (a process started or restarted while
      // pages are open elsewhere), and no heartbeat falls in this test: A answers B's announcement
      // with its own viewers.
      b = await startLiveApp(database.handle, database.url, { heartbeatMs: 60_000 });
      const carolOnB = await watch(b, 'carol');
      await untilViewers(carolOnB, ['The Boss'], 2000);
      await untilViewers(bossOnA, ['Carol'], 2000);
      expect([...a.errors, ...b.errors]).toEqual([]);
    } finally {
      for (const s of streams) s.close();
      await a.close();
      await b?.close();
      await database.drop();
    }
  });
});

describe('who else has a ticket open, across two server processes on PostgreSQL', () => {
  let database: TestDatabase;
  const servers: ServerProcess[] = [];
  const streams: SseClient[] = [];
  beforeAll(async () => {
    database = await freshDatabase('postgres');
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    for (const server of servers) await server.kill('SIGKILL');
    await database.drop();
  });

  async function loggedIn(server: ServerProcess, username: string): Promise<string> {
    const client = new HttpClient(server.url);
    const login = await client.request('POST', '/agents/login/', { form: { username, password: 'password123', _csrf: await client.csrf('/agents/login/') } });
    expect(login.status).toBe(303);
    return sessionCookie(client.cookie('hd_session'));
  }

  it('shows a viewer on process A on process B’s stream, and forgets it within two heartbeats of A dying', async () => {
    const ctx: ServiceContext = { handle: database.handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' };
    await addStaff(ctx, 'bob');
    await addStaff(ctx, 'boss', { role: 'admin', displayName: 'The Boss' });
    await addStaff(ctx, 'carol', { role: 'admin' });
    // Nobody is logged in yet: the ticket waits in the queue, where every agent may see it (Bob's
    // login may pull it to him: then it is his, and he still may).
    const ticket = await intakeTicket(ctx, { name: 'Carla', email: 'carla@example.com', title: 'Two of you?', description: 'Who answers?', priority: 'medium' });
    expect(ticket.agent_id).toBeNull();
    const env = { DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password', RATE_LIMIT: 'off', LIVE_HEARTBEAT_SECONDS: '1' };
    const [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
    servers.push(a!, b!);
    const watch = async (server: ServerProcess, username: string) => {
      const stream = new SseClient(`${server.url}${EVENTS}?ticket=${ticket.id}`, await loggedIn(server, username));
      streams.push(stream);
      await stream.connected();
      expect(stream.status).toBe(200);
      return stream;
    };

    // The admin watches through B, then Bob through A. Each hears of the other through PostgreSQL:
    // the admin as soon as A announces Bob, Bob at once too (B announces its own viewers when it
    // hears of a new one, instead of at its next heartbeat).
    const bossOnB = await watch(b!, 'boss');
    await untilViewers(bossOnB, []);
    const bobOnA = await watch(a!, 'bob');
    await untilViewers(bossOnB, ['Bob']);
    await untilViewers(bobOnA, ['The Boss']);

    // A second viewer on A closes its page: the leave crosses at once, well before any expiry.
    const carolOnA = await watch(a!, 'carol');
    await untilViewers(bossOnB, ['Bob', 'Carol']);
    await untilViewers(bobOnA, ['Carol', 'The Boss']);
    const closedAt = Date.now();
    carolOnA.close();
    await untilViewers(bossOnB, ['Bob']);
    // An expiry would take a heartbeat at least (the last announcement holds two).
    expect(Date.now() - closedAt).toBeLessThan(800);

    // Process A dies without a word: Bob stays listed until his last announcement expires (two
    // heartbeats), then vanishes from the admin's page on B.
    const killedAt = Date.now();
    await a!.kill('SIGKILL');
    await untilViewers(bossOnB, [], 10_000);
    const gone = Date.now() - killedAt;
    expect(gone).toBeLessThan(3_500);
    expect(bossOnB.ended).toBe(false);
    expect(b!.output()).not.toMatch(/change hub problem/);
    // Starting two server processes (tsx) can take a while on a busy machine.
  }, 180_000);
});
