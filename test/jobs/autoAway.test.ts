/**
 * Auto-away (issue 23 item 2, R5) on real SQLite and PostgreSQL databases, with a fake clock: an
 * available agent with no page open anywhere and no API call for the limit goes away once, through
 * the same presence change as the Away button (event, release_on_logout); a page open here (its
 * live stream), a page stamped open by another process, a background refresh, a page view and an
 * API call each keep it available; coming back never makes it available by itself.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import type { Presence } from '../../src/core/routing.js';
import { saveSettings } from '../../src/repositories/settings.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { findUserById } from '../../src/repositories/users.js';
import { recordLags } from '../../src/core/autoAway.js';
import { autoAwayIdle } from '../../src/services/autoAway.js';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { sessionCookie, SseClient } from '../live/support.js';
import { addStaff, Client, csrfFrom, listenOnFreePort, startTestApp, submitViaForm, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { resetPresence } from '../support/presence.js';
import { DIALECTS } from '../support/db.js';

const LIMIT = 5;
const MINUTE = 60_000;
const NOBODY = new Set<number>();

for (const dialect of DIALECTS) {
  describe(`auto-away (${dialect})`, () => {
    let t: TestApp;
    let baseUrl: string;
    const clock = new FakeClock();
    let alice: number;
    let bob: number;
    const heard: { agentId: number; presence: Presence }[] = [];
    const db = () => t.ctx.handle.db;
    const presenceOf = async (id: number) => (await findUserById(db(), id))!.presence;
    /** One run of the job as another process would make it: no page of anyone open there. */
    const runElsewhere = () => autoAwayIdle(t.ctx, LIMIT, NOBODY);
    /** One run of the job in this app's process, which knows its own open streams. */
    const runHere = () => autoAwayIdle(t.ctx, LIMIT, t.openPages.here());

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock, config: { autoAwayMinutes: LIMIT } });
      // The tests stamp by hand (flush) at fake instants; the real timer would stamp at random ones.
      await t.openPages.stop();
      baseUrl = await listenOnFreePort(t);
      alice = await addStaff(t.ctx, 'alice', { capacity: 2 });
      bob = await addStaff(t.ctx, 'bob', { capacity: 2 });
      const announce = t.ctx.onPresence!;
      t.ctx.onPresence = (agentId, presence) => {
        heard.push({ agentId, presence });
        announce(agentId, presence);
      };
    });
    afterAll(() => t.close());
    beforeEach(async () => {
      await resetPresence(db(), clock.now());
      heard.length = 0;
    });

    it('sets away, once, an agent whose page closed without logging out, counted from its last page view', async () => {
      const browser = new Client(t.app);
      await browser.login('alice');
      clock.advance(2 * MINUTE);
      expect((await browser.get('/agents/dashboard/')).statusCode).toBe(200);
      clock.advance(LIMIT * MINUTE);
      // Exactly the limit after the last page view: still in time.
      expect(await runElsewhere()).toEqual([]);
      expect(await presenceOf(alice)).toBe('available');
      clock.advance(1);
      expect(await runElsewhere()).toEqual([alice]);
      expect(await presenceOf(alice)).toBe('away');
      expect(heard).toEqual([
        { agentId: alice, presence: 'available' },
        { agentId: alice, presence: 'away' },
      ]);
      // A second run (another process) finds nobody: no second event.
      expect(await runElsewhere()).toEqual([]);
      expect(heard).toHaveLength(2);
      // The session itself lives on (SESSION_IDLE_MINUTES is far off): the agent is away, not offline.
      expect((await browser.get('/agents/dashboard/')).statusCode).toBe(200);
    });

    it('keeps available an agent whose page is open in this process, and sets it away the limit after the page closes', async () => {
      const browser = new Client(t.app);
      await browser.login('alice');
      const stream = new SseClient(`${baseUrl}/agents/events/`, sessionCookie(browser.cookie('hd_session')));
      await stream.connected();
      clock.advance(60 * MINUTE);
      expect(await runHere()).toEqual([]);
      expect(await presenceOf(alice)).toBe('available');
      stream.close();
      await waitFor(() => !t.openPages.here().has(alice));
      // The close is stamped as the last sign of life.
      await t.openPages.flush();
      clock.advance(LIMIT * MINUTE);
      expect(await runHere()).toEqual([]);
      clock.advance(1);
      expect(await runHere()).toEqual([alice]);
    });

    it('keeps available an agent whose page another process stamps open, and not once the stamps stop', async () => {
      const browser = new Client(t.app);
      await browser.login('alice');
      const stream = new SseClient(`${baseUrl}/agents/events/`, sessionCookie(browser.cookie('hd_session')));
      await stream.connected();
      // This app plays "process A" (it stamps); runElsewhere plays "process B" (no stream there).
      for (let i = 0; i < 20; i += 1) {
        clock.advance(30_000);
        await t.openPages.flush();
        expect(await runElsewhere()).toEqual([]);
      }
      expect(await presenceOf(alice)).toBe('available');
      // Process A crashes: no more stamps, and process B sets the agent away the limit after the last.
      stream.close();
      clock.advance(LIMIT * MINUTE + 1);
      expect(await runElsewhere()).toEqual([alice]);
    });

    it("counts a page's background refresh (no stream: polling) as an open page, not as activity", async () => {
      const browser = new Client(t.app);
      await browser.login('alice');
      const sessionSeen = async () => (await db().selectFrom('sessions').select('last_seen_at').executeTakeFirstOrThrow()).last_seen_at;
      const before = await sessionSeen();
      for (let i = 0; i < 10; i += 1) {
        clock.advance(MINUTE);
        const refresh = await browser.request({ method: 'GET', url: '/agents/dashboard/', headers: { 'x-helpdesk-refresh': '1' } });
        expect(refresh.statusCode).toBe(200);
        await t.openPages.flush();
        expect(await runElsewhere()).toEqual([]);
      }
      expect(await sessionSeen()).toBe(before);
      clock.advance(LIMIT * MINUTE + 1);
      expect(await runElsewhere()).toEqual([alice]);
    });

    it('keeps an API-only agent available while it calls the API, and sets it away the limit after its last call', async () => {
      const { token } = await createApiToken(t.ctx, bob, 'dispatcher');
      const api = new ApiClient(t.app, token);
      expect((await api.put('/api/v1/agents/me/presence', { status: 'available' })).status).toBe(200);
      for (let i = 0; i < 6; i += 1) {
        clock.advance(4 * MINUTE);
        expect((await api.get('/api/v1/tickets')).status).toBe(200);
        expect(await runElsewhere()).toEqual([]);
      }
      clock.advance(LIMIT * MINUTE + 1);
      expect(await runElsewhere()).toEqual([bob]);
      expect(await presenceOf(bob)).toBe('away');
      // The API sees the same presence; setting available again is the agent's choice.
      expect((await api.put('/api/v1/agents/me/presence', { status: 'available' })).status).toBe(200);
      expect(await presenceOf(bob)).toBe('available');
      expect((await findUserById(db(), bob))!.auto_away_at).toBeNull();
    });

    it('counts a recorded API call with the lag of its record: a script calling every 20 s never goes away early', async () => {
      // An API call is recorded only when its record is older than 30 s (a tenth of the 5-minute
      // limit), so the record may be up to 30 s behind; the job counts it so (jobs/presenceExpiry.ts).
      const lags = recordLags(480, t.ctx.apiPresenceMinutes, t.ctx.autoAwayMinutes);
      expect(lags.tokenMs).toBe(30_000);
      const run = () => autoAwayIdle(t.ctx, LIMIT, NOBODY, lags);
      clock.advance(60 * MINUTE);
      const { token } = await createApiToken(t.ctx, bob, 'keep-alive script');
      const api = new ApiClient(t.app, token);
      expect((await api.put('/api/v1/agents/me/presence', { status: 'available' })).status).toBe(200);
      // Calls every 20 s: recorded at 0, 40, 80 and 120 s; the last one, at 140 s, is not.
      for (let i = 0; i < 7; i += 1) {
        clock.advance(20_000);
        expect((await api.get('/api/v1/tickets')).status).toBe(200);
      }
      // A second before the limit after the last call: in time (counted from the record, 20 s
      // older, it was set away 19 s early).
      clock.advance(LIMIT * MINUTE - 1_000);
      expect(await run()).toEqual([]);
      expect(await presenceOf(bob)).toBe('available');
      // At most one lag after the limit: away.
      clock.advance(11_001);
      expect(await run()).toEqual([bob]);
    });

    it('releases the tickets of an auto-away agent when release_on_logout is on, and new tickets do not go to it', async () => {
      await saveSettings(db(), { ...DEFAULT_SETTINGS, releaseOnLogout: true });
      const alicesBrowser = new Client(t.app);
      await alicesBrowser.login('alice');
      const held = await submitViaForm(new Client(t.app));
      expect((await findTicketByToken(db(), held))!.agent_id).toBe(alice);
      clock.advance(LIMIT * MINUTE + 1);
      expect(await runHere()).toEqual([alice]);
      expect((await findTicketByToken(db(), held))!.agent_id).toBeNull();
      const events = await db().selectFrom('ticket_events as e').innerJoin('tickets as k', 'k.id', 'e.ticket_id').select('e.type').where('k.token', '=', held).orderBy('e.id').execute();
      expect(events.map((e) => e.type)).toEqual(['created', 'requeued']);
      const fresh = await submitViaForm(new Client(t.app));
      expect((await findTicketByToken(db(), fresh))!.agent_id).toBeNull();
      // Someone present takes both (R2).
      await new Client(t.app).login('bob');
      expect((await findTicketByToken(db(), held))!.agent_id).toBe(bob);
      expect((await findTicketByToken(db(), fresh))!.agent_id).toBe(bob);
    });

    it('leaves away, offline and admins alone, and does nothing when off (0)', async () => {
      const browser = new Client(t.app);
      await browser.login('alice');
      await browser.submit('/agents/dashboard/', { status: 'away' }, '/agents/availability/');
      expect(await presenceOf(alice)).toBe('away');
      const admin = await addStaff(t.ctx, `root${dialect}${Date.now()}`, { role: 'admin' });
      await db().updateTable('users').set({ presence: 'available' }).where('id', '=', admin).execute();
      const bobsBrowser = new Client(t.app);
      await bobsBrowser.login('bob');
      clock.advance(60 * MINUTE);
      expect(await autoAwayIdle(t.ctx, 0, NOBODY)).toEqual([]);
      expect(await runElsewhere()).toEqual([bob]);
      expect((await findUserById(db(), alice))!.auto_away_at).toBeNull();
      expect(await presenceOf(admin)).toBe('available');
    });

    it('shows why on the dashboard, and only "I\'m back" makes the agent available again', async () => {
      const browser = new Client(t.app);
      await browser.login('alice');
      clock.advance(LIMIT * MINUTE + 1);
      expect(await runElsewhere()).toEqual([alice]);
      // Coming back (a page view, a stream) does not make the agent available by itself.
      const page = await browser.get('/agents/dashboard/');
      const stream = new SseClient(`${baseUrl}/agents/events/`, sessionCookie(browser.cookie('hd_session')));
      await stream.connected();
      expect(await presenceOf(alice)).toBe('away');
      expect(page.body).toContain('You were set away after 5 minutes without an open page.');
      expect(page.body).toMatch(/<button[^>]*>I&#39;m back<\/button>|<button[^>]*>I'm back<\/button>/);
      await browser.post('/agents/availability/', { status: 'available', _csrf: csrfFrom(page.body) });
      expect(await presenceOf(alice)).toBe('available');
      const after = await browser.get('/agents/dashboard/');
      expect(after.body).not.toContain('You were set away');
      // Away by the button is the agent's own choice: no notice.
      await browser.post('/agents/availability/', { status: 'away', _csrf: csrfFrom(after.body) });
      expect((await browser.get('/agents/dashboard/')).body).not.toContain('You were set away');
      stream.close();
    });
  });
}

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
