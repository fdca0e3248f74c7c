/**
 * Calendars at /adminapp/calendars/ (SPEC §11) through the real app on both engines: admin only,
 * the list with the built-in 24/7 first, create and edit with CSRF from the text form (intervals
 * per day, holidays per line), bad input refused with 400, each message by its field, the text
 * kept and nothing written; delete only when unused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarTables, useAsSlaCalendar } from '../support/calendars.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, agentClient, visibleText } from './support.js';

const LIST = '/adminapp/calendars/';
const NEW = `${LIST}new/`;

/** The form of a calendar: weekdays 09:00-12:00, 13:00-17:00 in Berlin, Christmas every year. */
function form(over: Record<string, string> = {}): Record<string, string> {
  const day = '09:00-12:00, 13:00-17:00';
  return { name: 'Berlin office', time_zone: 'Europe/Berlin', hours_mon: day, hours_tue: day, hours_wed: day, hours_thu: day, hours_fri: '9:00-12:00', hours_sat: '', hours_sun: '', holidays: '2026-12-24..2026-12-26 yearly\n2026-05-01', ...over };
}

for (const dialect of DIALECTS) {
  describe(`calendar pages (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    const db = () => t.ctx.handle.db;
    const idNamed = async (name: string) => (await db().selectFrom('calendars').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      await addStaff(t.ctx, 'ana');
      admin = (await adminClient(t)).client;
    });
    afterAll(() => t.close());

    it('is for admins only: anonymous visitors log in first, agents get 403 and write nothing', async () => {
      const anonymous = await new Client(t.app).get(LIST);
      expect(anonymous.statusCode).toBe(303);
      expect(anonymous.headers.location).toBe(`/agents/login/?next=${encodeURIComponent(LIST)}`);
      const agent = await agentClient(t, 'ana');
      expect((await agent.get(LIST)).statusCode).toBe(403);
      expect((await agent.get(NEW)).statusCode).toBe(403);
      const csrf = csrfFrom((await agent.get('/agents/dashboard/')).body);
      expect((await agent.post(NEW, { ...form({ name: 'Sneaky' }), _csrf: csrf })).statusCode).toBe(403);
      expect(await calendarTables(db())).toEqual({ calendars: [], versions: [] });
    });

    it('lists the built-in 24/7 first, as the SLA calendar, not editable; the admin navigation links here', async () => {
      const list = await admin.get(LIST);
      expect(list.statusCode).toBe(200);
      expect(list.body).toContain(`<a href="${LIST}">Calendars</a>`);
      expect(visibleText(list)).toMatch(/24\/7 \(built in\) — Always open 0 SLA calendar/);
      expect(list.body).not.toMatch(/href="\/adminapp\/calendars\/24/);
      expect(list.body).toContain(`href="${NEW}"`);
    });

    it('creates a calendar from the text form and shows its zone, weekly hours and holidays in the list', async () => {
      const blank = await admin.get(NEW);
      expect(blank.statusCode).toBe(200);
      // A new calendar starts as weekdays 09:00-17:00; the zone field suggests every zone.
      expect(blank.body).toContain('id="hours_mon" name="hours_mon" type="text" value="09:00-17:00"');
      expect(blank.body).toContain('list="time-zones"');
      expect(blank.body).toContain('<option value="Europe/Berlin">');
      // Renamed zones are suggested under their current IANA name, which is what is stored.
      expect(blank.body).toContain('<option value="Europe/Kyiv">');
      expect(blank.body).not.toContain('<option value="Europe/Kiev">');

      const created = await admin.submit(NEW, form());
      expect(created.statusCode).toBe(303);
      expect(created.headers.location).toBe(LIST);
      const [row] = (await calendarTables(db())).calendars;
      expect(row).toMatchObject({ name: 'Berlin office' });
      const list = await admin.get(LIST);
      const text = visibleText(list);
      expect(text).toContain('Calendar “Berlin office” created.');
      expect(text).toContain('Berlin office Europe/Berlin Mon–Thu 09:00-12:00, 13:00-17:00 · Fri 09:00-12:00 (31 h a week) 2 —');

      // The edit form shows it as it was typed (9:00 written 09:00).
      const edit = await admin.get(`${LIST}${row!.id}/`);
      expect(edit.statusCode).toBe(200);
      expect(edit.body).toContain('value="09:00-12:00, 13:00-17:00"');
      expect(edit.body).toContain('value="09:00-12:00"');
      expect(edit.body).toContain('2026-12-24..2026-12-26 yearly\n2026-05-01</textarea>');
    });

    it('refuses each bad input of issue 15 with 400, the message by its field, the text kept and nothing written', async () => {
      const cases: [Record<string, string>, string, string][] = [
        [{ time_zone: 'Europe/Atlantis' }, 'time_zone', 'Time zone: enter an IANA time zone'],
        [{ hours_tue: '09:00-12:00, 11:00-14:00' }, 'hours_tue', 'Tuesday: intervals overlap.'],
        [{ hours_wed: '10:00-10:00' }, 'hours_wed', 'Wednesday: the interval 10:00–10:00 is empty.'],
        [{ hours_thu: '09:00-25:00' }, 'hours_thu', 'Thursday: times are HH:MM from 00:00 to 23:59'],
        [{ hours_mon: '', hours_tue: '', hours_wed: '', hours_thu: '', hours_fri: '' }, 'hours', 'Opening hours: the calendar must be open at least one interval a week.'],
        [{ holidays: '2026-05-01\n2026-12-26..2026-12-24' }, 'holidays', 'Holidays (closed all day): line 2: The holiday ends (2026-12-24) before it starts (2026-12-26).'],
        [{ hours_fri: 'nine to noon' }, 'hours_fri', 'Friday: “nine to noon” is not an interval'],
        [{ holidays: '2026-01-01..2026-06-30 yearly\n2026-07-01..2026-12-31 yearly' }, 'holidays', 'Holidays (closed all day): with these holidays the calendar is never open in the next ten years'],
        [{ name: 'berlin OFFICE' }, 'name', 'Name: a calendar named “berlin OFFICE” exists already'],
      ];
      const before = await calendarTables(db());
      for (const [over, field, message] of cases) {
        // A name nobody has (the list holds “Berlin office”), but where the name is the case.
        const response = await admin.submit(NEW, form({ name: 'Lisbon office', ...over }));
        expect(response.statusCode, field).toBe(400);
        expect(response.body, field).toContain(`id="${field}-error" class="field-error">${message}`);
        expect(response.body, field).toContain('One field needs your attention');
        expect(response.body, field).toContain(`href="#${field}"`);
        // Every field comes back as typed.
        for (const [name, value] of Object.entries(form({ name: 'Lisbon office', ...over }))) {
          if (name === 'holidays') expect(response.body).toContain(`${value}</textarea>`);
          else expect(response.body).toContain(`name="${name}" type="text" value${value === '' ? ' ' : `="${value}"`}`);
        }
      }
      expect(await calendarTables(db())).toEqual(before);
    });

    it('names a name in use beside the other fields’ problems, in one answer', async () => {
      const before = await calendarTables(db());
      const response = await admin.submit(NEW, form({ name: 'BERLIN office', hours_fri: 'nine to noon', time_zone: 'Mars' }));
      expect(response.statusCode).toBe(400);
      for (const field of ['name', 'hours_fri', 'time_zone']) expect(response.body, field).toContain(`id="${field}-error" class="field-error">`);
      expect(response.body).toContain('Name: a calendar named “BERLIN office” exists already');
      expect(await calendarTables(db())).toEqual(before);
    });

    it('edits a calendar as a new version, keeping the old one; a bad edit shows the form again and changes nothing', async () => {
      const id = await idNamed('Berlin office');
      const path = `${LIST}${id}/`;
      const before = await calendarTables(db());
      const refused = await admin.submit(path, form({ hours_sat: '10:00-14:00, 13:00-15:00', time_zone: 'Mars' }));
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain('2 fields need your attention');
      expect(refused.body).toContain('id="hours_sat-error" class="field-error">Saturday: intervals overlap.');
      expect(refused.body).toContain('value="10:00-14:00, 13:00-15:00"');
      expect(refused.body).toContain(`action="${path}"`);
      expect(await calendarTables(db())).toEqual(before);

      const saved = await admin.submit(path, form({ name: 'Berlin office, Saturdays', hours_sat: '10:00-14:00' }));
      expect(saved.statusCode).toBe(303);
      expect(visibleText(await admin.get(LIST))).toContain('Calendar “Berlin office, Saturdays” saved.');
      const after = await calendarTables(db());
      expect(after.versions).toEqual([...before.versions, expect.objectContaining({ calendar_id: id })]);
      expect(after.calendars).toEqual([expect.objectContaining({ id, name: 'Berlin office, Saturdays', version_id: after.versions.at(-1)!.id })]);
      expect(JSON.parse(after.versions.at(-1)!.definition).hours.sat).toEqual([{ start: 600, end: 840 }]);

      expect((await admin.get(`${LIST}999999/`)).statusCode).toBe(404);
      expect((await admin.submit(NEW, form({ name: 'x' }), `${LIST}999999/`)).statusCode).toBe(404);
      expect((await admin.get(`${LIST}abc/`)).statusCode).toBe(404);
    });

    it('deletes a calendar only when unused: the SLA calendar shows why not, and a stale delete is a 409 that keeps it', async () => {
      expect((await admin.submit(NEW, form({ name: 'Temporary' }))).statusCode).toBe(303);
      const id = await idNamed('Temporary');
      const path = `${LIST}${id}/`;
      await useAsSlaCalendar(db(), id);
      try {
        const page = await admin.get(path);
        expect(page.body).not.toContain(`action="${path}delete/"`);
        expect(visibleText(page)).toContain('This calendar cannot be deleted: it is the SLA calendar in the settings.');
        expect(visibleText(await admin.get(LIST))).toMatch(/24\/7 \(built in\) — Always open 0 — .*Temporary Europe\/Berlin .* SLA calendar/);
        const before = await calendarTables(db());
        const refused = await admin.submit(LIST, {}, `${path}delete/`);
        expect(refused.statusCode).toBe(409);
        expect(visibleText(refused)).toContain('Calendar “Temporary” cannot be deleted: it is the SLA calendar in the settings.');
        expect(await calendarTables(db())).toEqual(before);
      } finally {
        await useAsSlaCalendar(db(), null);
      }

      const page = await admin.get(path);
      expect(page.body).toContain(`action="${path}delete/"`);
      const before = await calendarTables(db());
      // Without the CSRF token: refused, nothing deleted.
      expect((await admin.post(`${path}delete/`, {})).statusCode).toBe(403);
      expect(await calendarTables(db())).toEqual(before);
      const deleted = await admin.submit(path, {}, `${path}delete/`);
      expect(deleted.statusCode).toBe(303);
      expect(deleted.headers.location).toBe(LIST);
      expect(visibleText(await admin.get(LIST))).toContain('Calendar “Temporary” deleted.');
      const after = await calendarTables(db());
      expect(after.calendars.map((c) => c.id)).not.toContain(id);
      // Its versions stay for the tickets that count with them.
      expect(after.versions).toEqual(before.versions);
      const again = await admin.submit(LIST, {}, `${path}delete/`);
      expect(again.statusCode).toBe(303);
      expect(visibleText(await admin.get(LIST))).toContain('That calendar was already deleted.');
    });

    it('shows names escaped', async () => {
      expect((await admin.submit(NEW, form({ name: '<img src=x onerror=alert(1)>' }))).statusCode).toBe(303);
      const list = await admin.get(LIST);
      expect(list.body).not.toContain('<img src=x');
      expect(list.body).toContain('&lt;img src=x onerror=alert(1)>');
    });
  });
}
