/**
 * Auto-away with two real server processes on one database (issue 23 item 2): the agent's page
 * (its live stream) is open on process A while both processes run the presence job. Process B
 * cannot see A's connections, only A's stamps: the agent must stay available. Once the page closes
 * and the limit (AUTO_AWAY_MINUTES=0.05, 3 s) passes, the agent goes away exactly once: one
 * presence event, one release of its ticket (release_on_logout).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/services/context.js';
import { SseClient, sessionCookie } from '../live/support.js';
import { addStaff } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { type BlankDatabase, blankDatabase, HttpClient, sleep } from '../support/load.js';
import { type ServerProcess, spawnServer } from '../support/process.js';

const LIMIT_MS = 3_000;

async function login(baseUrl: string, username: string, password: string): Promise<HttpClient> {
  const client = new HttpClient(baseUrl);
  const csrf = await client.csrf('/agents/login/');
  const answer = await client.request('POST', '/agents/login/', { form: { username, password, _csrf: csrf } });
  if (answer.status !== 303) throw new Error(`login of ${username} answered ${answer.status}`);
  return client;
}

for (const dialect of DIALECTS) {
  describe(`auto-away with 2 server processes on one ${dialect} database`, () => {
    let database: BlankDatabase;
    let a: ServerProcess;
    let b: ServerProcess;
    const streams: SseClient[] = [];

    beforeAll(async () => {
      database = await blankDatabase(dialect);
      const env = { DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password', RATE_LIMIT: 'off', AUTO_AWAY_MINUTES: String(LIMIT_MS / 60_000) };
      [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
    });
    afterAll(async () => {
      for (const s of streams) s.close();
      await Promise.all([a, b].map((s) => s.kill('SIGTERM')));
      await database.drop();
    });

    it('keeps the agent available while its page is open on A, then sets it away once after the page closes', async () => {
      const handle = database.open();
      const { db } = handle;
      const alice = await addStaff({ handle, clock: systemClock, publicUrl: 'http://helpdesk.test' }, 'alice');
      await db.updateTable('settings').set({ release_on_logout: 1 }).execute();
      const presence = async () => (await db.selectFrom('users').select('presence').where('id', '=', alice).executeTakeFirstOrThrow()).presence;

      // The admin watches presence on both processes (on SQLite each hears only its own changes).
      const admin = await login(b.url, 'admin', 'admin-password');
      for (const server of [a, b]) streams.push(new SseClient(`${server.url}/agents/events/`, sessionCookie(admin.cookie('hd_session'))));
      const adminStreams = streams.slice();
      await Promise.all(adminStreams.map((s) => s.connected()));

      const browser = await login(a.url, 'alice', 'password123');
      const page = new SseClient(`${a.url}/agents/events/`, sessionCookie(browser.cookie('hd_session')));
      streams.push(page);
      await page.connected();
      expect(await presence()).toBe('available');
      const ticket = await fetch(`${b.url}/api/v1/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Carla', email: 'carla@example.com', title: 'Printer on fire', description: 'Help.', priority: 'high' }),
      });
      expect(ticket.status).toBe(201);
      const ticketId = (await db.selectFrom('tickets').select('id').executeTakeFirstOrThrow()).id;
      expect((await db.selectFrom('tickets').select('agent_id').where('id', '=', ticketId).executeTakeFirstOrThrow()).agent_id).toBe(alice);

      // Three limits with the page open on A and no activity: both jobs ran many times.
      await sleep(3 * LIMIT_MS);
      expect(await presence()).toBe('available');
      expect(page.ended).toBe(false);

      page.close();
      const closedAt = Date.now();
      await sleep(LIMIT_MS / 2);
      expect(await presence()).toBe('available');
      const deadline = closedAt + LIMIT_MS + 5_000;
      while ((await presence()) !== 'away' && Date.now() < deadline) await sleep(100);
      expect(await presence()).toBe('away');
      expect(Date.now() - closedAt).toBeGreaterThanOrEqual(LIMIT_MS - 1_000);

      // Time for any second (wrong) change to happen and be heard.
      await sleep(2 * LIMIT_MS);
      expect(await presence()).toBe('away');
      const awayHeard = adminStreams.map((s) => s.data<{ agentId: number; presence: string }>('presence').filter((p) => p.agentId === alice && p.presence === 'away').length);
      // PostgreSQL: every stream hears every process's change once; SQLite: only the maker's.
      if (dialect === 'postgres') expect(awayHeard).toEqual([1, 1]);
      else expect(awayHeard[0]! + awayHeard[1]!).toBe(1);
      const events = await db.selectFrom('ticket_events').select('type').where('ticket_id', '=', ticketId).orderBy('id').execute();
      expect(events.map((e) => e.type)).toEqual(['created', 'requeued']);
      expect((await db.selectFrom('users').select('auto_away_at').where('id', '=', alice).executeTakeFirstOrThrow()).auto_away_at).not.toBeNull();
    });
  });
}
