/**
 * A team's own SLA calendar and targets on the team page (§12), through the real app on both
 * engines: saved from the form, shown as saved, in the list; a refusal is a 400 by each field with
 * the input kept and nothing changed (the audit log included); two admins editing one team from
 * the same page keep each other's changes (core/formMerge.ts), and a target both changed is a 409.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCalendar } from '../../src/core/calendar.js';
import { saveCalendar } from '../../src/services/calendars.js';
import { listTeams } from '../../src/repositories/teams.js';
import { addStaff, type Client, startTestApp, type TestApp } from '../support/app.js';
import { berlinOffice } from '../support/calendars.js';
import { DIALECTS } from '../support/db.js';
import { pageForm } from '../support/pageForm.js';
import { adminClient, visibleText } from './support.js';

const NEW = '/adminapp/teams/new/';
type Form = Record<string, string | string[]>;

for (const dialect of DIALECTS) {
  describe(`a team's own SLA on its page (${dialect})`, () => {
    let t: TestApp;
    let mgr: Client;
    let mgr2: Client;
    let office: number;
    const db = () => t.ctx.handle.db;
    const snapshot = async () => JSON.stringify([await db().selectFrom('teams').selectAll().orderBy('id').execute(), await db().selectFrom('audit_log').selectAll().orderBy('id').execute()]);
    const load = async (client: Client, url: string): Promise<Form> => pageForm((await client.get(url)).body, url);
    const team = async (name: string) => (await listTeams(db())).find((x) => x.name === name)!;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const root = await addStaff(t.ctx, 'root', { role: 'admin' });
      office = (await saveCalendar(t.ctx, null, parseCalendar(berlinOffice()), { id: root, username: 'root', address: '127.0.0.1' })).id;
      mgr = (await adminClient(t, 'mgr')).client;
      mgr2 = (await adminClient(t, 'mgr2')).client;
    });
    afterAll(() => t.close());

    it('saves a calendar and targets of its own from the form, and shows them as saved', async () => {
      const form = await load(mgr, NEW);
      expect(form).toMatchObject({ calendar: '', 'sla.high.resolution': '', 'sla.low.next_reply': '' });
      const created = await mgr.post(NEW, { ...form, name: 'Billing', calendar: String(office), 'sla.high.resolution': '1h', 'sla.medium.resolution': '4h', 'sla.low.resolution': '2d', 'sla.medium.next_reply': '2h' });
      expect(created.statusCode).toBe(303);
      const billing = await team('Billing');
      expect(billing).toMatchObject({ calendar: office, sla: { high: { resolution: '1h', first_response: null }, medium: { resolution: '4h', next_reply: '2h' }, low: { resolution: '2d' } } });
      expect(visibleText(await mgr.get('/adminapp/teams/'))).toContain('high 1h · medium 4h · low 2d; Berlin office');
      expect(await load(mgr, `/adminapp/teams/${billing.id}/`)).toMatchObject({ calendar: String(office), 'sla.medium.next_reply': '2h', 'sla.low.resolution': '2d' });
    });

    it('back to the desk’s: every target emptied and the desk’s calendar chosen', async () => {
      const url = `/adminapp/teams/${(await team('Billing')).id}/`;
      const form = await load(mgr, url);
      const cleared = Object.fromEntries(Object.keys(form).filter((k) => k.startsWith('sla.')).map((k) => [k, '']));
      expect((await mgr.post(url, { ...form, ...cleared, calendar: '' })).statusCode).toBe(303);
      expect(await team('Billing')).toMatchObject({ calendar: null, sla: null });
      expect(visibleText(await mgr.get('/adminapp/teams/'))).toMatch(/Billing — The desk’s/);
    });

    it.each<[string, Form, Record<string, RegExp>]>([
      ['one target of its own without the resolution targets', { 'sla.high.first_response': '5m' }, { 'sla.high.resolution': /Required with targets of the team’s own/, 'sla.low.resolution': /Required/ }],
      ['a calendar gone meanwhile (deleted after the page was loaded)', { calendar: '999999' }, { calendar: /No calendar has id 999999/ }],
      ['a first response past its resolution target', { 'sla.high.resolution': '10m', 'sla.medium.resolution': '1h', 'sla.low.resolution': '1d', 'sla.high.first_response': '1h' }, { 'sla.high.first_response': /Must not be longer than the resolution target \(10m\)/ }],
    ])('refuses %s: 400 by the fields, the input kept, nothing changed', async (_what, fields, messages) => {
      const before = await snapshot();
      const page = await mgr.post(NEW, { ...(await load(mgr, NEW)), name: 'Tech', ...fields });
      expect(page.statusCode).toBe(400);
      for (const [field, message] of Object.entries(messages)) expect(page.body).toMatch(new RegExp(`id="${field.replace(/\./g, '\\.')}-error" class="field-error">[^<]*${message.source}`, 'i'));
      // Typed targets are kept (a calendar gone meanwhile cannot be: a select shows only what exists).
      for (const [field, value] of Object.entries(fields)) if (field.startsWith('sla.')) expect(pageForm(page.body, NEW)[field]).toBe(value);
      expect(await snapshot()).toBe(before);
    });

    it('two admins on one team page: a calendar and a name changed apart both stay; the same target changed by both is a 409', async () => {
      const url = `/adminapp/teams/${(await team('Billing')).id}/`;
      const [mine, theirs] = [await load(mgr, url), await load(mgr2, url)];
      expect((await mgr.post(url, { ...mine, calendar: '24/7' })).statusCode).toBe(303);
      expect((await mgr2.post(url, { ...theirs, name: 'Invoices' })).statusCode).toBe(303);
      expect(await team('Invoices')).toMatchObject({ calendar: '24/7', sla: null });

      const targets = { 'sla.high.resolution': '1h', 'sla.medium.resolution': '4h', 'sla.low.resolution': '1d' };
      const [a, b] = [await load(mgr, `/adminapp/teams/${(await team('Invoices')).id}/`), await load(mgr2, `/adminapp/teams/${(await team('Invoices')).id}/`)];
      expect((await mgr.post(url, { ...a, ...targets })).statusCode).toBe(303);
      const before = await snapshot();
      const clash = await mgr2.post(url, { ...b, ...targets, 'sla.high.resolution': '2h' });
      expect(clash.statusCode).toBe(409);
      expect(visibleText(clash)).toMatch(/Resolution \(high\)/);
      expect(await snapshot()).toBe(before);
    });
  });
}
