/**
 * Times to the second where a ticket's SLA is under an hour (core/sla.ts showsSeconds), to the
 * minute elsewhere; and a breach in the events list and the timeline names its target without a
 * move between agents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDueBreaches } from '../../src/services/sla.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, agentClient, cellOf, newTicket } from './support.js';

for (const dialect of DIALECTS) {
  describe(`times and breach events on the admin pages (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let alice: Client;
    const clock = new FakeClock(); // 27 November 2026, 09:00:00 UTC
    let high: number;
    let low: number;

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      admin = (await adminClient(t)).client;
      await addStaff(t.ctx, 'alice');
      alice = await agentClient(t, 'alice'); // available: the tickets go to her, so a breach records her as holder
      clock.advance(7_000);
      // Default SLAs: high 1 minute (seconds shown), low 1 hour (minutes).
      high = await newTicket(t.ctx, { priority: 'high', title: 'Short SLA' });
      low = await newTicket(t.ctx, { priority: 'low', title: 'Long SLA' });
    });

    afterAll(async () => {
      await t?.close();
    });

    it('shows a 1-minute SLA ticket’s times to the second and a 1-hour one’s to the minute', async () => {
      const short = (await admin.get(`/admin/tickets/${high}/`)).body;
      expect(short).toContain('data-seconds="true">2026-11-27 09:00:07 UTC</time>');
      expect(short).toContain('>2026-11-27 09:01:07 UTC</time>'); // due
      const long = (await admin.get(`/admin/tickets/${low}/`)).body;
      expect(long).toContain('<time datetime="2026-11-27T09:00:07.000Z">2026-11-27 09:00 UTC</time>');
      expect(long).not.toContain('09:00:07 UTC');
      const list = (await admin.get('/admin/tickets/')).body;
      expect(list).toContain('data-seconds="true">2026-11-27 09:00:07 UTC</time>');
      expect(list).toContain('title="Due 2026-11-27 09:01:07 UTC"');
      expect(list).toContain('title="Due 2026-11-27 10:00 UTC"');
    });

    it('shows seconds under a short SLA on the agent dashboard and the customer status page too', async () => {
      const dashboard = (await alice.get('/agents/dashboard/')).body;
      expect(dashboard).toContain('title="Due 2026-11-27 09:01:07 UTC"');
      expect(dashboard).toContain('title="Due 2026-11-27 10:00 UTC"');
      const tokens = await t.database.handle.db.selectFrom('tickets').select(['id', 'token']).where('id', 'in', [high, low]).execute();
      const tokenOf = (id: number) => tokens.find((r) => r.id === id)!.token;
      const short = (await new Client(t.app).get(`/tickets/status/${tokenOf(high)}/`)).body;
      expect(short).toContain('data-seconds="true">2026-11-27 09:01:07 UTC</time>'); // we aim to resolve it by
      expect(short).toContain('data-seconds="true">2026-11-27 09:00:07 UTC</time>'); // submitted
      const long = (await new Client(t.app).get(`/tickets/status/${tokenOf(low)}/`)).body;
      expect(long).toContain('>2026-11-27 10:00 UTC</time>');
      expect(long).not.toContain('data-seconds="true"');
    });

    it('lists a breach as “SLA breached (resolution)” with no move, in the events list and the timeline', async () => {
      clock.advance(2 * 60_000);
      await recordDueBreaches(t.ctx, clock.now(), 100);
      const events = await admin.get('/admin/events/?type=sla_breached');
      expect(events.statusCode).toBe(200);
      const rows = [...events.body.matchAll(/<tr data-id="\d+">[\s\S]*?<\/tr>/g)].map((m) => m[0]);
      expect(rows).toHaveLength(1);
      expect(cellOf(rows[0]!, 'By')).toBe('system');
      expect(cellOf(rows[0]!, 'Event')).toBe('SLA breached (resolution)');
      expect(cellOf(rows[0]!, 'Move')).toBe('—');
      expect(cellOf(rows[0]!, 'When')).toContain('2026-11-27 09:02:07 UTC');
      const timeline = (await admin.get(`/admin/tickets/${high}/`)).body;
      const breach = /<tr data-event="sla_breached">[\s\S]*?<\/tr>/.exec(timeline)![0];
      expect(cellOf(breach, 'Event')).toBe('SLA breached (resolution)');
      expect(cellOf(breach, 'Move')).toBe('—');
    });
  });
}
