/**
 * Calendars through the API (SPEC §11, issue 15) on both engines: the §11 shape, create / read /
 * list / replace / delete, an edit as a new version that keeps the old one, every bad input of the
 * issue refused with the field named and nothing written, a calendar in use kept (409).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdCalendar } from '../../src/repositories/calendars.js';
import { calendarOfVersion } from '../../src/repositories/calendarVersions.js';
import { DIALECTS } from '../support/db.js';
import { berlinOffice, calendarTables, useAsSlaCalendar } from '../support/calendars.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { type ApiClient, staffWithToken } from './support.js';

const WEEK = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };

for (const dialect of DIALECTS) {
  describe(`calendars API (${dialect})`, () => {
    let t: TestApp;
    let admin: ApiClient;
    let agent: ApiClient;
    const db = () => t.ctx.handle.db;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      agent = (await staffWithToken(t.app, t.ctx, 'ana')).api;
    });
    afterAll(() => t.close());

    it('creates, reads, lists, replaces and deletes a calendar in the §11 shape', async () => {
      const created = await admin.post('/api/v1/calendars', berlinOffice('Round trip'));
      expect(created.status).toBe(201);
      const expected = { id: expect.any(Number), ...berlinOffice('Round trip'), hours: { ...berlinOffice().hours, fri: [['09:00', '12:00'], ['22:00', '06:00']] } };
      expect(created.body).toEqual(expected);
      const { id } = created.body;
      expect((await admin.get(`/api/v1/calendars/${id}`)).body).toEqual(created.body);
      const listed = await admin.get('/api/v1/calendars');
      expect(listed.status).toBe(200);
      expect(listed.body.items).toContainEqual(created.body);
      // 24/7 is built in: never stored, never listed.
      expect(listed.body.items.map((c: { name: string }) => c.name)).not.toContain('24/7');

      // Days left out are closed; holidays may be left out; `to` defaults to `from`.
      const replaced = await admin.put(`/api/v1/calendars/${id}`, { name: 'Round trip, NY', time_zone: 'America/New_York', hours: { sat: [['10:00', '24:00']] }, holidays: [{ from: '2026-07-04', yearly: true }] });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toEqual({ id, name: 'Round trip, NY', time_zone: 'America/New_York', hours: { ...WEEK, sat: [['10:00', '24:00']] }, holidays: [{ from: '2026-07-04', to: '2026-07-04', yearly: true }] });
      expect((await admin.get(`/api/v1/calendars/${id}`)).body).toEqual(replaced.body);

      expect((await admin.delete(`/api/v1/calendars/${id}`)).status).toBe(204);
      expect((await admin.get(`/api/v1/calendars/${id}`)).status).toBe(404);
      const again = await admin.delete(`/api/v1/calendars/${id}`);
      expect(again.status).toBe(404);
      expect(again.body.error.code).toBe('not_found');
    });

    it('stores a time zone typed in another letter case under its canonical name, on create and on replace', async () => {
      // Versions outlive their calendar, and SQLite may give a deleted calendar's id again: only the new ones.
      const versionsBefore = (await t.ctx.handle.db.selectFrom('calendar_versions').select('id').execute()).map((v) => v.id);
      const created = await admin.post('/api/v1/calendars', { ...berlinOffice('Sydney office'), time_zone: 'australia/sydney' });
      expect([created.status, created.body.time_zone]).toEqual([201, 'Australia/Sydney']);
      const replaced = await admin.put(`/api/v1/calendars/${created.body.id}`, { ...berlinOffice('Sydney office'), time_zone: ' EUROPE/berlin ' });
      expect([replaced.status, replaced.body.time_zone]).toEqual([200, 'Europe/Berlin']);
      const stored = await t.ctx.handle.db.selectFrom('calendar_versions').select('definition').where('calendar_id', '=', created.body.id).where('id', 'not in', versionsBefore.length ? versionsBefore : [0]).orderBy('id').execute();
      expect(stored.map((v) => JSON.parse(v.definition).timeZone)).toEqual(['Australia/Sydney', 'Europe/Berlin']);
      expect((await admin.delete(`/api/v1/calendars/${created.body.id}`)).status).toBe(204);
    });

    it.each(['Europe/Kyiv', 'America/Nuuk', 'Pacific/Kanton'])('keeps %s, the current IANA name, where the runtime knows the zone by an older one', async (zone) => {
      const created = await admin.post('/api/v1/calendars', { ...berlinOffice(`Office in ${zone}`), time_zone: zone.toLowerCase() });
      expect([created.status, created.body.time_zone]).toEqual([201, zone]);
      expect((await admin.get(`/api/v1/calendars/${created.body.id}`)).body.time_zone).toBe(zone);
      expect((await admin.delete(`/api/v1/calendars/${created.body.id}`)).status).toBe(204);
    });

    it('writes an edit as a new version in force and keeps the old one, which tickets counting with it still read', async () => {
      const { body: calendar } = await admin.post('/api/v1/calendars', berlinOffice('Versioned'));
      const first = await db().selectFrom('calendars').selectAll().where('id', '=', calendar.id).executeTakeFirstOrThrow();
      const firstVersion = await db().selectFrom('calendar_versions').selectAll().where('id', '=', first.version_id).executeTakeFirstOrThrow();
      expect(firstVersion.calendar_id).toBe(calendar.id);

      const changed = { ...berlinOffice('Versioned'), time_zone: 'Europe/Lisbon' };
      expect((await admin.put(`/api/v1/calendars/${calendar.id}`, changed)).status).toBe(200);
      const second = await db().selectFrom('calendars').selectAll().where('id', '=', calendar.id).executeTakeFirstOrThrow();
      expect(second.version_id).not.toBe(first.version_id);
      const versionsOf = () => db().selectFrom('calendar_versions').selectAll().where('calendar_id', '=', calendar.id).where('id', '>=', firstVersion.id).orderBy('id').execute();
      const versions = await versionsOf();
      expect(versions).toHaveLength(2);
      expect(versions[0]).toEqual(firstVersion);
      expect(JSON.parse(versions[1]!.definition).timeZone).toBe('Europe/Lisbon');

      // Only a new name: the hours in force do not change, so no new version.
      expect((await admin.put(`/api/v1/calendars/${calendar.id}`, { ...changed, name: 'Versioned, renamed' })).status).toBe(200);
      expect(await versionsOf()).toEqual(versions);

      // A ticket counting with the first version keeps it after the calendar is deleted.
      expect((await admin.delete(`/api/v1/calendars/${calendar.id}`)).status).toBe(204);
      expect(await versionsOf()).toEqual(versions);
      expect(await calendarOfVersion(t.ctx.handle, db(), firstVersion.id)).toMatchObject({ timeZone: 'Europe/Berlin' });
    });

    describe('refuses bad input with 400, the field named and nothing written', () => {
      const berlin = berlinOffice('Refusals');
      const cases: [string, Record<string, unknown>, string, RegExp][] = [
        ['an unknown zone', { ...berlin, time_zone: 'Europe/Atlantis' }, 'time_zone', /IANA time zone/],
        ['overlapping intervals', { ...berlin, hours: { mon: [['09:00', '13:00'], ['12:00', '17:00']] } }, 'hours.mon', /overlap/],
        ['a Sunday night overlapping Monday morning', { ...berlin, hours: { sun: [['20:00', '10:00']], mon: [['09:00', '17:00']] } }, 'hours.sun', /overlaps one on mon/],
        ['an empty interval', { ...berlin, hours: { tue: [['10:00', '10:00']] } }, 'hours.tue', /empty/],
        ['25:00', { ...berlin, hours: { wed: [['09:00', '25:00']] } }, 'hours.wed', /HH:MM/],
        ['minutes past 59', { ...berlin, hours: { wed: [['09:60', '12:00']] } }, 'hours.wed', /HH:MM/],
        ['no open hour at all', { ...berlin, hours: WEEK }, 'hours', /at least one interval a week/],
        ['no hours', { name: 'No hours', time_zone: 'UTC' }, 'hours', /opening hours per day/],
        ['an unknown day', { ...berlin, hours: { thur: [['09:00', '17:00']] } }, 'hours.thur', /Unknown day/],
        ['an interval that is not a pair', { ...berlin, hours: { fri: [['09:00']] } }, 'hours.fri', /pair of times/],
        ['a holiday ending before it starts', { ...berlin, holidays: [{ from: '2026-05-01', to: '2026-05-01' }, { from: '2026-12-26', to: '2026-12-24' }] }, 'holidays.1', /ends \(2026-12-24\) before it starts \(2026-12-26\)/],
        ['an impossible date', { ...berlin, holidays: [{ from: '2026-02-30' }] }, 'holidays.0', /YYYY-MM-DD/],
        ['the name of the built-in calendar', { ...berlin, name: '24/7' }, 'name', /built-in/],
        ['no name', { ...berlin, name: undefined }, 'name', /required/],
        ['a name of two lines', { ...berlin, name: 'Berlin\noffice' }, 'name', /One line of text/],
        // Holidays that close every interval: every SLA target would silently have no due time.
        ['holidays closing it for good', { ...berlin, holidays: [{ from: '2020-01-01', to: '2099-12-31' }] }, 'holidays', /never open in the next ten years/],
        ['yearly holidays closing the whole year', { ...berlin, holidays: [{ from: '2026-01-01', to: '2026-06-30', yearly: true }, { from: '2026-07-01', to: '2026-12-31', yearly: true }] }, 'holidays', /never open in the next ten years/],
        // JSON types are strict: `yearly` is a JSON boolean, not a word or a number that reads as one.
        ['"yes" for yearly', { ...berlin, holidays: [{ from: '2026-01-01', yearly: 'yes' }] }, 'holidays.0.yearly', /true or false/],
        ['1 for yearly', { ...berlin, holidays: [{ from: '2026-01-01', yearly: 1 }] }, 'holidays.0.yearly', /true or false/],
        ['"true" for yearly', { ...berlin, holidays: [{ from: '2026-01-01', yearly: 'true' }] }, 'holidays.0.yearly', /true or false/],
        // Unknown fields are refused, not dropped: a misspelt key would otherwise go unnoticed.
        ['an unknown field', { ...berlin, color: 'red' }, 'color', /Unknown field/],
        ['an unknown field of a holiday', { ...berlin, holidays: [{ from: '2026-01-01', yearly: true, colour: 'red' }] }, 'holidays.0.colour', /Unknown field/],
      ];
      for (const [label, body, field, message] of cases) {
        it(label, async () => {
          const before = await calendarTables(db());
          const response = await admin.post('/api/v1/calendars', body);
          expect(response.status).toBe(400);
          expect(response.body.error.code).toBe('invalid_input');
          expect(response.body.error.fields[field]).toMatch(message);
          expect(await calendarTables(db())).toEqual(before);
        });
      }

      it('every problem of one body at once', async () => {
        const response = await admin.post('/api/v1/calendars', { name: '', time_zone: 'Nowhere', hours: { mon: [['09:00', '25:00']] }, holidays: [{ from: '2026-12-26', to: '2026-12-24' }] });
        expect(response.status).toBe(400);
        expect(Object.keys(response.body.error.fields).sort()).toEqual(['holidays.0', 'hours.mon', 'name', 'time_zone']);
      });

      it('a name in use, in any letter case, for a new calendar and for another one’s edit', async () => {
        const { body: taken } = await admin.post('/api/v1/calendars', berlinOffice('Head office'));
        const { body: other } = await admin.post('/api/v1/calendars', berlinOffice('Branch office'));
        const before = await calendarTables(db());
        for (const response of [await admin.post('/api/v1/calendars', berlinOffice('HEAD OFFICE')), await admin.put(`/api/v1/calendars/${other.id}`, berlinOffice(' head office '))]) {
          expect(response.status).toBe(400);
          expect(response.body.error.fields.name).toMatch(/^Name: a calendar named “(head office|HEAD OFFICE)” exists already/);
        }
        expect(await calendarTables(db())).toEqual(before);
        // Its own name (in another case) is not a clash with itself.
        expect((await admin.put(`/api/v1/calendars/${taken.id}`, berlinOffice('head Office'))).status).toBe(200);
      });

      it('a name in use in another letter case beyond ASCII (SQLite’s lower() folds only ASCII)', async () => {
        expect((await admin.post('/api/v1/calendars', berlinOffice('Büro Ölsen'))).status).toBe(201);
        const before = await calendarTables(db());
        const response = await admin.post('/api/v1/calendars', berlinOffice('BÜRO ÖLSEN'));
        expect([response.status, response.body.error?.fields?.name]).toEqual([400, expect.stringMatching(/^Name: a calendar named “BÜRO ÖLSEN” exists already/)]);
        expect(await calendarTables(db())).toEqual(before);
      });

      it('a bad replacement leaves the calendar and its versions as they were', async () => {
        const { body: calendar } = await admin.post('/api/v1/calendars', berlinOffice('Kept as it was'));
        const before = await calendarTables(db());
        const response = await admin.put(`/api/v1/calendars/${calendar.id}`, { ...berlinOffice('Kept as it was'), hours: { mon: [['17:00', '09:00']], tue: [['08:00', '10:00']] } });
        expect(response.status).toBe(400);
        expect(response.body.error.fields['hours.tue']).toMatch(/overlaps one on mon/);
        expect(await calendarTables(db())).toEqual(before);
      });
    });

    it('keeps a calendar in use: deleting the SLA calendar is a 409 that says where, and nothing is deleted', async () => {
      const { body: calendar } = await admin.post('/api/v1/calendars', berlinOffice('The SLA one'));
      await useAsSlaCalendar(db(), calendar.id);
      try {
        const before = await calendarTables(db());
        const refused = await admin.delete(`/api/v1/calendars/${calendar.id}`);
        expect(refused.status).toBe(409);
        expect(refused.body.error.code).toBe('conflict');
        expect(refused.body.error.message).toMatch(/“The SLA one” cannot be deleted: it is the SLA calendar in the settings/);
        expect(await calendarTables(db())).toEqual(before);
        // It may still be changed: the change applies to clocks started after it.
        expect((await admin.put(`/api/v1/calendars/${calendar.id}`, { ...berlinOffice('The SLA one'), time_zone: 'Asia/Tokyo' })).status).toBe(200);
      } finally {
        await useAsSlaCalendar(db(), null);
      }
      expect((await admin.delete(`/api/v1/calendars/${calendar.id}`)).status).toBe(204);
    });

    it('a delete racing a settings change that holds the calendar waits for it, then finds the calendar in use', async () => {
      const { body: calendar } = await admin.post('/api/v1/calendars', berlinOffice('Raced'));
      let release!: () => void;
      let holding!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const held = new Promise<void>((resolve) => (holding = resolve));
      // What the settings service does when an admin chooses the calendar, paused before its commit.
      const choosing = db()
        .transaction()
        .execute(async (trx) => {
          expect(await holdCalendar(trx, calendar.id)).toBeTypeOf('number');
          await trx.updateTable('settings').set({ calendar_id: calendar.id }).where('id', '=', 1).execute();
          holding();
          await released;
        });
      await held;
      const deleting = admin.delete(`/api/v1/calendars/${calendar.id}`);
      let answered = false;
      void deleting.then(() => (answered = true));
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(answered, 'the delete did not wait for the settings change').toBe(false);
      } finally {
        release();
        await choosing;
      }
      try {
        expect((await deleting).status).toBe(409);
        expect((await admin.get(`/api/v1/calendars/${calendar.id}`)).status).toBe(200);
      } finally {
        await useAsSlaCalendar(db(), null);
      }
    });

    it('pages the list with a cursor, oldest first', async () => {
      for (const name of ['Page A', 'Page B', 'Page C']) expect((await admin.post('/api/v1/calendars', berlinOffice(name))).status).toBe(201);
      const all = (await admin.get('/api/v1/calendars?limit=200')).body.items.map((c: { id: number }) => c.id);
      expect(all).toEqual([...all].sort((a: number, b: number) => a - b));
      const seen: number[] = [];
      let url: string | null = '/api/v1/calendars?limit=2';
      while (url) {
        const page: { body: { items: { id: number }[]; next_cursor: string | null } } = await admin.get(url);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((c) => c.id));
        url = page.body.next_cursor === null ? null : `/api/v1/calendars?limit=2&cursor=${page.body.next_cursor}`;
      }
      expect(seen).toEqual(all);
      const bad = await admin.get('/api/v1/calendars?cursor=nonsense!');
      expect(bad.status).toBe(400);
      expect(bad.body.error.fields.cursor).toBeDefined();
    });

    it('answers 404 for an unknown or malformed id, 403 to agents and 401 without a token, writing nothing', async () => {
      const { body: calendar } = await admin.post('/api/v1/calendars', berlinOffice('Guarded'));
      const before = await calendarTables(db());
      for (const path of ['/api/v1/calendars/999999', '/api/v1/calendars/abc', '/api/v1/calendars/0']) {
        expect((await admin.get(path)).status, path).toBe(404);
        expect((await admin.put(path, berlinOffice('Nowhere'))).status, path).toBe(404);
        expect((await admin.delete(path)).status, path).toBe(404);
      }
      const anonymous = new (admin.constructor as typeof ApiClient)(t.app);
      for (const [client, status] of [
        [agent, 403],
        [anonymous, 401],
      ] as const) {
        expect((await client.get('/api/v1/calendars')).status).toBe(status);
        expect((await client.get(`/api/v1/calendars/${calendar.id}`)).status).toBe(status);
        expect((await client.post('/api/v1/calendars', berlinOffice('Sneaky'))).status).toBe(status);
        expect((await client.put(`/api/v1/calendars/${calendar.id}`, berlinOffice('Sneaky'))).status).toBe(status);
        expect((await client.delete(`/api/v1/calendars/${calendar.id}`)).status).toBe(status);
      }
      expect(await calendarTables(db())).toEqual(before);
    });
  });
}
