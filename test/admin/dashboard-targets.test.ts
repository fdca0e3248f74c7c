/**
 * The dashboard's §11 figures, driven through real intake, replies, customer messages, the SLA
 * monitor and a close with a fake clock: first-response time, share met per target (overall and
 * per priority) and breaches per metric, as HTML without JavaScript and in the JSON feed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { saveSettings } from '../../src/repositories/settings.js';
import { postCustomerMessageOn, postStaffMessage } from '../../src/services/conversation.js';
import { computeStats } from '../../src/services/stats.js';
import { closeTicket } from '../../src/services/tickets.js';
import type { Client, TestApp } from '../support/app.js';
import { startTestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, newTicket } from './support.js';

const S = 1000;

/** The text of the element carrying data-kpi="name". */
function kpi(body: string, name: string): string {
  const match = new RegExp(`data-kpi="${name.replace(/\./g, '\\.')}"[^>]*>([^<]*)<`).exec(body);
  if (!match) throw new Error(`no figure ${name}`);
  return match[1]!.trim();
}

for (const dialect of DIALECTS) {
  describe(`the dashboard's SLA target figures (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    const clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      const root = await adminClient(t);
      admin = root.client;
      const actor = { id: root.id, role: 'admin' as const };
      const reply = (id: number) => postStaffMessage(t.ctx, actor, id, { kind: 'reply', body: 'On it.', close: false, seen: null, channel: 'web' });
      await saveSettings(t.ctx.handle.db, { ...DEFAULT_SETTINGS, firstResponse: { high: 60, medium: 120, low: null }, nextReply: { high: 30, medium: null, low: null } });
      const start = clock.now();
      const at = (seconds: number) => clock.set(start + seconds * S);
      const t1 = await newTicket(t.ctx, { priority: 'high' });
      const t2 = await newTicket(t.ctx, { priority: 'high' });
      const t3 = await newTicket(t.ctx, { priority: 'medium' });
      at(20);
      await reply(t1); // first response in 20 s: met
      at(25);
      await postCustomerMessageOn(t.ctx, t1, { body: 'Still broken.', channel: 'web' }); // next reply due at 55 s
      at(35);
      await reply(t1); // next reply in 10 s: met
      at(70);
      await new SlaMonitor(t.ctx).runOnce(); // t1's and t2's resolution (60 s), t2's first response (60 s): recorded
      at(90);
      await reply(t2); // first response in 90 s: the breach already counted
      at(100);
      await closeTicket(t.ctx, actor, t3); // no reply, closed before its first response was due (120 s): met; resolution (240 s) met
    });
    afterAll(() => t.close());

    it('shows first-response time, share met per target and breaches per metric as HTML', async () => {
      const page = await admin.get('/adminapp/dashboard/');
      expect(page.statusCode).toBe(200);
      const figures: [string, string][] = [
        // First responses 20 s and 90 s (t3 closed without one has none): mean and median 55 s, p90 20 + 0.9·70 = 83 s.
        ['first_response.avg_seconds', '55 s'],
        ['first_response.p50_seconds', '55 s'],
        ['first_response.p90_seconds', '1 min 23 s'],
        // First response: high t1 met, t2 breached; medium t3 met by its close; low has no target.
        ['sla.targets.first_response.met', '2'],
        ['sla.targets.first_response.breached', '1'],
        ['sla.targets.first_response.met_share', '66.7 %'],
        ['sla.targets.first_response.by_priority.high.met_share', '50.0 %'],
        ['sla.targets.first_response.by_priority.medium.met_share', '100.0 %'],
        ['sla.targets.first_response.by_priority.low.met_share', '—'],
        ['sla.targets.next_reply.met_share', '100.0 %'],
        // Resolution: t1 and t2 recorded breached while open, t3 closed in time.
        ['sla.targets.resolution.met', '1'],
        ['sla.targets.resolution.breached', '2'],
        ['sla.targets.resolution.met_share', '33.3 %'],
      ];
      expect(figures.map(([name]) => [name, kpi(page.body, name)])).toEqual(figures);
      expect(page.body).toContain('id="chart-targets"');
    });

    it('serves the same figures in the feed and in GET /api/v1/stats terms', async () => {
      const stats = await computeStats(t.ctx.handle.db, { window: 'all', now: clock.now() });
      expect(stats.first_response).toEqual({ avg_seconds: 55, p50_seconds: 55, p90_seconds: 83 });
      expect(stats.sla.by_metric).toEqual({ resolution: 2, first_response: 1, next_reply: 0 });
      expect(stats.sla.targets.first_response).toEqual({
        met: 2,
        breached: 1,
        met_share: 0.6667,
        by_priority: { high: { met: 1, breached: 1, met_share: 0.5 }, medium: { met: 1, breached: 0, met_share: 1 }, low: { met: 0, breached: 0, met_share: null } },
      });
      expect(stats.sla.targets.next_reply).toMatchObject({ met: 1, breached: 0, met_share: 1 });
      const feed = (await admin.get('/adminapp/dashboard/data.json')).json();
      expect(feed.sla).toEqual(stats.sla);
      expect(feed.first_response).toEqual(stats.first_response);
      // Every ticket is from today: the 24 h window counts them as all time does.
      const day = await computeStats(t.ctx.handle.db, { window: '24h', now: clock.now() });
      expect({ ...day, window: 'all' }).toEqual(stats);
    });
  });
}
