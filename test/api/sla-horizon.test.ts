/**
 * A target that the SLA calendar cannot hold within ten years (§11, README "Ten years ahead at
 * most": such a target gets no due time), through the JSON API on both engines: the ticket is
 * created and listed with no due instant (null, not a date 270,000 years ahead that the API's own
 * schema refuses with a 500), and a reply with pause_while_waiting on answers at once, leaving the
 * clock as it was (it has no time left to keep). Nor is anyone warned of it: a warning would name a
 * deadline there is none of (it read "due … 275760").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAUSED_DUE_AT } from '../../src/core/slaClocks.js';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { postCustomerMessageOn } from '../../src/services/conversation.js';
import { Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { adminAndAvailableAgent, type ApiClient } from './support.js';

for (const dialect of DIALECTS) {
  describe(`a target beyond the calendar's ten years (${dialect})`, () => {
    let t: TestApp;
    let admin: ApiClient;
    let alice: ApiClient;
    // Saturday 5 December 2026; the calendar is open one hour a week, on Mondays.
    const clock = new FakeClock(Date.UTC(2026, 11, 5, 20, 0, 0));
    const row = (id: number) => t.ctx.handle.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      ({ admin, alice } = await adminAndAvailableAgent(t.app, t.ctx));
      const calendar = await admin.post('/api/v1/calendars', { name: 'One hour a week', time_zone: 'UTC', hours: { mon: [['09:00', '10:00']] }, holidays: [] });
      expect(calendar.status).toBe(201);
      // A year of open time is 8,760 weeks of this calendar.
      const saved = await admin.patch('/api/v1/settings', { calendar: calendar.body.id, pause_while_waiting: true, sla: { low: { resolution: '365d', first_response: '365d', next_reply: '365d' } } });
      expect(saved.status).toBe(200);
    });
    afterAll(() => t.close());

    it('the ticket is created, shown and listed with no due instants', async () => {
      const created = await admin.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Slow', description: 'Help', priority: 'low' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ reference: 'HD-1', agent: 'alice', sla_due_at: null, sla_paused: false, sla_breached: false, first_response_due_at: null });
      const shown = await admin.get('/api/v1/tickets/HD-1');
      expect(shown.status).toBe(200);
      expect(shown.body).toMatchObject({ sla_due_at: null, first_response_due_at: null });
      const listed = await admin.get('/api/v1/tickets');
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((x: { reference: string }) => x.reference)).toEqual(['HD-1']);
    });

    it('a reply with pause_while_waiting on answers at once and pauses nothing; the customer’s next message starts a next-reply clock with no due instant', async () => {
      const before = await row(1);
      const started = Date.now();
      const reply = await alice.post('/api/v1/tickets/HD-1/messages', { kind: 'reply', body: 'Looking into it.' });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(reply.status).toBe(201);
      expect(await row(1)).toMatchObject({ sla_paused_at: null, sla_remaining_ms: null, sla_due_at: before.sla_due_at, first_response_at: clock.now() });

      await postCustomerMessageOn(t.ctx, 1, { body: 'Thanks!', channel: 'web' });
      expect(await row(1)).toMatchObject({ next_reply_started_at: clock.now(), next_reply_due_at: PAUSED_DUE_AT, sla_due_at: before.sla_due_at });
      const shown = await admin.get('/api/v1/tickets/HD-1');
      expect(shown.status).toBe(200);
      expect(shown.body).toMatchObject({ sla_due_at: null, sla_paused: false, next_reply_due_at: null });
    });

    it('pages and emails say it has no due time, never that its clock is paused', async () => {
      const { token } = await row(1);
      const status = await t.app.inject({ method: 'GET', url: `/tickets/status/${token}/` });
      expect(status.statusCode).toBe(200);
      expect(status.body).not.toContain('paused');
      const created = await t.ctx.handle.db.selectFrom('outbox').select(['text_body', 'html_body']).where('ticket_id', '=', 1).where('kind', '=', 'created').executeTakeFirstOrThrow();
      expect(created.text_body + created.html_body).not.toContain('paused');

      const staff = new Client(t.app);
      expect((await staff.login('root')).statusCode).toBe(303);
      for (const url of ['/admin/tickets/1/', '/agents/tickets/1/', '/admin/tickets/']) {
        const page = await staff.get(url);
        expect(page.statusCode).toBe(200);
        expect(page.body).not.toMatch(/SLA paused|paused while/);
        expect(page.body).toContain('No due time');
      }
    });

    it('with warnings on, a target with no due time gets no warning (there is no deadline to name), and the monitor sends none when its moment comes', async () => {
      // 1 % of a year of this calendar's open time is 87.6 open hours: 88 weeks, well within ten years.
      expect((await admin.patch('/api/v1/settings', { warn_at_percent: 1 })).status).toBe(200);
      const created = await admin.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Still slow', description: 'Help', priority: 'low' });
      expect(created.status).toBe(201);
      const id = Number(String(created.body.reference).slice(3));
      expect(await row(id)).toMatchObject({ sla_due_at: PAUSED_DUE_AT, sla_warn_at: null, first_response_due_at: PAUSED_DUE_AT, first_response_warn_at: null });
      clock.advance(2 * 365 * 24 * 3600 * 1000);
      await new SlaMonitor(t.ctx).runOnce();
      const warnings = await t.ctx.handle.db.selectFrom('outbox').select(['subject', 'text_body']).where('kind', '=', 'sla_warning').execute();
      expect(warnings.map((w) => w.subject + w.text_body).join('\n')).not.toContain('275760');
      expect(warnings).toEqual([]);
    });

    it('a warning stored by an earlier version for a target with no due time is spent without an email', async () => {
      await t.ctx.handle.db.updateTable('tickets').set({ sla_warn_at: clock.now() - 1000 }).where('id', '=', 1).execute();
      await new SlaMonitor(t.ctx).runOnce();
      expect((await row(1)).sla_warned_at).toBe(clock.now());
      expect(await t.ctx.handle.db.selectFrom('outbox').select('subject').where('kind', '=', 'sla_warning').execute()).toEqual([]);
    });
  });
}
