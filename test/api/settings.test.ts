import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, saveSettings } from '../../src/repositories/settings.js';
import { changePresence } from '../../src/services/presence.js';
import { eventsOf, holderOf, newTicket } from '../admin/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { addCalendar, DEFAULT_SETTINGS_JSON as DEFAULTS } from '../support/sla.js';
import { DIALECTS } from '../support/db.js';
import { ApiClient, staffWithToken } from './support.js';

type Staff = Awaited<ReturnType<typeof staffWithToken>>;

const target = (resolution: string) => ({ resolution, first_response: null, next_reply: null });

for (const dialect of DIALECTS) {
  describe(`JSON API settings (${dialect})`, () => {
    let t: TestApp;
    let admin: Staff;
    let alice: Staff;
    let office: number;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' });
      alice = await staffWithToken(t.app, t.ctx, 'alice');
      office = await addCalendar(t.ctx.handle.db, 'Office hours');
    });
    afterAll(() => t.close());

    const db = () => t.ctx.handle.db;
    /** The settings as GET shows them, checking the answer. */
    const current = async () => {
      const response = await admin.api.get('/api/v1/settings');
      expect(response.status).toBe(200);
      return response.body;
    };
    const patch = async (body: unknown, status = 200) => {
      const response = await admin.api.patch('/api/v1/settings', body);
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      return response.body;
    };

    it('GET gives the defaults in the §11 shape: no targets but resolution, 24/7, no pause, no warnings', async () => {
      expect(await current()).toEqual(DEFAULTS);
    });

    it('a PATCH that changes nothing ({} or the stored values) answers the settings and writes no settings and no audit entry', async () => {
      await patch({ default_capacity: 6 });
      const stored = async () => ({
        settings: await db().selectFrom('settings').selectAll().execute(),
        audit: await db().selectFrom('audit_log').selectAll().orderBy('id').execute(),
      });
      const before = await stored();
      const settings = await current();
      for (const body of [{}, { default_capacity: 6 }, { sla: {} }, { sla: { high: {} } }, settings]) {
        expect(await patch(body), JSON.stringify(body)).toEqual(settings);
        expect(await stored(), JSON.stringify(body)).toEqual(before);
      }
      // A real change still writes and audits.
      await patch({ default_capacity: 5 });
      expect((await stored()).audit).toHaveLength(before.audit.length + 1);
    });

    it('refuses anonymous callers (401) and agents (403), for reading and for changing, and changes nothing', async () => {
      const before = await loadSettings(db());
      const anonymous = new ApiClient(t.app);
      expect((await anonymous.get('/api/v1/settings')).status).toBe(401);
      expect((await anonymous.patch('/api/v1/settings', { default_capacity: 9 })).status).toBe(401);
      expect((await alice.api.get('/api/v1/settings')).status).toBe(403);
      const refused = await alice.api.patch('/api/v1/settings', { default_capacity: 9 });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      expect(await loadSettings(db())).toEqual(before);
    });

    it('PATCH changes only the keys given, also inside a priority, and answers the whole settings', async () => {
      const first = await patch({ sla: { high: { resolution: '2h', first_response: '15m' } } });
      expect(first).toEqual({ ...DEFAULTS, sla: { ...DEFAULTS.sla, high: { resolution: '2h', first_response: '15m', next_reply: null } } });
      const second = await patch({ sla: { high: { next_reply: '1h30m' }, low: { resolution: '2h' } }, warn_at_percent: 80 });
      expect(second.sla).toEqual({ high: { resolution: '2h', first_response: '15m', next_reply: '1h30m' }, medium: target('4m'), low: target('2h') });
      expect(second.warn_at_percent).toBe(80);
      expect(await current()).toEqual(second);
      expect(await loadSettings(db())).toMatchObject({ sla: { high: 7200, medium: 240, low: 7200 }, firstResponse: { high: 900 }, nextReply: { high: 5400 }, warnAtPercent: 80 });
      // null clears a target (and the warnings); the rest stays.
      const cleared = await patch({ sla: { high: { first_response: null } }, warn_at_percent: null });
      expect(cleared.sla.high).toEqual({ resolution: '2h', first_response: null, next_reply: '1h30m' });
      expect(cleared.warn_at_percent).toBeNull();
      // Durations are answered in their shortest form, other values as stored.
      const tuned = await patch({ sla: { medium: { resolution: '90s' } }, pause_while_waiting: true, release_on_logout: true, queue_order: 'Deadline', email_priority: 'HIGH', default_capacity: 4 });
      expect(tuned).toMatchObject({ sla: { medium: { resolution: '1m30s' } }, pause_while_waiting: true, release_on_logout: true, queue_order: 'deadline', email_priority: 'high', default_capacity: 4 });
      expect(await patch({})).toEqual(tuned);
      await patch(DEFAULTS);
      expect(await current()).toEqual(DEFAULTS);
    });

    it('a desk whose stored targets break the length rule (saved before it) can still PATCH anything else; changing that pair is judged', async () => {
      const db = t.ctx.handle.db;
      const before = await loadSettings(db);
      await saveSettings(db, { ...before, firstResponse: { ...before.firstResponse, high: before.sla.high + 60 } });
      expect((await patch({ default_capacity: 7 })).default_capacity).toBe(7);
      const refused = await patch({ sla: { high: { first_response: `${(before.sla.high + 120) / 60}m` } } }, 400);
      expect(Object.keys(refused.error.fields)).toEqual(['sla.high.first_response']);
      await saveSettings(db, before);
    });

    it('PATCH sets a stored calendar by id and back to 24/7', async () => {
      expect((await patch({ calendar: office })).calendar).toBe(office);
      expect((await loadSettings(db())).calendarId).toBe(office);
      expect((await patch({ calendar: '24/7' })).calendar).toBe('24/7');
      expect((await loadSettings(db())).calendarId).toBeNull();
    });

    it.each<[string, unknown, string[]]>([
      ['a resolution that is not a duration', { sla: { high: { resolution: '5 minutes' } } }, ['sla.high.resolution']],
      ['an empty resolution', { sla: { medium: { resolution: '' } } }, ['sla.medium.resolution']],
      ['no resolution (null)', { sla: { low: { resolution: null } } }, ['sla.low.resolution']],
      ['a first response of zero', { sla: { low: { first_response: '0s' } } }, ['sla.low.first_response']],
      ['a next reply over a year', { sla: { medium: { next_reply: '400d' } } }, ['sla.medium.next_reply']],
      ['a target as a number', { sla: { high: { first_response: 60 } } }, ['sla.high.first_response']],
      ['a calendar id no calendar has', { calendar: 999_999 }, ['calendar']],
      ['a calendar by name', { calendar: 'Office hours' }, ['calendar']],
      ['a calendar of the wrong type', { calendar: true }, ['calendar']],
      ['warnings at 0 %', { warn_at_percent: 0 }, ['warn_at_percent']],
      ['warnings at 100 %', { warn_at_percent: 100 }, ['warn_at_percent']],
      ['warnings as a string', { warn_at_percent: '80' }, ['warn_at_percent']],
      ['capacity 0', { default_capacity: 0 }, ['default_capacity']],
      ['capacity as a string', { default_capacity: '5' }, ['default_capacity']],
      ['a queue order nobody knows', { queue_order: 'random' }, ['queue_order']],
      ['pause as a string', { pause_while_waiting: 'yes' }, ['pause_while_waiting']],
      ['release_on_logout as a number', { release_on_logout: 1 }, ['release_on_logout']],
      ['an unknown key', { sla_high: '2m' }, ['sla_high']],
      ['an unknown priority', { sla: { urgent: { resolution: '1m' } } }, ['sla.urgent']],
      ['an unknown target', { sla: { high: { deadline: '1m' } } }, ['sla.high.deadline']],
      ['a priority that is not an object', { sla: { high: '1m' } }, ['sla.high']],
      ['good keys beside a bad one', { default_capacity: 9, sla: { high: { first_response: '30s' } }, warn_at_percent: 100 }, ['warn_at_percent']],
      ['a first response longer than its resolution target (QA: 10m beside 5m)', { sla: { high: { resolution: '5m', first_response: '10m' } } }, ['sla.high.first_response']],
      ['a next reply longer than its resolution target, beside another bad key', { sla: { low: { next_reply: '2h' } }, default_capacity: 0 }, ['default_capacity', 'sla.low.next_reply']],
      ['bad keys of every kind at once, each named', { sla: { high: { resolution: 'x', next_reply: 'y' } }, calendar: 0, warn_at_percent: 100 }, ['calendar', 'sla.high.next_reply', 'sla.high.resolution', 'warn_at_percent']],
    ])('PATCH refuses %s: 400 naming the field, nothing written', async (_title, body, names) => {
      const before = await current();
      const stored = await loadSettings(db());
      const body400 = await patch(body, 400);
      expect(body400.error.code).toBe('invalid_input');
      expect(Object.keys(body400.error.fields).sort()).toEqual(names);
      expect(await current()).toEqual(before);
      expect(await loadSettings(db())).toEqual(stored);
    });

    it('PATCH refuses a first response longer than the resolution target with a message naming both', async () => {
      const refused = await patch({ sla: { medium: { first_response: '5m' } } }, 400);
      expect(refused.error.fields).toEqual({ 'sla.medium.first_response': 'First response (medium): must not be longer than the resolution target (4m): shorten it, or lengthen Resolution (medium).' });
      expect(await current()).toEqual(DEFAULTS);
      // Lengthening the resolution target in the same patch makes it right.
      expect((await patch({ sla: { medium: { resolution: '5m', first_response: '5m' } } })).sla.medium).toEqual({ resolution: '5m', first_response: '5m', next_reply: null });
      await patch(DEFAULTS);
    });

    it('PATCH refuses a body that is not an object', async () => {
      for (const body of [[], 'capacity', 5]) {
        const response = await admin.api.request('PATCH', '/api/v1/settings', JSON.stringify(body), { 'content-type': 'application/json' });
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(response.body.error.fields).toEqual({ body: expect.any(String) });
      }
      expect(await current()).toEqual(DEFAULTS);
    });

    it('two admins patching different keys at once both count (each patch applies to the settings as stored when it runs)', async () => {
      const other = await staffWithToken(t.app, t.ctx, 'carol', { role: 'admin' });
      const answers = await Promise.all([admin.api.patch('/api/v1/settings', { warn_at_percent: 70 }), other.api.patch('/api/v1/settings', { sla: { low: { next_reply: '45m' } } })]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(await current()).toMatchObject({ warn_at_percent: 70, sla: { low: { next_reply: '45m' } } });
      await patch(DEFAULTS);
    });

    it('a raised default capacity pulls waiting tickets at once (R2), as the settings page does', async () => {
      await patch({ default_capacity: 1 });
      await changePresence(t.ctx, alice.id, 'available');
      const tickets = [await newTicket(t.ctx), await newTicket(t.ctx), await newTicket(t.ctx)];
      expect(await Promise.all(tickets.map((id) => holderOf(db(), id)))).toEqual([alice.id, null, null]);
      await patch({ default_capacity: 3 });
      expect(await Promise.all(tickets.map((id) => holderOf(db(), id)))).toEqual([alice.id, alice.id, alice.id]);
      expect((await eventsOf(db(), tickets[2]!)).at(-1)).toEqual({ type: 'assigned', from_agent_id: null, to_agent_id: alice.id, actor_id: admin.id });
    });
  });
}
