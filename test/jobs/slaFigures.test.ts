/**
 * The SLA monitor keeps §11's figures (sla_target_counts, open_breach_summary) as it records
 * breaches, on both engines: the dashboard's overdue count and breaches per metric follow each
 * pass, and a close takes a recorded breach out of the open ones. On PostgreSQL, several monitors
 * and closes running at once over tickets of every priority never deadlock on the summary rows
 * (each claims in priority order) and the figures equal a recount.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { IDLE_CLOCKS } from '../../src/core/slaClocks.js';
import { PRIORITIES } from '../../src/core/tickets.js';
import type { NewTicketRow } from '../../src/db/schema.js';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { saveSettings } from '../../src/repositories/settings.js';
import { postCustomerMessageOn } from '../../src/services/conversation.js';
import { computeStats } from '../../src/services/stats.js';
import { closeTicket } from '../../src/services/tickets.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { expectSummariesMatchTickets, insertTickets } from '../db/summaries-support.js';

const SECOND = 1000;

for (const dialect of DIALECTS) {
  describe(`the SLA monitor keeps the §11 figures (${dialect})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let admin: { id: number; role: 'admin' };
    beforeEach(async () => {
      clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
      t = await startTestApp(dialect, { clock });
      admin = { id: await addStaff(t.ctx, 'root', { role: 'admin' }), role: 'admin' };
    });
    afterEach(() => t.close());

    const newTicket = (priority: 'high' | 'medium' | 'low') => intakeTicket(t.ctx, { name: 'Carla', email: 'carla@example.com', title: 'Printer', description: 'On fire.', priority });
    const stats = () => computeStats(t.ctx.handle.db, { window: 'all', now: clock.now() });

    it('each recorded breach moves its metric, the overdue count reads them, and a close takes one out of the open ones', async () => {
      await saveSettings(t.ctx.handle.db, { ...DEFAULT_SETTINGS, firstResponse: { high: 30, medium: null, low: null }, nextReply: { high: 20, medium: null, low: null } });
      const a = await newTicket('high');
      const b = await newTicket('medium');
      await postCustomerMessageOn(t.ctx, a.id, { body: 'Hello?', channel: 'web' });

      clock.advance(25 * SECOND);
      await new SlaMonitor(t.ctx).runOnce();
      // The next reply (20 s) is breached and recorded; first response (30 s) and resolution (60 s) not yet.
      expect((await stats()).sla.by_metric).toEqual({ resolution: 0, first_response: 0, next_reply: 1 });

      clock.advance(40 * SECOND);
      // Past a's first response and resolution, before any pass: §4's overdue counts it by the clock, the targets not yet.
      let s = await stats();
      expect(s.sla.open_overdue).toBe(1);
      expect(s.sla.by_metric).toEqual({ resolution: 0, first_response: 0, next_reply: 1 });
      await new SlaMonitor(t.ctx).runOnce();
      s = await stats();
      expect(s.sla.open_overdue).toBe(1);
      expect(s.sla.by_metric).toEqual({ resolution: 1, first_response: 1, next_reply: 1 });
      expect(s.sla.targets.first_response).toMatchObject({ met: 0, breached: 1, met_share: 0 });
      expect(await t.ctx.handle.db.selectFrom('open_breach_summary').select(['priority', 'breached']).where('breached', '<>', 0).execute()).toEqual([{ priority: 'high', breached: 1 }]);

      // Closing the breached ticket: no longer open and overdue, still a resolution breach; b closed in time meets its target.
      await closeTicket(t.ctx, admin, a.id);
      await closeTicket(t.ctx, admin, b.id);
      s = await stats();
      expect(s.sla).toMatchObject({ open_overdue: 0, closed_late: 1, by_metric: { resolution: 1, first_response: 1, next_reply: 1 } });
      expect(s.sla.targets.resolution).toMatchObject({ met: 1, breached: 1, met_share: 0.5 });
      expect(s.sla.targets.resolution.by_priority.medium).toEqual({ met: 1, breached: 0, met_share: 1 });
      expect(await t.ctx.handle.db.selectFrom('open_breach_summary').select(['priority', 'breached']).where('breached', '<>', 0).execute()).toEqual([]);
      await expectSummariesMatchTickets(t.ctx.handle.db);
    });

    it('several monitors and closes at once over due tickets of every priority: each breach once, no deadlock, the figures equal a recount', async () => {
      const db = t.ctx.handle.db;
      const now = clock.now();
      // 240 tickets due one after another, priorities interleaved in due order, each past its resolution,
      // first-response and next-reply instants: every claim of every watch moves summary rows.
      const rows: NewTicketRow[] = Array.from({ length: 240 }, (_, i) => ({
        ...IDLE_CLOCKS,
        token: `burst-${i}`,
        customer_name: 'C',
        customer_email: 'c@example.com',
        title: 'T',
        description: 'D',
        priority: PRIORITIES[i % 3]!,
        status: 'open',
        agent_id: null,
        created_at: now - 3_600_000,
        assigned_at: null,
        closed_at: null,
        sla_due_at: now - 100_000 + i,
        first_response_due_at: now - 100_000 + i,
        next_reply_started_at: now - 200_000,
        next_reply_due_at: now - 100_000 + i,
        waiting_on: 'agent',
      }));
      await insertTickets(db, rows);
      const ids = (await db.selectFrom('tickets').select('id').where('token', 'like', 'burst-%').orderBy('id').execute()).map((r) => r.id);
      const monitors = Array.from({ length: 4 }, () => new SlaMonitor(t.ctx, { batchSize: 7 }));
      const closes = ids.filter((_, i) => i % 5 === 0).map((id) => closeTicket(t.ctx, admin, id));
      const results = await Promise.allSettled([...monitors.map((m) => m.runOnce()), ...closes]);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      await Promise.all(monitors.map((m) => m.runOnce()));

      // Each open ticket's three breaches recorded once; a ticket closed first may have none.
      const events = await db.selectFrom('ticket_events').select(['ticket_id', 'metric']).where('type', '=', 'sla_breached').execute();
      const keys = events.map((e) => `${e.ticket_id}/${e.metric}`);
      expect(new Set(keys).size).toBe(keys.length);
      const open = await db.selectFrom('tickets').select('id').where('token', 'like', 'burst-%').where('status', '=', 'open').execute();
      expect(open.length).toBe(240 - closes.length);
      for (const { id } of open) expect(keys.filter((k) => k.startsWith(`${id}/`)).sort()).toEqual([`${id}/first_response`, `${id}/next_reply`, `${id}/resolution`]);
      await expectSummariesMatchTickets(db);
      const s = await stats();
      expect(s.sla.open_overdue).toBe(open.length);
      expect(s.sla.by_metric).toEqual({ resolution: 240, first_response: 240, next_reply: 240 });
    }, 60_000);
  });
}
