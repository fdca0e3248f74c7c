/**
 * An open dashboard tab does not keep a session alive (issue 22 item 4): the event stream, its
 * heartbeat, the agent dashboard's refetches and the admin dashboard's feed are background traffic;
 * only a real page load, a form post or an API call is activity. Driven by the test clock.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKGROUND_REFRESH_HEADER } from '../../src/http/flash.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { findUserById } from '../../src/repositories/users.js';
import { addStaff, Client, submitViaForm, TEST_CONFIG } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { type LiveApp, SseClient, sessionCookie, startLiveApp } from './support.js';

const IDLE = TEST_CONFIG.sessionIdleMinutes;
const MINUTE = 60_000;
const HEARTBEAT_MS = 50;

for (const dialect of DIALECTS) {
  describe(`idle expiry with an open tab (${dialect})`, () => {
    let database: TestDatabase;
    let live: LiveApp;
    const clock = new FakeClock();
    let alice: number;
    const streams: SseClient[] = [];
    const db = () => live.ctx.handle.db;

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      live = await startLiveApp(database.handle, database.url, { clock, heartbeatMs: HEARTBEAT_MS });
      alice = await addStaff(live.ctx, 'alice', { capacity: 3 });
      await addStaff(live.ctx, 'boss', { role: 'admin' });
    });
    afterAll(async () => {
      for (const s of streams) s.close();
      await live.close();
      await database.drop();
    });
    beforeEach(async () => {
      await db().updateTable('tickets').set({ status: 'closed', closed_at: clock.now() }).where('status', '=', 'open').execute();
      await db().deleteFrom('sessions').execute();
      await db().updateTable('users').set({ presence: 'offline' }).execute();
    });
    afterEach(() => {
      for (const s of streams.splice(0)) s.close();
    });

    async function openTab(username: string) {
      const client = new Client(live.app);
      await client.login(username);
      const cookie = client.cookie('hd_session')!;
      const stream = new SseClient(`${live.baseUrl}/agents/events/`, sessionCookie(cookie));
      streams.push(stream);
      await stream.connected();
      return { client, cookie, stream };
    }

    /** The page's own refetch (src/public/agent-dashboard.js), or the admin feed's. */
    const backgroundGet = (url: string, cookie: string) => live.app.inject({ method: 'GET', url, cookies: { hd_session: cookie }, headers: { [BACKGROUND_REFRESH_HEADER]: '1' } });

    /** Lets the stream's heartbeat (and its session check) run a few times at the current instant. */
    async function heartbeats(stream: SseClient, n = 3) {
      const seen = stream.comments;
      await stream.until(() => stream.comments >= seen + n || stream.ended, 5000, `${n} heartbeats`);
    }

    it('logs out an agent whose tab only streams and refetches past the idle limit: offline, `event: logout`, no new tickets', async () => {
      const { cookie, stream } = await openTab('alice');
      expect((await findUserById(db(), alice))!.presence).toBe('available');
      // Eight hours and more of an open tab and nobody at it: heartbeats and refetches continue.
      for (let waited = 0; waited <= IDLE && !stream.ended; waited += 60) {
        clock.advance(60 * MINUTE);
        await heartbeats(stream);
        if (!stream.ended) await backgroundGet('/agents/dashboard/', cookie);
      }
      await stream.until(() => stream.events.some((e) => e.event === 'logout'), 2000, 'event: logout');
      await stream.until(() => stream.ended, 2000, 'the end of the stream');
      expect((await findUserById(db(), alice))!.presence).toBe('offline');
      const refetch = await backgroundGet('/agents/dashboard/', cookie);
      expect(refetch.statusCode).toBe(303);
      expect(String(refetch.headers.location)).toMatch(/^\/agents\/login\//);
      const ticket = await findTicketByToken(db(), await submitViaForm(new Client(live.app)));
      expect(ticket!.agent_id).toBeNull();
    });

    it('keeps the session of an agent who loads a page within the limit, and ends it a full limit after that load', async () => {
      const { client, cookie, stream } = await openTab('alice');
      // 100 + (IDLE - 80) + 81 minutes in all: within SESSION_MAX_HOURS (12 h from the sign-in), so
      // only the idle limit is at work here (test/http/session-lifetime.test.ts has the other).
      clock.advance(100 * MINUTE);
      await heartbeats(stream);
      expect((await client.get('/agents/dashboard/')).statusCode).toBe(200);
      // Past the limit counted from the login, within it counted from the page load.
      clock.advance((IDLE - 80) * MINUTE);
      await heartbeats(stream);
      expect((await backgroundGet('/agents/dashboard/', cookie)).statusCode).toBe(200);
      expect(stream.events.some((e) => e.event === 'logout')).toBe(false);
      expect((await findUserById(db(), alice))!.presence).toBe('available');
      clock.advance(81 * MINUTE);
      await stream.until(() => stream.events.some((e) => e.event === 'logout'), 5000, 'event: logout');
      expect((await findUserById(db(), alice))!.presence).toBe('offline');
    });

    it('counts a form post as activity', async () => {
      const { client, stream } = await openTab('alice');
      clock.advance((IDLE - 10) * MINUTE);
      expect((await client.submit('/agents/dashboard/', { status: 'available' }, '/agents/availability/')).statusCode).toBe(303);
      clock.advance(20 * MINUTE);
      await heartbeats(stream);
      expect(stream.events.some((e) => e.event === 'logout')).toBe(false);
      expect((await findUserById(db(), alice))!.presence).toBe('available');
    });

    it("ends an admin's session whose dashboard only polls its feed", async () => {
      const admin = new Client(live.app);
      await admin.login('boss');
      const page = await admin.get('/adminapp/dashboard/');
      const feed = /data-feed="([^"]+)"/.exec(page.body)![1]!.replaceAll('&amp;', '&');
      const cookie = admin.cookie('hd_session')!;
      for (let waited = 0; waited < IDLE; waited += 60) {
        clock.advance(60 * MINUTE);
        expect((await backgroundGet(feed, cookie)).statusCode).toBe(200);
      }
      clock.advance(60 * MINUTE);
      expect((await backgroundGet(feed, cookie)).statusCode).toBe(303);
    });
  });
}

describe('the page scripts mark their background fetches', () => {
  const fetchesOf = (file: string) => readFileSync(new URL(`../../src/public/${file}`, import.meta.url), 'utf8').match(/fetch\([^)]*\)/g) ?? [];

  // live-page.js refetches for the agent dashboard and the staff ticket page.
  it.each(['live-page.js', 'admin-dashboard.js', 'ticket-status.js'])('%s sends the background header with every fetch', (file) => {
    const fetches = fetchesOf(file);
    expect(fetches.length).toBeGreaterThan(0);
    for (const call of fetches) expect(call).toContain(`'${BACKGROUND_REFRESH_HEADER}': '1'`);
  });

  it('so does every other page script', () => {
    const scripts = readdirSync(new URL('../../src/public/', import.meta.url)).filter((file) => file.endsWith('.js'));
    expect(scripts).toEqual(expect.arrayContaining(['agent-dashboard.js', 'ticket-page.js']));
    for (const file of scripts) for (const call of fetchesOf(file)) expect([file, call]).toEqual([file, expect.stringContaining(`'${BACKGROUND_REFRESH_HEADER}': '1'`)]);
  });
});
