/**
 * The dashboard page and its JSON feed, driven through real intake, login and close with a fake
 * clock: the HTML shows every figure without JavaScript, the feed is the §8 stats object (with the
 * email figures beside it), and the window selector filters by creation time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeAttention } from '../../src/services/attention.js';
import { computeMailStats } from '../../src/services/mailStats.js';
import { computeStats } from '../../src/services/stats.js';
import { closeTicket } from '../../src/services/tickets.js';
import { addStaff, type Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, agentClient, newTicket } from './support.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

function kpi(body: string, name: string): string {
  const match = new RegExp(`data-kpi="${name.replace(/\./g, '\\.')}"[^>]*>([^<]*)<`).exec(body);
  if (!match) throw new Error(`no figure ${name}`);
  return match[1]!;
}

for (const dialect of DIALECTS) {
  describe(`the admin dashboard (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    const clock = new FakeClock();

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      const alice = await addStaff(t.ctx, 'alice', { capacity: 2 });
      admin = (await adminClient(t)).client;
      // Ten days ago: one high ticket, closed after 2 minutes (late: high allows 1).
      clock.advance(-10 * DAY);
      await agentClient(t, 'alice');
      const old = await newTicket(t.ctx, { priority: 'high' });
      clock.advance(2 * MINUTE);
      await closeTicket(t.ctx, { id: alice, role: 'agent' }, old);
      // Today: two medium tickets for alice (one closed after 1 minute, in time), one waiting.
      clock.set(Date.UTC(2026, 10, 27, 9, 0, 0));
      const a = await newTicket(t.ctx, { priority: 'medium' });
      await newTicket(t.ctx, { priority: 'medium' });
      await newTicket(t.ctx, { priority: 'low' });
      clock.advance(MINUTE);
      await closeTicket(t.ctx, { id: alice, role: 'agent' }, a);
      // Alice pulled the low one when she closed; a last one waits. 5 minutes on, the open medium is overdue.
      await newTicket(t.ctx, { priority: 'low' });
      await newTicket(t.ctx, { priority: 'high' });
      clock.advance(5 * MINUTE);
    });
    afterAll(() => t.close());

    it('shows every figure as HTML, defaulting to all time', async () => {
      const page = await admin.get('/adminapp/dashboard/');
      expect(page.statusCode).toBe(200);
      const stats = await computeStats(t.ctx.handle.db, { window: 'all', now: clock.now() });
      expect(stats).toMatchObject({ total: 6, closed: 2, open: 2, pending: 2 });
      expect(kpi(page.body, 'total')).toBe('6');
      expect(kpi(page.body, 'pending')).toBe('2');
      expect(kpi(page.body, 'open')).toBe('2');
      expect(kpi(page.body, 'closed')).toBe('2');
      // Breached: the old high closed late; the open medium and the waiting high are overdue; the lows have an hour.
      expect(kpi(page.body, 'sla.breached')).toBe(String(stats.sla.breached));
      expect(stats.sla).toMatchObject({ breached: 3, open_overdue: 2, closed_late: 1, by_priority: { high: 2, medium: 1, low: 0 } });
      expect(kpi(page.body, 'sla.breach_rate')).toBe('50.0 %');
      expect(kpi(page.body, 'sla.by_priority.high')).toBe('2');
      // Resolutions 60 s and 120 s: mean and median 90 s, p90 at 0.9 → 60 + 0.9·60 = 114 s.
      expect(stats.resolution).toEqual({ avg_seconds: 90, p50_seconds: 90, p90_seconds: 114 });
      expect(kpi(page.body, 'resolution.avg_seconds')).toBe('1 min 30 s');
      expect(kpi(page.body, 'resolution.p90_seconds')).toBe('1 min 54 s');
      expect(page.body).toMatch(/<tr data-agent="alice">[\s\S]*?presence-available[\s\S]*?status=open">2<\/a><\/td><td data-label="Closed" data-col="closed"><a href="[^"]*status=closed">2<\/a>/);
      expect(page.body).toContain('<script type="module" src="/static/admin-dashboard.js">');
      for (const id of ['chart-states', 'chart-closed', 'chart-breaches', 'chart-targets']) expect(page.body).toContain(`id="${id}"`);
      expect(page.body).toContain('data-feed="/adminapp/dashboard/data.json?window=all"');
    });

    it('filters by the window given in the query string', async () => {
      const page = await admin.get('/adminapp/dashboard/?window=24H');
      expect(page.statusCode).toBe(200);
      expect(kpi(page.body, 'total')).toBe('5');
      expect(kpi(page.body, 'closed')).toBe('1');
      expect(page.body).toMatch(/<a href="\/adminapp\/dashboard\/\?window=24h" aria-current="page"/);
      expect(kpi((await admin.get('/adminapp/dashboard/?window=30d')).body, 'total')).toBe('6');
      expect(kpi((await admin.get('/adminapp/dashboard/?window=7d')).body, 'total')).toBe('5');
    });

    it('serves the same figures as JSON for the page script, for each window', async () => {
      for (const window of ['24h', '7d', '30d', 'all'] as const) {
        const response = await admin.get(`/adminapp/dashboard/data.json?window=${window}`);
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toMatch(/application\/json/);
        // The §8 stats object, and the email figures and alarms beside it.
        const stats = await computeStats(t.ctx.handle.db, { window, now: clock.now() });
        const mail = await computeMailStats(t.ctx.handle, clock.now());
        expect(response.json()).toEqual({ ...stats, mail, attention: await computeAttention(t.ctx.handle.db, clock.now(), stats, mail), team_choices: ['Support'] });
      }
      expect((await admin.get('/adminapp/dashboard/data.json')).json().window).toBe('all');
    });

    it('takes the last value of a repeated window or team, as the lists do with their filters', async () => {
      const page = await admin.get('/adminapp/dashboard/?window=all&window=24h&team=nope&team=support');
      expect(page.statusCode).toBe(200);
      expect(kpi(page.body, 'total')).toBe('5');
      const data = await admin.get('/adminapp/dashboard/data.json?window=24h&window=7d');
      expect([data.statusCode, data.json().window]).toEqual([200, '7d']);
    });

    it('refuses an unknown window with 400', async () => {
      expect((await admin.get('/adminapp/dashboard/?window=1y')).statusCode).toBe(400);
      const json = await admin.get('/adminapp/dashboard/data.json?window=1y');
      expect(json.statusCode).toBe(400);
      expect(json.json()).toMatchObject({ error: { code: 'invalid_input', fields: { window: expect.any(String) } } });
    });

    it('serves Chart.js and the dashboard script from the app itself, under a CSP without inline code', async () => {
      const chart = await admin.get('/static/vendor/chart/chart.umd.min.js');
      expect(chart.statusCode).toBe(200);
      expect(chart.headers['content-type']).toMatch(/javascript/);
      const script = await admin.get('/static/admin-dashboard.js');
      expect(script.statusCode).toBe(200);
      expect(script.body).toContain("import('/static/vendor/chart/chart.umd.min.js')");
      const csp = String((await admin.get('/adminapp/dashboard/')).headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
    });
  });
}
