/**
 * A team's own SLA calendar and targets (§12) through the JSON API, on both engines: the team
 * shows and replaces them; its tickets' clocks (resolution, first response, next reply) start
 * with them while the other teams' follow the settings; the monitor records their breaches at
 * the team's due instants; a calendar a team counts with cannot be deleted. Bad input is a 400
 * naming the field, and nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { postCustomerMessageOn } from '../../src/services/conversation.js';
import { loadForecastJob } from '../../src/services/forecast.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { createApiToken } from '../../src/services/tokens.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';

const MIN = 60_000;
const OFFICE = {
  name: 'Office',
  time_zone: 'UTC',
  hours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']], sat: [], sun: [] },
  holidays: [],
};
const NIGHT_SLA = {
  high: { resolution: '30m', first_response: '10m', next_reply: '15m' },
  medium: { resolution: '2h', first_response: null, next_reply: null },
  low: { resolution: '1d', first_response: null, next_reply: null },
};
const ticketOf = (title: string, topic?: string) => ({ name: 'Dora', email: 'dora@customer.example', title, description: 'Help', priority: 'high', ...(topic ? { topic } : {}) });

for (const dialect of DIALECTS) {
  describe(`a team's own SLA calendar and targets (${dialect})`, () => {
    let t: TestApp;
    let token: string;
    let officeId: number;
    let nightId: number;
    // Saturday 5 December 2026, 20:00 UTC: the office calendar is closed until Monday 09:00.
    const clock = new FakeClock(Date.UTC(2026, 11, 5, 20, 0, 0));
    const MONDAY_9 = Date.UTC(2026, 11, 7, 9, 0, 0);
    const api = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
      t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
    const db = () => t.ctx.handle.db;
    const stored = async () => JSON.stringify([await db().selectFrom('teams').selectAll().orderBy('id').execute(), await db().selectFrom('audit_log').select('id').execute()]);
    const row = (id: number) => db().selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const newTicket = async (title: string, topic?: string) => {
      const created = await api('POST', '/api/v1/tickets', ticketOf(title, topic));
      expect(created.statusCode).toBe(201);
      return row(Number(created.json().reference.replace('HD-', '')));
    };

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      const root = await addStaff(t.ctx, 'root', { role: 'admin' });
      token = (await createApiToken(t.ctx, root, 'admin script')).token;
      officeId = (await api('POST', '/api/v1/calendars', OFFICE)).json().id;
      expect((await api('PATCH', '/api/v1/settings', { calendar: officeId })).statusCode).toBe(200);
    });
    afterAll(() => t.close());

    it('a new team counts with the desk’s calendar and targets (null), and can be given its own', async () => {
      const created = await api('POST', '/api/v1/teams', { name: 'Night shift' });
      expect(created.json()).toMatchObject({ name: 'Night shift', calendar: null, sla: null });
      nightId = created.json().id;
      const replaced = await api('PUT', `/api/v1/teams/${nightId}`, { name: 'Night shift', calendar: '24/7', sla: NIGHT_SLA });
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json()).toMatchObject({ calendar: '24/7', sla: NIGHT_SLA });
      expect((await api('GET', '/api/v1/teams')).json().items.find((x: { id: number }) => x.id === nightId)).toMatchObject({ calendar: '24/7', sla: NIGHT_SLA });
      const audit = await db().selectFrom('audit_log').select(['before_json', 'after_json']).where('action', '=', 'team.update').orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect([JSON.parse(audit.before_json!), JSON.parse(audit.after_json!)]).toEqual([{ calendar: null, sla: null }, { calendar: '24/7', sla: NIGHT_SLA }]);
      expect((await api('POST', '/api/v1/topics', { name: 'Outage', team: 'Night shift' })).statusCode).toBe(201);
    });

    it("the team's tickets start their clocks with its targets on its calendar; the desk's follow the settings", async () => {
      const now = clock.now();
      const night = await newTicket('Down at night', 'Outage');
      expect(night).toMatchObject({ team_id: nightId, sla_due_at: now + 30 * MIN, first_response_due_at: now + 10 * MIN, sla_calendar_version_id: null });
      const desk = await newTicket('Printer');
      expect(desk).toMatchObject({ team_id: 1, sla_due_at: MONDAY_9 + MIN, first_response_due_at: null });
      expect(desk.sla_calendar_version_id).not.toBeNull();
      // The API's ticket shows the team's due instant.
      expect((await api('GET', `/api/v1/tickets/HD-${night.id}`)).json()).toMatchObject({ team: 'Night shift', first_response_due_at: new Date(now + 10 * MIN).toISOString() });
    });

    it("a customer's message starts the next-reply clock with the team's target; the monitor records the team's breaches at its instants", async () => {
      const night = await newTicket('Again down', 'Outage');
      const ana = await addStaff(t.ctx, 'ana');
      await changePresence(t.ctx, ana, 'available');
      clock.advance(MIN);
      await postCustomerMessageOn(t.ctx, night.id, { body: 'Still down', channel: 'web' });
      expect((await row(night.id)).next_reply_due_at).toBe(clock.now() + 15 * MIN);
      const monitor = new SlaMonitor(t.ctx);
      clock.set(night.created_at + 10 * MIN + 1);
      await monitor.runOnce();
      const breaches = async () => (await db().selectFrom('ticket_events').select('metric').where('ticket_id', '=', night.id).where('type', '=', 'sla_breached').orderBy('id').execute()).map((e) => e.metric);
      expect(await breaches()).toEqual(['first_response']);
      clock.set(night.created_at + 16 * MIN + 1);
      await monitor.runOnce();
      expect(await breaches()).toEqual(['first_response', 'next_reply']);
      clock.set(night.created_at + 30 * MIN + 1);
      await monitor.runOnce();
      expect(await breaches()).toEqual(['first_response', 'next_reply', 'resolution']);
    });

    it("a team's staffing forecast puts agents on duty in the team's calendar, the desk's in the settings'", async () => {
      const ana = (await db().selectFrom('users').select('id').where('username', '=', 'ana').executeTakeFirstOrThrow()).id;
      const held = await db().selectFrom('tickets').select('id').where('agent_id', '=', ana).where('status', '=', 'open').execute();
      for (const { id } of held) await closeTicket(t.ctx, { id: ana, role: 'agent' }, id);
      expect(held.length).toBeGreaterThan(0);
      const request = { from: Date.UTC(2026, 11, 5), to: Date.UTC(2026, 11, 8), kMin: 1, kMax: 2, targetPercent: 5, capacity: null, seed: 1 };
      // The replay learns from closed tickets: ana's, counted once as the Night shift's, then as Support's.
      const moveTo = (teamId: number) => db().updateTable('tickets').set({ team_id: teamId }).where('id', 'in', held.map((h) => h.id)).execute();
      await moveTo(nightId);
      const night = await loadForecastJob(t.ctx, { ...request, teamId: nightId });
      expect(night.duty).toEqual([[request.from, expect.any(Number)]]);
      await moveTo(1);
      const desk = await loadForecastJob(t.ctx, { ...request, teamId: 1 });
      expect(desk.duty[0]).toEqual([MONDAY_9, MONDAY_9 + 8 * 60 * MIN]);
    });

    it('a team that keeps the desk’s targets follows a later change of the settings', async () => {
      const team = await api('POST', '/api/v1/teams', { name: 'Billing', calendar: '24/7' });
      expect(team.json()).toMatchObject({ calendar: '24/7', sla: null });
      expect((await api('POST', '/api/v1/topics', { name: 'Invoices', team: 'Billing' })).statusCode).toBe(201);
      expect((await api('PATCH', '/api/v1/settings', { sla: { high: { resolution: '5m' } } })).statusCode).toBe(200);
      const ticket = await newTicket('Invoice', 'Invoices');
      expect(ticket.sla_due_at).toBe(ticket.created_at + 5 * MIN);
    });

    it('a calendar a team counts with cannot be deleted (409 naming the team); nothing changed', async () => {
      const late = (await api('POST', '/api/v1/calendars', { ...OFFICE, name: 'Late' })).json().id;
      expect((await api('PUT', `/api/v1/teams/${nightId}`, { name: 'Night shift', calendar: late, sla: NIGHT_SLA })).json()).toMatchObject({ calendar: late });
      const before = await stored();
      const refused = await api('DELETE', `/api/v1/calendars/${late}`);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.message).toMatch(/it is the SLA calendar of team “Night shift”/);
      expect(await stored()).toEqual(before);
      // Back on 24/7, the calendar is free to go.
      expect((await api('PUT', `/api/v1/teams/${nightId}`, { name: 'Night shift', calendar: '24/7', sla: NIGHT_SLA })).statusCode).toBe(200);
      expect((await api('DELETE', `/api/v1/calendars/${late}`)).statusCode).toBe(204);
      // Its tickets created meanwhile keep counting with it: a change applies to clocks started after it.
      const ticket = await newTicket('After', 'Outage');
      expect(ticket.sla_calendar_version_id).toBeNull();
    });

    it.each<[string, Record<string, unknown>, string[]]>([
      ['a calendar that does not exist', { calendar: 999_999 }, ['calendar']],
      ['a calendar that is not one', { calendar: 'office hours' }, ['calendar']],
      ['targets without a priority’s resolution', { sla: { high: { resolution: '30m' }, medium: { resolution: '1h' } } }, ['sla.low.resolution']],
      ['a duration that is not one, and a first response past its resolution', { sla: { ...NIGHT_SLA, medium: { resolution: 'soon' }, high: { resolution: '30m', first_response: '1h' } } }, ['sla.high.first_response', 'sla.medium.resolution']],
      ['targets that are not an object', { sla: '30m' }, ['sla']],
      ['a bad calendar and a bad name, both named', { name: '', calendar: 'x' }, ['calendar', 'name']],
    ])('refuses %s: 400 naming the fields, nothing changed', async (_what, body, fields) => {
      const before = await stored();
      const response = await api('PUT', `/api/v1/teams/${nightId}`, { name: 'Night shift', ...body });
      expect(response.statusCode).toBe(400);
      expect(Object.keys(response.json().error.fields).sort()).toEqual(fields);
      expect(await stored()).toEqual(before);
    });
  });
}
