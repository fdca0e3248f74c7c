/**
 * A session's absolute lifetime (SESSION_MAX_HOURS, OWASP ASVS 3.3.2): a session in use all the
 * time still ends that long after its sign-in, on the next request (sent to log in again, with
 * `next`) and by the expiry job, and its agent goes offline as after an idle expiry (R5). The limit
 * is read from the session's row, so every process sharing the database keeps it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { findUserById } from '../../src/repositories/users.js';
import { expireIdleSessions } from '../../src/services/auth.js';
import { addStaff, Client, startTestApp, TEST_CONFIG, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { resetPresence } from '../support/presence.js';

const IDLE = 60;
const MAX_HOURS = 12;
const MINUTE = 60_000;

for (const dialect of DIALECTS) {
  describe(`a session's absolute lifetime (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock();
    let alice: number;
    const db = () => t.ctx.handle.db;
    const presenceOf = async (id: number) => (await findUserById(db(), id))!.presence;
    const sessionsOf = async (id: number) => (await db().selectFrom('sessions').select('id').where('user_id', '=', id).execute()).length;

    /** Keeps `browser` busy (a page every 30 minutes) for `minutes`. */
    async function workFor(browser: Client, minutes: number) {
      for (let done = 0; done < minutes; done += 30) {
        clock.advance(30 * MINUTE);
        expect((await browser.get('/agents/dashboard/')).statusCode).toBe(200);
      }
    }

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock, config: { sessionIdleMinutes: IDLE, sessionMaxHours: MAX_HOURS } });
      alice = await addStaff(t.ctx, 'alice', { capacity: 2 });
    });
    afterAll(() => t.close());
    beforeEach(async () => {
      await resetPresence(db(), clock.now());
    });

    it('ends a session in use all along at its lifetime: the next page sends to the login with next, and the agent goes offline', async () => {
      const browser = new Client(t.app);
      await browser.login('alice');
      await workFor(browser, MAX_HOURS * 60 - 30);
      clock.advance(29 * MINUTE);
      expect((await browser.get('/agents/account/')).statusCode).toBe(200);
      clock.advance(2 * MINUTE);
      const after = await browser.get('/agents/account/');
      expect(after.statusCode).toBe(303);
      expect(after.headers.location).toBe(`/agents/login/?next=${encodeURIComponent('/agents/account/')}`);
      expect(await sessionsOf(alice)).toBe(0);
      expect(await presenceOf(alice)).toBe('offline');
    });

    it('is ended by the expiry job too, its agent offline, while a newer session of the same agent stays', async () => {
      const old = new Client(t.app);
      await old.login('alice');
      await workFor(old, MAX_HOURS * 60);
      clock.advance(MINUTE);
      expect(await expireIdleSessions(t.ctx, IDLE)).toEqual({ sessionsEnded: 1, agentsOffline: 1 });
      expect(await presenceOf(alice)).toBe('offline');

      const a = new Client(t.app);
      await a.login('alice');
      await workFor(a, MAX_HOURS * 60 - 30);
      const b = new Client(t.app);
      await b.login('alice');
      clock.advance(20 * MINUTE);
      expect((await a.get('/agents/dashboard/')).statusCode).toBe(200);
      clock.advance(20 * MINUTE);
      expect(await expireIdleSessions(t.ctx, IDLE)).toEqual({ sessionsEnded: 1, agentsOffline: 0 });
      expect(await presenceOf(alice)).toBe('available');
      expect((await b.get('/agents/dashboard/')).statusCode).toBe(200);
    });

    it('is kept by another process on the same database (the limit is in the row, not in memory)', async () => {
      const other = await buildApp({ handle: t.ctx.handle, clock, config: { ...TEST_CONFIG, sessionIdleMinutes: IDLE, sessionMaxHours: MAX_HOURS } });
      try {
        const browser = new Client(t.app);
        await browser.login('alice');
        const cookie = browser.cookie('hd_session')!;
        await workFor(browser, MAX_HOURS * 60 - 30);
        clock.advance(31 * MINUTE);
        const there = await other.app.inject({ method: 'GET', url: '/agents/dashboard/', cookies: { hd_session: cookie } });
        expect(there.statusCode).toBe(303);
        expect(await sessionsOf(alice)).toBe(0);
      } finally {
        await other.app.close();
      }
    });

    it('defaults to 12 hours when unset', async () => {
      const other = await buildApp({ handle: t.ctx.handle, clock, config: { ...TEST_CONFIG, sessionIdleMinutes: IDLE } });
      try {
        const browser = new Client(other.app);
        await browser.login('alice');
        await workFor(browser, 12 * 60 - 30);
        clock.advance(31 * MINUTE);
        expect((await browser.get('/agents/dashboard/')).statusCode).toBe(303);
      } finally {
        await other.app.close();
      }
    });
  });
}
